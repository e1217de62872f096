import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../src/errors/index.js';
import { Redis } from 'ioredis';
import { createRedis, freePort, RedisHealth, PubSubHub } from '../../src/redis/index.js';
import type { Services } from '../../src/services/index.js';
import { ModelServer, type ArtefactLoader } from '../../src/serving/index.js';
import { testRedisUrl } from '../helpers/redis.js';
import { testServices, waitFor } from '../helpers/services.js';
import { fakeVersionMeta } from '../fixtures/fake-version.js';

/**
 * Serving mechanics (hot swap, pinning, LRU, corruption) with artefacts that are tiny JSON blobs;
 * `hot-reload.test.ts` does the same end to end with real training.
 */
const meta = fakeVersionMeta;
const blob = (label: string) => new Uint8Array(Buffer.from(JSON.stringify({ label })));

function fakeLoader(delayMs = 0) {
  const disposed: string[] = [];
  const loads: string[] = [];
  const load: ArtefactLoader = async (bytes) => {
    const { label } = JSON.parse(Buffer.from(bytes).toString('utf8')) as { label: string };
    loads.push(label);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    return {
      labels: [label],
      predict: (texts) => texts.map(() => ({ label, scores: [{ label, probability: 1 }] })),
      dispose: () => disposed.push(label),
    };
  };
  return { load, disposed, loads };
}

/** A classifier that is neither subscribed nor eager, so the test decides when it loads and refreshes. */
async function unsubscribed(s: Services, load: ArtefactLoader, pinnedCacheSize: number) {
  const hub = new PubSubHub(new Redis(await testRedisUrl()));
  const c = new ModelServer(s.registry, hub, s.keys, load, { pinnedCacheSize, pollMs: 0, eager: false });
  return { c, hub };
}

const code = (c: string) => (e: unknown) => isAppError(e) && e.code === c;
const label = async (s: Services, opts: { version?: number } = {}) =>
  (await s.classifier.classify('m', ['x'], opts)).results[0]?.label;

describe('hot-reloading classifier', () => {
  it('says to train first before any model, then serves latest and swaps to a new version', async () => {
    const fake = fakeLoader();
    const s = await testServices({ loadArtefact: fake.load });
    try {
      await assert.rejects(
        s.classifier.classify('m', ['x'], {}),
        (e) => code('MODEL_NOT_FOUND')(e) && /train/.test((e as Error).message),
      );
      await s.registry.publish('m', blob('one'), meta);
      const r = await s.classifier.classify('m', ['x', 'y'], {});
      assert.deepEqual(r, {
        model: 'm',
        version: 1,
        results: [
          { label: 'one', scores: [{ label: 'one', probability: 1 }] },
          { label: 'one', scores: [{ label: 'one', probability: 1 }] },
        ],
      });
      await s.registry.publish('m', blob('two'), meta);
      await waitFor(() => s.classifier.servedVersion('m') === 2, 2000, 'swap to v2');
      assert.equal(await label(s), 'two');
      // Roll back: the old version is still loaded as a pinned entry and comes back at once.
      await s.registry.setLatest('m', 1);
      await waitFor(() => s.classifier.servedVersion('m') === 1, 2000, 'rollback to v1');
      assert.equal(await label(s), 'one');
      assert.deepEqual(fake.disposed, []);
    } finally {
      await s.close();
    }
  });

  it("abstains below the cut-off: the version's own (training option), or the request's", async () => {
    // Models whose top label has probability 0.6.
    const load: ArtefactLoader = async (bytes) => {
      const { label } = JSON.parse(Buffer.from(bytes).toString('utf8')) as { label: string };
      const scores = [
        { label, probability: 0.6 },
        { label: 'other', probability: 0.4 },
      ];
      return {
        labels: [label, 'other'],
        predict: (texts) => texts.map(() => ({ label, scores })),
        dispose: () => {},
      };
    };
    const s = await testServices({ loadArtefact: load });
    try {
      await s.registry.publish('m', blob('one'), { ...meta, options: { minProbability: 0.7 } });
      await waitFor(() => s.classifier.servedVersion('m') === 1, 3000, 'v1 loaded');
      const [abstained] = (await s.classifier.classify('m', ['x'], {})).results;
      assert.deepEqual(abstained, {
        label: null,
        abstained: true,
        scores: [
          { label: 'one', probability: 0.6 },
          { label: 'other', probability: 0.4 },
        ],
      });
      const [answered] = (await s.classifier.classify('m', ['x'], { minProbability: 0.5 })).results;
      assert.equal(answered?.label, 'one');
      assert.equal(answered?.abstained, undefined);
      const [strict] = (await s.classifier.classify('m', ['x'], { minProbability: 0.65 })).results;
      assert.equal(strict?.label, null);
    } finally {
      await s.close();
    }
  });

  it('keeps serving the old version while the new one loads', { timeout: 20_000 }, async () => {
    const fake = fakeLoader();
    // v2's load is held open until the test lets it finish: a request that waited on the reload
    // would never be answered (and the test would time out).
    let finishLoad!: () => void;
    const held = new Promise<void>((r) => (finishLoad = r));
    const load: ArtefactLoader = async (bytes, reread) => {
      const model = await fake.load(bytes, reread);
      if (model.labels[0] === 'two') await held;
      return model;
    };
    const s = await testServices({ loadArtefact: load });
    try {
      await s.registry.publish('m', blob('one'), meta);
      await waitFor(() => s.classifier.servedVersion('m') === 1, 3000, 'v1 loaded');
      await s.registry.publish('m', blob('two'), meta);
      await waitFor(() => fake.loads.includes('two'), 3000, 'v2 load started');
      assert.equal(await label(s), 'one', 'answered by v1 while v2 is still loading');
      assert.equal(s.classifier.servedVersion('m'), 1);
      finishLoad();
      await waitFor(() => s.classifier.servedVersion('m') === 2, 3000, 'swap to v2');
      assert.equal(await label(s), 'two');
    } finally {
      await s.close();
    }
  });

  it('loads a version once when many requests need it at the same moment', async () => {
    const s = await testServices({ loadArtefact: fakeLoader().load });
    const fake = fakeLoader(200);
    // The requests themselves trigger the loads.
    const { c, hub } = await unsubscribed(s, fake.load, 4);
    try {
      await s.registry.publish('m', blob('one'), meta);
      await s.registry.publish('m', blob('two'), meta);
      const answers = await Promise.all([
        ...Array.from({ length: 8 }, () => c.classify('m', ['x'], {})),
        ...Array.from({ length: 8 }, () => c.classify('m', ['x'], { version: 1 })),
        c.refresh('m').then(() => c.classify('m', ['x'], {})),
      ]);
      assert.deepEqual(fake.loads.sort(), ['one', 'two']);
      assert.deepEqual(
        answers.map((a) => a.results[0]?.label),
        [...Array(8).fill('two'), ...Array(8).fill('one'), 'two'],
      );
      assert.equal(c.servedVersion('m'), 2);
      await c.close();
      assert.deepEqual(fake.disposed.sort(), ['one', 'two'], 'each loaded model disposed exactly once');
    } finally {
      await c.close();
      await hub.close();
      await s.close();
    }
  });

  it('serves pinned versions from a bounded cache and disposes evicted models', async () => {
    const fake = fakeLoader();
    const s = await testServices({ loadArtefact: fake.load, env: { PINNED_CACHE_SIZE: '1' } });
    try {
      for (const l of ['one', 'two', 'three']) await s.registry.publish('m', blob(l), meta);
      await waitFor(() => s.classifier.servedVersion('m') === 3, 2000, 'v3 loaded');
      assert.equal(await label(s, { version: 1 }), 'one');
      const before = fake.disposed.length;
      assert.equal((await s.classifier.classify('m', ['x'], { version: 2 })).version, 2);
      // Capacity 1: pinning v2 evicted (and disposed) v1.
      assert.deepEqual(fake.disposed.slice(before), ['one']);
      assert.equal(await label(s, { version: 2 }), 'two');
      assert.equal(await label(s, { version: 3 }), 'three'); // the latest model, not a cache entry
      assert.deepEqual(fake.disposed.slice(before), ['one']);
      await assert.rejects(s.classifier.classify('m', ['x'], { version: 9 }), code('VERSION_NOT_FOUND'));
      await assert.rejects(s.classifier.classify('zz', ['x'], { version: 1 }), code('MODEL_NOT_FOUND'));
    } finally {
      await s.close();
    }
  });

  it('refuses a corrupted artefact and keeps serving the previous version', async () => {
    const fake = fakeLoader();
    const s = await testServices({ loadArtefact: fake.load });
    const { c, hub } = await unsubscribed(s, fake.load, 2);
    try {
      await s.registry.publish('m', blob('one'), meta);
      assert.equal((await c.classify('m', ['x'], {})).version, 1);
      await s.registry.publish('m', blob('two'), meta);
      await s.redis.setrange(s.keys.artefact('m', 2), 2, 'X');
      await assert.rejects(c.classify('m', ['x'], { version: 2 }), code('ARTEFACT_CORRUPT'));
      await c.refresh('m'); // logs the failure, keeps v1
      assert.equal(c.servedVersion('m'), 1);
      const r = await c.classify('m', ['x'], {});
      assert.deepEqual([r.version, r.results[0]?.label], [1, 'one']);
    } finally {
      await c.close();
      await hub.close();
      await s.close();
    }
  });

  it('picks up a latest change it was not told about on the safety-net poll', async () => {
    const fake = fakeLoader();
    const s = await testServices({ loadArtefact: fake.load, env: { REGISTRY_POLL_MS: '100' } });
    try {
      await s.registry.publish('m', blob('one'), meta);
      await s.registry.publish('m', blob('two'), meta);
      await waitFor(() => s.classifier.servedVersion('m') === 2, 2000, 'v2 loaded');
      await s.redis.hset(s.keys.model('m'), 'latest', '1'); // no pub/sub message
      await waitFor(() => s.classifier.servedVersion('m') === 1, 2000, 'poll to notice');
    } finally {
      await s.close();
    }
  });

  it('re-reads latest after its pub/sub connection comes back', async () => {
    const fake = fakeLoader();
    const s = await testServices({ loadArtefact: fake.load });
    try {
      await s.registry.publish('m', blob('one'), meta);
      await s.registry.publish('m', blob('two'), meta);
      await waitFor(() => s.classifier.servedVersion('m') === 2, 2000, 'v2 loaded');
      await s.redis.hset(s.keys.model('m'), 'latest', '1'); // a change whose message was lost
      await s.redis.client('KILL', 'TYPE', 'pubsub');
      await waitFor(() => s.classifier.servedVersion('m') === 1, 5000, 'refresh after reconnect');
    } finally {
      await s.close();
    }
  });
});

describe('health', () => {
  it('reports Redis and the registry ready, and not ready when Redis is unreachable', async () => {
    const s = await testServices();
    const port = await freePort();
    const dead = createRedis(`redis://127.0.0.1:${port}`);
    try {
      assert.equal(await s.deps.health.redisReady(), true);
      assert.equal(await s.deps.health.registryReady(), true);
      const h = new RedisHealth(dead, s.keys, () => undefined, 200);
      assert.equal(await h.redisReady(), false);
      assert.equal(await h.registryReady(), false);
    } finally {
      dead.disconnect();
      await s.close();
    }
  });
});
