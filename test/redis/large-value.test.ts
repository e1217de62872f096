import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { Redis } from 'ioredis';
import {
  getLargeBuffer,
  READ_SLICE_BYTES,
  setLargeBuffer,
  WRITE_SLICE_BYTES,
} from '../../src/redis/index.js';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.js';

let redis: Redis;
before(async () => {
  redis = new Redis(await testRedisUrl());
});
after(async () => {
  await redis.quit();
});

it('reads values of every size byte for byte, into a buffer of their own', async () => {
  const sizes = [
    0,
    1,
    READ_SLICE_BYTES - 1,
    READ_SLICE_BYTES,
    READ_SLICE_BYTES + 1,
    3 * READ_SLICE_BYTES + 17,
  ];
  for (const size of sizes) {
    const key = uniquePrefix('large');
    const value = randomBytes(size);
    await redis.set(key, value);
    const got = await getLargeBuffer(redis, key);
    assert.ok(got, `size ${size}: nothing read`);
    assert.equal(got.length, size);
    assert.ok(got.equals(value), `size ${size}: the bytes differ`);
    // Its own memory: a view into a shared pool would keep that pool alive.
    assert.equal(got.byteOffset, 0);
    assert.equal(got.buffer.byteLength, size);
    await redis.del(key);
  }
});

it('a missing key reads as undefined, an empty one as an empty buffer', async () => {
  const key = uniquePrefix('large');
  assert.equal(await getLargeBuffer(redis, key), undefined);
  await redis.set(key, '');
  assert.equal((await getLargeBuffer(redis, key))?.length, 0);
  await redis.del(key);
});

it('a value rewritten while it is read comes back whole, old or new, never torn', async () => {
  const key = uniquePrefix('large');
  const versions = [Buffer.alloc(2 * READ_SLICE_BYTES + 5, 1), Buffer.alloc(3 * READ_SLICE_BYTES, 2)];
  await redis.set(key, versions[0]!);
  const writer = new Redis(await testRedisUrl());
  let stop = false;
  const writing = (async () => {
    for (let i = 0; !stop; i++) await writer.set(key, versions[i % 2]!);
  })();
  try {
    for (let i = 0; i < 20; i++) {
      const got = await getLargeBuffer(redis, key);
      assert.ok(got && versions.some((v) => v.equals(got)), `read ${i} is neither version`);
    }
  } finally {
    stop = true;
    await writing;
    await writer.quit();
    await redis.del(key);
  }
});

it('writes values of every size whole, runs the extra commands with the switch, and leaves no partial key', async () => {
  const sizes = [0, 1, WRITE_SLICE_BYTES, WRITE_SLICE_BYTES + 1, 2 * WRITE_SLICE_BYTES + 17];
  for (const size of sizes) {
    const key = uniquePrefix('large-write');
    await redis.set(key, 'old', 'EX', 100);
    const value = randomBytes(size);
    await setLargeBuffer(redis, key, new Uint8Array(value), (tx) =>
      tx.hset(`${key}:meta`, 'size', String(size)),
    );
    const got = await getLargeBuffer(redis, key);
    assert.ok(got?.equals(value), `size ${size}: the bytes differ`);
    assert.equal(await redis.hget(`${key}:meta`, 'size'), String(size));
    assert.equal(await redis.ttl(key), -1, `size ${size}: the value must not expire`);
    assert.deepEqual(await redis.keys(`${key}:partial:*`), [], `size ${size}: a partial key was left`);
    await redis.del(key, `${key}:meta`);
  }
});

it('a reader during a large write sees the old value or the new one, never a part', async () => {
  const key = uniquePrefix('large-switch');
  const old = randomBytes(WRITE_SLICE_BYTES * 2);
  const next = randomBytes(WRITE_SLICE_BYTES * 3 + 5);
  await redis.set(key, old);
  const writing = setLargeBuffer(redis, key, new Uint8Array(next));
  const reader = new Redis(await testRedisUrl());
  try {
    let sawNew = false;
    while (!sawNew) {
      const got = (await getLargeBuffer(reader, key))!;
      sawNew = got.equals(next);
      assert.ok(sawNew || got.equals(old), 'read a value that is neither the old nor the new one');
    }
    await writing;
  } finally {
    reader.disconnect();
    await redis.del(key);
  }
});
