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

test('a memory budget: models beyond the estimated bytes are unloaded, least recently used first, pinned versions before them; never a failure', async () => {
  const disposed: string[] = [];
  // Each fake model says how much memory it holds: its label's size in MB.
  const mb = 1024 * 1024;
  const sizes: Record<string, number> = { a: 40, b: 30, c: 50, d: 200 };
  const load: ArtefactLoader = async (bytes) => {
    const { label } = JSON.parse(Buffer.from(bytes).toString('utf8')) as { label: string };
    return {
      labels: [label],
      predict: (texts) => texts.map(() => ({ label, scores: [{ label, probability: 1 }] })),
      dispose: () => disposed.push(label),
      memoryBytes: () => sizes[label[0]!]! * mb,
    };
  };
  const s = await testServices({
    loadArtefact: async () => ({ labels: ['z'], predict: () => [], dispose: () => undefined }),
  });
  const hub = new PubSubHub(new Redis(await testRedisUrl()));
  const metrics = new Metrics(undefined, { defaults: false });
  const server = new ModelServer(s.registry, hub, s.keys, load, {
    pinnedCacheSize: 4,
    pollMs: 0,
    eager: false,
    maxModelBytes: () => 100 * mb,
    metrics,
  });
  try {
    for (const m of ['a', 'b', 'c', 'd']) await s.registry.publish(m, blob(m), fakeVersionMeta);
    await s.registry.publish('a', blob('a2'), fakeVersionMeta); // a's version 2 (40 MB too)
    const ask = async (m: string, version?: number) =>
      (await server.classify(m, ['x'], version === undefined ? {} : { version })).results[0]!.label;
    assert.equal(await ask('a'), 'a2');
    assert.equal(await ask('b'), 'b'); // 70 MB held
    assert.equal(await ask('a', 1), 'a'); // pinned a@1: 110 MB, so the least recent setup (b) goes
    assert.deepEqual(disposed, ['b']);
    assert.equal(server.heldMemoryBytes(), 80 * mb);
    assert.equal(await ask('c'), 'c'); // 130 MB: the pinned version goes first, and that is enough
    assert.deepEqual(disposed, ['b', 'a']);
    assert.equal(server.heldMemoryBytes(), 90 * mb);
    // A model larger than the whole budget is still served (alone): never a failure.
    assert.equal(await ask('d'), 'd');
    assert.deepEqual(disposed, ['b', 'a', 'a2', 'c']);
    assert.equal(server.heldMemoryBytes(), 200 * mb);
    assert.equal(await ask('b'), 'b');
    assert.equal(server.heldMemoryBytes(), 30 * mb);
    const text = await metrics.registry.metrics();
    assert.match(text, new RegExp(`textclf_serving_memory_bytes ${30 * mb}`));
    assert.match(text, new RegExp(`textclf_serving_memory_limit_bytes ${100 * mb}`));
    assert.match(text, new RegExp(`textclf_model_memory_bytes\\{model="b"\\} ${30 * mb}`));
    assert.doesNotMatch(text, /textclf_model_memory_bytes\{model="d"\}/, 'an unloaded model has no size');
  } finally {
    await server.close();
    await hub.close();
    await s.close();
  }
});

test('eager loading at start under a budget loads one model at a time and stops when the budget is full', async () => {
  const loads: string[] = [];
  let loading = 0;
  let mostAtOnce = 0;
  const load: ArtefactLoader = async (bytes) => {
    const { label } = JSON.parse(Buffer.from(bytes).toString('utf8')) as { label: string };
    loading++;
    mostAtOnce = Math.max(mostAtOnce, loading);
    await new Promise((r) => setTimeout(r, 20));
    loading--;
    loads.push(label);
    return { labels: [label], predict: () => [], dispose: () => undefined };
  };
  const s = await testServices({
    loadArtefact: async () => ({ labels: ['z'], predict: () => [], dispose: () => undefined }),
  });
  const hub = new PubSubHub(new Redis(await testRedisUrl()));
  const server = new ModelServer(s.registry, hub, s.keys, load, {
    pinnedCacheSize: 1,
    pollMs: 0,
    eager: true,
    maxModels: 2,
  });
  try {
    for (const m of ['a', 'b', 'c', 'd']) await s.registry.publish(m, blob(m), fakeVersionMeta);
    await server.start();
    assert.equal(loads.length, 2, `loaded ${loads.join(', ')}`);
    assert.equal(mostAtOnce, 1);
    assert.equal(['a', 'b', 'c', 'd'].filter((m) => server.servedVersion(m) !== undefined).length, 2);
  } finally {
    await server.close();
    await hub.close();
    await s.close();
  }
});
