import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { Metrics } from '../../src/metrics/index.js';
import { PubSubHub } from '../../src/redis/index.js';
import { ModelServer, type ArtefactLoader } from '../../src/serving/index.js';
import { fakeVersionMeta } from '../fixtures/fake-version.js';
import { testRedisUrl } from '../helpers/redis.js';
import { testServices } from '../helpers/services.js';

const blob = (label: string) => new Uint8Array(Buffer.from(JSON.stringify({ label })));

test('SERVING_MAX_MODELS: the least recently used model is unloaded, and its next request loads it again', async () => {
  const loads: string[] = [];
  const disposed: string[] = [];
  let inFlight = 0;
  const load: ArtefactLoader = async (bytes) => {
    const { label } = JSON.parse(Buffer.from(bytes).toString('utf8')) as { label: string };
    loads.push(label);
    return {
      labels: [label],
      // Slow answers: an unload must let a prediction already asked for finish.
      predict: async (texts) => {
        inFlight++;
        await new Promise((r) => setTimeout(r, 30));
        inFlight--;
        return texts.map(() => ({ label, scores: [{ label, probability: 1 }] }));
      },
      dispose: () => disposed.push(label),
    };
  };
  // The services' own (eager) classifier gets a loader of its own, so `loads` counts this server's.
  const s = await testServices({
    loadArtefact: async () => ({ labels: ['z'], predict: () => [], dispose: () => undefined }),
  });
  const hub = new PubSubHub(new Redis(await testRedisUrl()));
  const metrics = new Metrics(undefined, { defaults: false });
  const server = new ModelServer(s.registry, hub, s.keys, load, {
    pinnedCacheSize: 1,
    pollMs: 0,
    eager: false,
    maxModels: 2,
    metrics,
  });
  try {
    for (const m of ['a', 'b', 'c']) await s.registry.publish(m, blob(m), fakeVersionMeta);
    const ask = async (m: string) => (await server.classify(m, ['x'], {})).results[0]!.label;
    assert.equal(await ask('a'), 'a');
    assert.equal(await ask('b'), 'b');
    // A slow request on a makes a the most recently used; then b is, so c pushes out a while
    // a's request is still in flight, and that request still answers.
    const slowA = ask('a');
    assert.equal(await ask('b'), 'b');
    assert.equal(await ask('c'), 'c');
    assert.equal(await slowA, 'a');
    assert.deepEqual(disposed, ['a']);
    assert.equal(server.servedVersion('a'), undefined);
    assert.equal(server.servedVersion('b'), 1);
    // Never a failure: the next request on a waits for its load, and b (least recent) goes.
    const t0 = performance.now();
    assert.equal(await ask('a'), 'a');
    console.log(`reload on demand took ${(performance.now() - t0).toFixed(1)} ms (fake artefact)`);
    assert.deepEqual(loads, ['a', 'b', 'c', 'a']);
    assert.deepEqual(disposed, ['a', 'b']);
    assert.equal(inFlight, 0);
    const text = await metrics.registry.metrics();
    assert.match(text, /textclf_models_held 2/);
    assert.match(text, /textclf_model_unloads_total\{model="a"\} 1/);
    assert.match(text, /textclf_model_unloads_total\{model="b"\} 1/);
    assert.match(text, /textclf_model_artefact_bytes\{model="a"\} \d+/);
    assert.doesNotMatch(text, /textclf_model_artefact_bytes\{model="b"\}/, 'an unloaded model has no size');
  } finally {
    await server.close();
    await hub.close();
    await s.close();
  }
});
