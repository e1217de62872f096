import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { isAppError } from '../../src/errors/index.js';
import { makeKeys } from '../../src/redis/index.js';
import { ModelRegistry, VersionPins } from '../../src/registry/index.js';
import type { ArtefactLoader } from '../../src/serving/index.js';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { testServices } from '../helpers/services.js';
import { fakeVersionMeta } from '../fixtures/fake-version.js';

/** Retention and deleteVersion never remove a version an in-flight request has pinned. */
let redis: Redis;
before(async () => {
  redis = new Redis(await testRedisUrl());
});
after(async () => {
  await redis.quit();
});

const meta = fakeVersionMeta;
const blob = (label: string) => new Uint8Array(Buffer.from(JSON.stringify({ label })));
const inUse = (e: unknown) => isAppError(e) && e.code === 'VERSION_IN_USE' && /in-flight/.test(e.message);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A promise and the function that resolves it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

async function publishN(reg: ModelRegistry, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) await reg.publish('m', blob(`v${i}`), meta);
}

describe('version pins', () => {
  it('deleteVersion refuses a pinned version (VERSION_IN_USE) and deletes it once released', async () => {
    const keys = makeKeys(uniquePrefix('pins'));
    const reg = new ModelRegistry(redis, keys, 10);
    const pins = new VersionPins(redis, keys);
    await publishN(reg, 2);
    const g = gate();
    const held = pins.hold('m', 1, () => g.wait);
    await sleep(50);
    assert.deepEqual(pins.held(), [keys.pins('m', 1)]);
    await assert.rejects(reg.deleteVersion('m', 1), inUse);
    g.open();
    await held;
    assert.deepEqual(pins.held(), []);
    await reg.deleteVersion('m', 1);
    assert.deepEqual(
      (await reg.listVersions('m')).map((v) => v.version),
      [2],
    );
    assert.equal(await redis.exists(keys.pins('m', 1)), 0);
  });

  it('retention skips a pinned version and removes it on a later pass', async () => {
    const keys = makeKeys(uniquePrefix('pins'));
    const reg = new ModelRegistry(redis, keys, 1);
    const pins = new VersionPins(redis, keys);
    await reg.publish('m', blob('v1'), meta);
    const g = gate();
    const held = pins.hold('m', 1, () => g.wait);
    await sleep(50);
    await reg.publish('m', blob('v2'), meta);
    await reg.publish('m', blob('v3'), meta);
    assert.deepEqual(
      (await reg.listVersions('m')).map((v) => v.version),
      [3, 1],
    );
    g.open();
    await held;
    assert.deepEqual(await reg.applyRetention('m'), [1]);
  });

  it('concurrent holds share one pin; it lasts until the last one ends', async () => {
    const keys = makeKeys(uniquePrefix('pins'));
    const reg = new ModelRegistry(redis, keys, 10);
    const pins = new VersionPins(redis, keys);
    await publishN(reg, 2);
    const a = gate();
    const b = gate();
    const ha = pins.hold('m', 1, () => a.wait);
    const hb = pins.hold('m', 1, () => b.wait);
    await sleep(50);
    assert.equal(await redis.zcard(keys.pins('m', 1)), 1);
    a.open();
    await ha;
    await assert.rejects(reg.deleteVersion('m', 1), inUse);
    b.open();
    await hb;
    await reg.deleteVersion('m', 1);
  });

  it('a held pin is refreshed past its TTL; a dead holder’s pin lapses after the TTL', async () => {
    const keys = makeKeys(uniquePrefix('pins'));
    const reg = new ModelRegistry(redis, keys, 10);
    await publishN(reg, 3);
    const pins = new VersionPins(redis, keys, 300);
    const g = gate();
    const held = pins.hold('m', 1, () => g.wait);
    await sleep(800); // well past one TTL: only refreshing keeps it pinned
    await assert.rejects(reg.deleteVersion('m', 1), inUse);
    g.open();
    await held;
    // A holder that died: its pin (expiry 300 ms ahead) is never refreshed nor removed.
    const t = await redis.time();
    const nowMs = Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000);
    await redis.zadd(keys.pins('m', 2), nowMs + 300, 'crashed-process');
    await assert.rejects(reg.deleteVersion('m', 2), inUse);
    await sleep(400);
    await reg.deleteVersion('m', 2);
  });

  it('the serving classifier pins a version while loading it for a request', async () => {
    const entered = gate();
    const release = gate();
    const load: ArtefactLoader = async (bytes) => {
      const { label } = JSON.parse(Buffer.from(bytes).toString('utf8')) as { label: string };
      if (label === 'v1') {
        entered.open();
        await release.wait;
      }
      return {
        labels: [label],
        predict: (texts) => texts.map(() => ({ label, scores: [{ label, probability: 1 }] })),
        dispose: () => undefined,
      };
    };
    const s = await testServices({ loadArtefact: load });
    try {
      await s.registry.publish('m', blob('v1'), meta);
      await s.registry.publish('m', blob('v2'), meta);
      const pending = s.classifier.classify('m', ['x'], { version: 1 });
      await entered.wait;
      await assert.rejects(s.registry.deleteVersion('m', 1), inUse);
      release.open();
      const out = await pending;
      assert.equal(out.results[0]?.label, 'v1');
      await s.registry.deleteVersion('m', 1);
      assert.equal(await s.redis.exists(s.keys.pins('m', 1)), 0);
    } finally {
      await s.close();
    }
  });
});
