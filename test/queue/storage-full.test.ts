import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createApp } from '../../src/api/index.js';
import { parseConfig } from '../../src/config/index.js';
import { isAppError } from '../../src/errors/index.js';
import { silentLogger } from '../../src/log/index.js';
import { spawnRedisServer, type RedisServerHandle } from '../../src/redis/index.js';
import { createServices, type Services } from '../../src/services/index.js';
import { assertProblem } from '../api/schema-check.js';
import { fakeVersionMeta } from '../fixtures/fake-version.js';

/**
 * A full Redis (`maxmemory`, `noeviction`): what cannot fit is refused early and clearly
 * (STORAGE_FULL, saying how much is needed and free), and a job record still reaches its final
 * status when Redis refuses ordinary writes.
 */
const MB = 1024 * 1024;
const storageFull = (e: unknown) => isAppError(e) && e.code === 'STORAGE_FULL';
/** Text that gzip cannot shrink much, so a data set's stored size is about its size. */
const noise = (bytes: number) => randomBytes(Math.ceil((bytes * 3) / 4)).toString('base64');

describe('a full Redis', () => {
  let redis: RedisServerHandle;
  let s: Services;
  before(async () => {
    redis = await spawnRedisServer('redis-server', [
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory',
      '24mb',
      '--maxmemory-policy',
      'noeviction',
    ]);
    const config = parseConfig({ REDIS_PREFIX: 'full', TEXTCLF_BACKEND: 'cpu', REGISTRY_POLL_MS: '0' });
    s = createServices({ config, redisUrl: redis.url, logger: silentLogger, worker: false, serving: false });
    await s.start();
    // Ballast: about 16 MB of the 24 MB taken.
    for (let i = 0; i < 16; i++) await s.redis.set(`ballast:${i}`, randomBytes(MB));
  });
  after(async () => {
    await s.close(0);
    await redis.stop();
  });

  it('refuses a data set that does not fit, naming what it needs and what is free; stores nothing', async () => {
    const articles = Array.from({ length: 12 }, (_, i) => ({
      text: noise(900_000),
      label: i % 2 ? 'a' : 'b',
    }));
    await assert.rejects(s.datasets.put(articles), (e: unknown) => {
      assert.ok(storageFull(e), String(e));
      const d = (e as { details: { neededBytes: number; freeBytes: number; maxBytes: number } }).details;
      assert.ok(
        d.neededBytes > 6 * MB && d.freeBytes < d.neededBytes && d.maxBytes === 24 * MB,
        JSON.stringify(d),
      );
      assert.match(
        (e as Error).message,
        /delete old model versions or data sets, or raise Redis's maxmemory/,
      );
      return true;
    });
    assert.deepEqual(await s.redis.keys('full:dataset:*'), []);
  });

  it('POST /train: a model the options allow that could not be stored is 507 STORAGE_FULL before anything is queued', async () => {
    const app = createApp(s.deps, { logger: silentLogger, config: parseConfig({ REDIS_PREFIX: 'full' }) });
    const articles = [0, 1, 2, 3].map((i) => ({
      text: `${noise(40_000)} word${i}`,
      label: i < 2 ? 'a' : 'b',
    }));
    const res = await request(app)
      .post('/train')
      .send({ model: 'big', articles, options: { hiddenUnits: 4096, maxFeatures: 200_000 } });
    assertProblem(res, 507, 'STORAGE_FULL');
    assert.match(JSON.stringify(res.body), /the model these options allow/);
    assert.equal((await s.jobs.list({})).length, 0);
    // A small data set with a small model fits.
    const small = ['goal', 'match', 'shares', 'bank'].map((t, i) => ({
      text: `the ${t}`,
      label: i < 2 ? 'a' : 'b',
    }));
    const ok = await request(app)
      .post('/train')
      .send({ model: 'small', articles: small, options: { hiddenUnits: 4 } });
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
  });

  it('a version Redis refuses is STORAGE_FULL with a reason a user can act on, and leaves no staged copy', async () => {
    await assert.rejects(s.registry.publish('m', randomBytes(12 * MB), fakeVersionMeta), (e: unknown) => {
      assert.ok(storageFull(e), String(e));
      assert.match((e as Error).message, /the trained version \(12\.0 MB\) could not be stored/);
      return true;
    });
    assert.deepEqual(await s.redis.keys('full:staging:*'), []);
  });

  it('past maxmemory, ordinary writes are refused but a job record still reaches its final status', async () => {
    const [job] = await s.jobs.list({});
    assert.ok(job);
    await s.redis.config('SET', 'maxmemory', '8mb'); // now far over: every growing write is refused
    try {
      await assert.rejects(s.redis.hset('full:probe', 'a', 'b'), /OOM/);
      const out = await s.jobStore.update(job.jobId, { status: 'failed', error: 'no room for the version' });
      assert.equal(out.applied, true);
      assert.equal((await s.jobs.get(job.jobId)).status, 'failed');
    } finally {
      await s.redis.config('SET', 'maxmemory', '24mb');
    }
  });
});
