import { Redis } from 'ioredis';
import { initBackend, serializeArtefact } from '../../src/model/index.js';
import { makeKeys } from '../../src/redis/index.js';
import { ModelRegistry, type VersionMeta } from '../../src/registry/index.js';
import { train } from '../../src/training/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';

/** Small trained models (one per seed, on the cpu backend) and version metadata to publish them with. */
export async function trainedArtefacts(
  seeds: number[],
): Promise<{ artefacts: Uint8Array[]; meta: VersionMeta }> {
  await initBackend('cpu');
  const artefacts: Uint8Array[] = [];
  let meta: VersionMeta | undefined;
  for (const seed of seeds) {
    const r = await train(syntheticArticles(30, seed), { epochs: 2, hiddenUnits: 8, seed });
    artefacts.push(serializeArtefact(r.classifier));
    meta = {
      labels: [...r.classifier.labels],
      options: {},
      vocabularySize: r.classifier.metadata.vocabularySize,
      backend: { name: 'cpu', package: '@tensorflow/tfjs-backend-cpu' },
      dataset: { hash: 'h', documents: 30 },
      trainSeconds: r.trainSeconds,
      evaluation: null,
    };
    r.classifier.dispose();
  }
  if (!meta) throw new Error('no seeds');
  return { artefacts, meta };
}

/** Publishes `artefact` as the next version of model `m` under `prefix`, as a worker would. */
export async function publishArtefact(
  redisUrl: string,
  prefix: string,
  artefact: Uint8Array,
  meta: VersionMeta,
): Promise<void> {
  const client = new Redis(redisUrl);
  try {
    await new ModelRegistry(client, makeKeys(prefix), 10).publish('m', artefact, meta);
  } finally {
    await client.quit();
  }
}
