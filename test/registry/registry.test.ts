import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { isAppError } from '../../src/errors/index.js';
import { RedisDatasetStore } from '../../src/queue/index.js';
import { makeKeys } from '../../src/redis/index.js';
import { ModelRegistry, type VersionMeta } from '../../src/registry/index.js';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.js';

let redis: Redis;
before(async () => {
  redis = new Redis(await testRedisUrl());
});
after(async () => {
  await redis.quit();
});

const meta = (n: number): VersionMeta => ({
  labels: ['a', 'b'],
  options: { epochs: n },
  vocabularySize: 10 + n,
  backend: { name: 'cpu', package: '@tensorflow/tfjs-backend-cpu' },
  dataset: { hash: 'h', documents: 4 },
  trainSeconds: 0.1,
  evaluation: { accuracy: 0.5 },
  accuracy: 0.5,
});

const code = (c: string) => (err: unknown) => isAppError(err) && err.code === c;

describe('dataset store', () => {
  const articles = [
    { text: 'the cat sat', label: 'cats' },
    { text: 'a cat purrs', label: 'cats' },
    { text: 'the dog barks', label: 'dogs' },
    { text: 'a dog runs', label: 'dogs' },
  ];
  const limits = { minPerLabel: 2, maxLabels: 10, maxTextBytes: 1000, maxDocuments: 100 };

  it('stores the same articles once, under their content hash', async () => {
    const keys = makeKeys(uniquePrefix('ds'));
    const store = new RedisDatasetStore(redis, keys, limits);
    const a = await store.put(articles);
    const b = await store.put(articles.map((x) => ({ ...x })));
    assert.equal(a.hash, b.hash);
    assert.match(a.hash, /^[0-9a-f]{64}$/);
    assert.deepEqual(a.labels, ['cats', 'dogs']);
    assert.equal(a.documents, 4);
    // Stored once: one data key and one meta key, however often it was posted.
    assert.deepEqual(
      (await redis.keys(`${keys.prefix}:dataset:*`)).sort(),
      [keys.dataset(a.hash), keys.datasetMeta(a.hash)].sort(),
    );
    const raw = (await store.loadRaw(a.hash)).toString('utf8');
    assert.equal(raw.trim().split('\n').length, 4);
    const other = await store.put([...articles, { text: 'one more dog', label: 'dogs' }]);
    assert.notEqual(other.hash, a.hash);
  });

  it('expires a dataset a while after its last post or use (0: never)', async () => {
    const keys = makeKeys(uniquePrefix('ds'));
    const store = new RedisDatasetStore(redis, keys, limits, 100);
    const a = await store.put(articles);
    assert.ok((await redis.ttl(keys.dataset(a.hash))) > 90);
    await redis.expire(keys.dataset(a.hash), 5);
    await redis.expire(keys.datasetMeta(a.hash), 5);
    await store.put(articles); // posting again restarts the clock
    assert.ok((await redis.ttl(keys.datasetMeta(a.hash))) > 90);
    await redis.expire(keys.dataset(a.hash), 5);
    await store.loadRaw(a.hash); // so does a job using it
    assert.ok((await redis.ttl(keys.dataset(a.hash))) > 90);
    const foreverKeys = makeKeys(uniquePrefix('ds'));
    const b = await new RedisDatasetStore(redis, foreverKeys, limits, 0).put(articles);
    assert.equal(await redis.ttl(foreverKeys.dataset(b.hash)), -1);
    assert.equal(await redis.ttl(foreverKeys.datasetMeta(b.hash)), -1);
  });

  it('rejects invalid data and stores nothing', async () => {
    const keys = makeKeys(uniquePrefix('ds'));
    const store = new RedisDatasetStore(redis, keys, limits);
    await assert.rejects(store.put(articles.filter((a) => a.label === 'cats')), code('INVALID_DATA'));
    await assert.rejects(store.put([...articles, { text: 'lonely', label: 'bird' }]), code('INVALID_DATA'));
    await assert.rejects(store.put([...articles, { text: '  ', label: 'cats' }]), code('INVALID_DATA'));
    const tight = new RedisDatasetStore(redis, keys, { ...limits, maxDocuments: 3 });
    await assert.rejects(tight.put(articles), code('PAYLOAD_TOO_LARGE'));
    assert.deepEqual(await redis.keys(`${keys.prefix}:*`), []);
  });
});

describe('model registry', () => {
  it('publishes versions counting up, with latest moving and details readable', async () => {
    const keys = makeKeys(uniquePrefix('reg'));
    const reg = new ModelRegistry(redis, keys, 10);
    await assert.rejects(reg.listVersions('m'), code('MODEL_NOT_FOUND'));
    assert.deepEqual(await reg.listModels(), []);
    const p1 = await reg.publish('m', new Uint8Array([1, 2, 3]), meta(1));
    const p2 = await reg.publish('m', new Uint8Array([4, 5, 6]), meta(2));
    assert.deepEqual(
      [p1, p2],
      [
        { status: 'published', version: 1 },
        { status: 'published', version: 2 },
      ],
    );
    const models = await reg.listModels();
    assert.equal(models.length, 1);
    assert.equal(models[0]?.latest, 2);
    assert.equal(models[0]?.versions, 2);
    const versions = await reg.listVersions('m');
    assert.deepEqual(
      versions.map((v) => [v.version, v.isLatest]),
      [
        [2, true],
        [1, false],
      ],
    );
    const d = await reg.getVersion('m', 1);
    assert.equal(d.vocabularySize, 11);
    assert.equal(d.isLatest, false);
    assert.match(d.checksum, /^[0-9a-f]{64}$/);
    const { bytes } = await reg.loadArtefact('m', 1);
    assert.deepEqual([...bytes], [1, 2, 3]);
    await assert.rejects(reg.getVersion('m', 3), code('VERSION_NOT_FOUND'));
    await assert.rejects(reg.getVersion('nope', 1), code('MODEL_NOT_FOUND'));
  });

  it('setLatest rolls back and forward; deleteVersion refuses latest', async () => {
    const keys = makeKeys(uniquePrefix('reg'));
    const reg = new ModelRegistry(redis, keys, 10);
    await reg.publish('m', new Uint8Array([1]), meta(1));
    await reg.publish('m', new Uint8Array([2]), meta(2));
    await assert.rejects(reg.deleteVersion('m', 2), code('VERSION_IN_USE'));
    const s = await reg.setLatest('m', 1);
    assert.equal(s.isLatest, true);
    assert.equal(await reg.getLatest('m'), 1);
    await assert.rejects(reg.setLatest('m', 7), code('VERSION_NOT_FOUND'));
    await assert.rejects(reg.setLatest('x', 1), code('MODEL_NOT_FOUND'));
    await reg.deleteVersion('m', 2);
    await assert.rejects(reg.getVersion('m', 2), code('VERSION_NOT_FOUND'));
    await assert.rejects(reg.deleteVersion('m', 2), code('VERSION_NOT_FOUND'));
    assert.equal(await redis.exists(keys.artefact('m', 2)), 0);
    // Versions are never reused after a delete.
    assert.equal(((await reg.publish('m', new Uint8Array([3]), meta(3))) as { version: number }).version, 3);
  });

  it('retention keeps the last N and never the version latest points to', async () => {
    const keys = makeKeys(uniquePrefix('reg'));
    const reg = new ModelRegistry(redis, keys, 2);
    for (let i = 1; i <= 3; i++) await reg.publish('m', new Uint8Array([i]), meta(i));
    assert.deepEqual(
      (await reg.listVersions('m')).map((v) => v.version),
      [3, 2],
    );
    await reg.setLatest('m', 2);
    await reg.publish('m', new Uint8Array([4]), meta(4)); // latest -> 4
    await reg.setLatest('m', 3);
    await reg.publish('m', new Uint8Array([5]), meta(5));
    assert.deepEqual(
      (await reg.listVersions('m')).map((v) => v.version),
      [5, 4],
    );
    // Latest pinned to an old version survives retention.
    await reg.setLatest('m', 4);
    const reg1 = new ModelRegistry(redis, keys, 1);
    assert.deepEqual(await reg1.applyRetention('m'), []);
    assert.deepEqual(
      (await reg.listVersions('m')).map((v) => v.version),
      [5, 4],
    );
  });

  it('detects a corrupted artefact by its checksum', async () => {
    const keys = makeKeys(uniquePrefix('reg'));
    const reg = new ModelRegistry(redis, keys, 10);
    await reg.publish('m', new Uint8Array([1, 2, 3]), meta(1));
    await redis.setrange(keys.artefact('m', 1), 1, 'x');
    await assert.rejects(reg.loadArtefact('m', 1), code('ARTEFACT_CORRUPT'));
  });

  it('announces every change on the model channel', async () => {
    const keys = makeKeys(uniquePrefix('reg'));
    const reg = new ModelRegistry(redis, keys, 10);
    const sub = new Redis(await testRedisUrl());
    const events: unknown[] = [];
    sub.on('message', (_c: string, m: string) => events.push(JSON.parse(m)));
    await sub.subscribe(keys.modelChannel);
    await reg.publish('m', new Uint8Array([1]), meta(1));
    await reg.publish('m', new Uint8Array([2]), meta(2));
    await reg.setLatest('m', 1);
    await reg.deleteVersion('m', 2);
    for (let i = 0; i < 50 && events.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    await sub.quit();
    assert.deepEqual(events, [
      { event: 'published', model: 'm', version: 1, latest: 1 },
      { event: 'published', model: 'm', version: 2, latest: 2 },
      { event: 'latest', model: 'm', version: 1, latest: 1 },
      { event: 'deleted', model: 'm', version: 2, latest: 1 },
    ]);
  });
});
