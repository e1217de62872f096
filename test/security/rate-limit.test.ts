import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import request from 'supertest';
import { RedisRateLimiter, bucketOf } from '../../src/api/security/index.js';
import { silentLogger } from '../../src/log/index.js';
import { assertProblem } from '../api/schema-check.js';
import { ARTICLES } from '../api/fakes.js';
import { uniquePrefix } from '../helpers/redis.js';
import { API_KEYS, KEYS, captureLogger, securedApp, testRedis } from './helpers.js';

const conns: { quit(): Promise<unknown>; disconnect(): void }[] = [];
after(async () => {
  for (const c of conns) await c.quit().catch(() => c.disconnect());
});
async function redis() {
  const r = await testRedis();
  conns.push(r);
  return r;
}

test('the limit is shared by two API instances on one Redis: 429 with Retry-After once it is used up', async () => {
  const prefix = uniquePrefix('rl');
  const env = { API_KEYS, RATE_LIMIT_CLASSIFY_PER_MINUTE: '3' };
  // Two "processes": separate apps, separate connections, one Redis and prefix.
  const a = securedApp({ env, prefix, redis: await redis() });
  const b = securedApp({ env, prefix, redis: await redis() });
  for (const s of [a, b]) s.fakes.registry.publish('default', ['x', 'y']);
  const classify = (app: typeof a.app, key: string) =>
    request(app).post('/classify').set('Authorization', `Bearer ${key}`).send({ text: 'hello' });
  assert.equal((await classify(a.app, KEYS.classify)).status, 200);
  assert.equal((await classify(b.app, KEYS.classify)).status, 200);
  assert.equal((await classify(a.app, KEYS.classify)).status, 200);
  const limited = await classify(b.app, KEYS.classify);
  const body = assertProblem(limited, 429, 'RATE_LIMITED');
  const retryAfter = Number(limited.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  assert.equal(body.limit, 3);
  assertProblem(await classify(a.app, KEYS.classify), 429, 'RATE_LIMITED');
  // Per key: another key has its own count; other buckets are not counted.
  assert.equal((await classify(a.app, KEYS.both)).status, 200);
  const models = await request(b.app).get('/models').set('Authorization', `Bearer ${KEYS.train}`);
  assert.equal(models.status, 200);
  // The counters live under the deployment's prefix, hold no key, and expire with the window.
  const r = await redis();
  const keys = await r.keys(`${prefix}:ratelimit:*`);
  assert.equal(keys.length, 2, keys.join());
  for (const k of keys) {
    assert.match(k, new RegExp(`^${prefix}:ratelimit:classify:key:[0-9a-f]{12}$`));
    const ttl = await r.pttl(k);
    assert.ok(ttl > 0 && ttl <= 60_000, `ttl ${ttl}`);
  }
});

test('without keys the limit is per client IP; /train has its own limit', async () => {
  const prefix = uniquePrefix('rl');
  const env = { RATE_LIMIT_CLASSIFY_PER_MINUTE: '0', RATE_LIMIT_TRAIN_PER_MINUTE: '2' };
  const { app, fakes } = securedApp({ env, prefix, redis: await redis() });
  fakes.registry.publish('default', ['x', 'y']);
  const train = () => request(app).post('/train').send({ articles: ARTICLES });
  assert.equal((await train()).status, 202);
  assert.equal((await train()).status, 202);
  const limited = await train();
  assertProblem(limited, 429, 'RATE_LIMITED');
  assert.ok(Number(limited.headers['retry-after']) >= 1);
  assert.equal(fakes.jobs.submitted.length, 2, 'the limited request queued nothing');
  for (let i = 0; i < 5; i++) {
    assert.equal(
      (await request(app).post('/classify').send({ text: 'x' })).status,
      200,
      'classify is unlimited',
    );
  }
  const keys = await (await redis()).keys(`${prefix}:ratelimit:*`);
  assert.deepEqual(keys.length, 1);
  assert.match(keys[0] ?? '', /:ratelimit:train:ip:/);
});

test('the window resets: after Retry-After the caller gets through again', async () => {
  const r = await redis();
  const limiter = new RedisRateLimiter(r, { prefix: uniquePrefix('rl'), windowMs: 300 }, silentLogger);
  assert.equal((await limiter.hit('classify', 'k', 1))?.allowed, true);
  const second = await limiter.hit('classify', 'k', 1);
  assert.equal(second?.allowed, false);
  assert.equal(second?.retryAfter, 1, 'rounded up to whole seconds');
  await new Promise((res) => setTimeout(res, 350));
  assert.equal((await limiter.hit('classify', 'k', 1))?.allowed, true);
  assert.equal(bucketOf('classify'), 'classify');
  assert.equal(bucketOf('train'), 'train');
  assert.equal(bucketOf('getJob'), 'other');
});

test('fails open while Redis is away: requests pass, one warning per interval, counting resumes after', async () => {
  const cap = captureLogger();
  const r = await redis();
  const prefix = uniquePrefix('rl');
  const { app, fakes } = securedApp({
    env: { RATE_LIMIT_CLASSIFY_PER_MINUTE: '1' },
    prefix,
    redis: r,
    logger: cap.logger,
  });
  fakes.registry.publish('default', ['x', 'y']);
  const classify = () => request(app).post('/classify').send({ text: 'x' });
  assert.equal((await classify()).status, 200);
  assert.equal((await classify()).status, 429);
  r.disconnect(); // as if Redis went away
  for (let i = 0; i < 20; i++) assert.equal((await classify()).status, 200, 'classification keeps working');
  const warnings = cap.lines.filter((l) => /rate limiter unavailable/.test(l));
  assert.equal(warnings.length, 1, 'logged once, not per request');
  await r.connect();
  const counters = await r.keys(`${prefix}:ratelimit:classify:ip:*`);
  assert.equal(counters.length, 1);
  await r.del(...counters); // a new window
  assert.equal((await classify()).status, 200);
  assert.equal((await classify()).status, 429, 'limited again once Redis is back');
});

test('a Redis that does not answer in time does not hold requests: they pass after the timeout', async () => {
  const r = await redis();
  const pauser = await redis();
  const limiter = new RedisRateLimiter(r, { prefix: uniquePrefix('rl'), timeoutMs: 100 }, silentLogger);
  // Paused for far longer than the limiter's timeout: a limiter that waited on Redis would get
  // its count once the pause ends; one that gave up after its timeout passes the request uncounted.
  await pauser.call('CLIENT', 'PAUSE', '20000', 'WRITE');
  try {
    assert.equal(await limiter.hit('classify', 'k', 1), undefined, 'not counted: fail open');
  } finally {
    await pauser.call('CLIENT', 'UNPAUSE');
  }
});
