/**
 * Scenario d of `npm run faults`: Redis killed with SIGKILL right after versions are published,
 * once with `appendfsync everysec` and once with `always`. Each run stores datasets, job records and
 * versions through the service's own stores, kills Redis the moment the last write is acknowledged,
 * restarts it on its AOF and counts what was acknowledged but is gone. It also times the writes, which
 * is what `always` costs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/log/index.js';
import { JobStore, RedisDatasetStore } from '../../src/queue/index.js';
import { createRedis, makeKeys, spawnRedisServer } from '../../src/redis/index.js';
import { ModelRegistry } from '../../src/registry/index.js';
import { fakeVersionMeta } from '../../test/fixtures/fake-version.js';
import type { Row } from './faults-scenarios.js';

const REDIS_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';
const ROUNDS = Number(process.env.FAULTS_DURABILITY_ROUNDS ?? 100);
const ARTEFACT_BYTES = 256 * 1024;

interface Outcome {
  fsync: string;
  acknowledged: number;
  lost: number;
  writesPerSecond: number;
}

const limits = { minPerLabel: 1, maxLabels: 1000, maxTextBytes: 1e6, maxDocuments: 1e6 };

/** Stores `ROUNDS` × (dataset, job record, version), kills Redis, restarts it, counts the losses. */
async function run(fsync: 'everysec' | 'always'): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'textclf-durability-'));
  const args = ['--dir', dir, '--appendonly', 'yes', '--appendfsync', fsync, '--save', ''];
  const server = await spawnRedisServer(REDIS_BIN, args);
  const redis = createRedis(server.url, 'client', silentLogger);
  const keys = makeKeys('durability');
  const registry = new ModelRegistry(redis, keys, 1_000_000);
  const datasets = new RedisDatasetStore(redis, keys, limits);
  const jobs = new JobStore(redis, keys);
  const acked = { datasets: [] as string[], jobs: [] as string[], versions: [] as number[] };
  const t0 = performance.now();
  for (let i = 0; i < ROUNDS; i++) {
    const ds = await datasets.put([
      { text: `document ${i} a`, label: 'a' },
      { text: `document ${i} b`, label: 'b' },
    ]);
    acked.datasets.push(ds.hash);
    const jobId = `job-${i}`;
    await jobs.create({ jobId, model: 'm', datasetHash: ds.hash, documents: 2, options: {} });
    acked.jobs.push(jobId);
    const out = await registry.publish('m', randomBytes(ARTEFACT_BYTES), fakeVersionMeta);
    if (out.status !== 'cancelled') acked.versions.push(out.version);
  }
  const seconds = (performance.now() - t0) / 1000;
  process.kill(server.pid!, 'SIGKILL'); // the instant the last publish was acknowledged
  redis.disconnect();
  await new Promise((r) => setTimeout(r, 200));
  const again = await spawnRedisServer(REDIS_BIN, args, undefined, server.port);
  const check = createRedis(again.url, 'client', silentLogger);
  try {
    const reg = new ModelRegistry(check, keys, 1_000_000);
    const have = new Set((await reg.listVersions('m').catch(() => [])).map((v) => v.version));
    let lost = acked.versions.filter((v) => !have.has(v)).length;
    const store = new RedisDatasetStore(check, keys, limits);
    for (const h of acked.datasets) if (!(await store.getRef(h))) lost++;
    const js = new JobStore(check, keys);
    for (const id of acked.jobs) if (!(await js.get(id).catch(() => undefined))) lost++;
    const writes = acked.datasets.length + acked.jobs.length + acked.versions.length;
    return { fsync, acknowledged: writes, lost, writesPerSecond: writes / seconds };
  } finally {
    await check.quit().catch(() => check.disconnect());
    await again.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both policies, one row each; `always` must lose nothing. */
export async function redisKillAfterPublish(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const fsync of ['everysec', 'always'] as const) {
    const o = await run(fsync);
    rows.push({
      scenario: `d. Redis SIGKILL after publishing (appendfsync ${fsync})`,
      sent: o.acknowledged,
      failed: 0,
      jobsLost: o.lost,
      versionsCorrupted: 0,
      figures: `${o.acknowledged} acknowledged writes (datasets, jobs, ${ARTEFACT_BYTES / 1024} KiB versions), ${o.lost} lost; ${o.writesPerSecond.toFixed(0)} writes/s`,
      pass: fsync === 'everysec' || o.lost === 0,
      notes:
        fsync === 'always'
          ? [
              'a killed Redis process loses nothing either way (the AOF write reaches the kernel before the reply); ' +
                'everysec can still lose up to ~1-2 s of acknowledged writes when the host itself dies, always cannot',
            ]
          : [],
    });
  }
  return rows;
}
