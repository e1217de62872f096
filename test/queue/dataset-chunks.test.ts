import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { isAppError } from '../../src/errors/index.js';
import { RedisDatasetStore } from '../../src/queue/index.js';
import { decodeDataset } from '../../src/text/index.js';
import { makeKeys } from '../../src/redis/index.js';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.js';

let redis: Redis;
before(async () => {
  redis = new Redis(await testRedisUrl());
});
after(async () => {
  await redis.quit();
});

const code = (c: string) => (err: unknown) => isAppError(err) && err.code === c;
const limits = { minPerLabel: 2, maxLabels: 3, maxTextBytes: 1000, maxDocuments: 8 };
const articles = [
  { text: 'the cat sat', label: 'cats' },
  { text: 'a cat purrs', label: 'cats' },
  { text: 'the dog barks', label: 'dogs' },
  { text: 'a dog runs', label: 'dogs' },
];
const base = (hash: string, documents = 4) => ({ version: 1, datasetHash: hash, documents, options: {} });

describe('chunk lists (incremental data sets)', () => {
  it('extends a blob into a list, then the list into a longer one; chunks are stored once and read in order', async () => {
    const keys = makeKeys(uniquePrefix('chunks'));
    const store = new RedisDatasetStore(redis, keys, limits);
    const first = await store.put(articles);
    // One label, one example of it: fine on top of a base that has it.
    const second = await store.extend(base(first.hash), [{ text: 'the cat again', label: 'cats' }]);
    assert.equal(second.chunks?.length, 2);
    assert.equal(second.chunks![0], first.hash);
    assert.equal(second.documents, 5);
    assert.deepEqual(second.labels, ['cats', 'dogs']);
    const third = await store.extend(base(second.hash, 5), [
      { text: 'a bird sings', label: 'birds' },
      { text: 'the bird flies', label: 'birds' },
    ]);
    assert.deepEqual(third.chunks!.slice(0, 2), second.chunks);
    assert.deepEqual(third.labels, ['birds', 'cats', 'dogs']);
    const texts = decodeDataset(await store.loadRaw(third.hash)).map((a) => a.text);
    assert.deepEqual(texts, [
      ...articles.map((a) => a.text),
      'the cat again',
      'a bird sings',
      'the bird flies',
    ]);
    // Three blobs (data + meta each) and two lists (meta only): nothing copied.
    const data = (await redis.keys(`${keys.prefix}:dataset:*`)).filter((k) => !k.endsWith(':meta'));
    assert.deepEqual(data.sort(), third.chunks!.map((c) => keys.dataset(c)).sort());
    assert.equal(await redis.exists(keys.dataset(third.hash)), 0);
    assert.deepEqual((await store.getRef(third.hash))?.chunks, third.chunks);
    // The same list again is the same hash.
    const again = await store.extend(base(second.hash, 5), [
      { text: 'a bird sings', label: 'birds' },
      { text: 'the bird flies', label: 'birds' },
    ]);
    assert.equal(again.hash, third.hash);
  });

  it('checks labels and sizes over base and additions together', async () => {
    const keys = makeKeys(uniquePrefix('chunks'));
    const store = new RedisDatasetStore(redis, keys, limits);
    const first = await store.put(articles);
    await assert.rejects(
      store.extend(base(first.hash), [{ text: 'one bird', label: 'birds' }]),
      code('INVALID_DATA'),
    );
    await assert.rejects(
      store.extend(
        base(first.hash),
        ['a', 'b', 'c', 'd', 'e'].map((t) => ({ text: t, label: 'cats' })),
      ),
      code('PAYLOAD_TOO_LARGE'),
    );
    await assert.rejects(
      store.extend(base(first.hash), [
        { text: 'x', label: 'x' },
        { text: 'x y', label: 'x' },
        { text: 'y', label: 'y' },
        { text: 'y x', label: 'y' },
      ]),
      code('TOO_MANY_LABELS'),
    );
    await assert.rejects(store.extend(base('0'.repeat(64)), articles), code('INVALID_DATA'));
    // Nothing was stored by the refused ones.
    assert.equal((await redis.keys(`${keys.prefix}:dataset:*`)).length, 2);
  });

  it('touching a list restarts the time to live of every chunk', async () => {
    const keys = makeKeys(uniquePrefix('chunks'));
    const store = new RedisDatasetStore(redis, keys, limits, 100);
    const first = await store.put(articles);
    const list = await store.extend(base(first.hash), [{ text: 'the dog sleeps', label: 'dogs' }]);
    const all = [
      keys.datasetMeta(list.hash),
      ...list.chunks!.flatMap((c) => [keys.dataset(c), keys.datasetMeta(c)]),
    ];
    for (const k of all) await redis.expire(k, 5);
    await store.loadRaw(list.hash);
    for (const k of all) assert.ok((await redis.ttl(k)) > 90, k);
    // A chunk that expired makes the list unusable, not silently shorter.
    await redis.del(keys.dataset(first.hash));
    await assert.rejects(store.loadRaw(list.hash), code('INVALID_DATA'));
    await assert.rejects(store.extend(base(list.hash, 5), articles), code('INVALID_DATA'));
  });
});

describe('the texts’ length (what the stop-word default depends on)', () => {
  const length = (xs: readonly { text: string }[]) => xs.reduce((n, a) => n + a.text.length, 0);

  it('is recorded with a blob and summed over a chunk list, and read back with the stored data', async () => {
    const keys = makeKeys(uniquePrefix('chars'));
    const store = new RedisDatasetStore(redis, keys, limits);
    const first = await store.put(articles);
    assert.equal(first.characters, length(articles));
    const added = [{ text: 'the cat again', label: 'cats' }];
    const list = await store.extend(base(first.hash), added);
    assert.equal(list.characters, length(articles) + length(added));
    assert.equal((await store.getRef(list.hash))?.characters, list.characters);
    assert.equal((await store.loadPacked(list.hash)).characters, list.characters);
  });

  it('is added to a record stored before it was kept when the same data is posted again', async () => {
    const keys = makeKeys(uniquePrefix('chars'));
    const store = new RedisDatasetStore(redis, keys, limits);
    const { hash } = await store.put(articles);
    const meta = JSON.parse((await redis.get(keys.datasetMeta(hash)))!) as Record<string, unknown>;
    delete meta.characters;
    await redis.set(keys.datasetMeta(hash), JSON.stringify(meta));
    assert.equal((await store.loadPacked(hash)).characters, undefined, 'an old record: unknown');
    const again = await store.put(articles);
    assert.equal(again.hash, hash);
    assert.equal((await store.loadPacked(hash)).characters, length(articles));
  });
});
