import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import request from 'supertest';
import { SPEC_PATH, type RequestGuard } from '../../src/api/index.js';
import { AppError } from '../../src/errors/index.js';
import { assertProblem, assertSchema } from './schema-check.js';
import { makeApp } from './fakes.js';
import { Metrics } from '../../src/metrics/index.js';

test('/healthz is always 200', async () => {
  const { app, fakes } = makeApp();
  fakes.health.redis = false;
  const res = await request(app).get('/healthz');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { status: 'ok' });
});

test('/readyz is 200 when Redis and registry are fine, else 503 saying which', async () => {
  const { app, fakes } = makeApp();
  let res = await request(app).get('/readyz');
  assert.equal(res.status, 200);
  assertSchema(res.body, 'Readiness');
  assert.deepEqual(res.body, {
    status: 'ready',
    redis: true,
    registry: true,
    backend: fakes.health.backend(),
    redisMemory: { usedBytes: 1_000_000, maxBytes: null },
  });
  // Memory pressure shows, and the process stays ready (classification goes on from memory).
  fakes.health.memoryStatus = { usedBytes: 39_000_000, maxBytes: 40_000_000 };
  res = await request(app).get('/readyz');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.redisMemory, { usedBytes: 39_000_000, maxBytes: 40_000_000 });
  fakes.health.redis = false;
  res = await request(app).get('/readyz');
  assert.equal(res.status, 503);
  assert.equal(res.body.redis, false);
  assert.equal(res.body.registry, true);
  fakes.health.redis = true;
  fakes.health.registry = false; // the probe throws
  res = await request(app).get('/readyz');
  assert.equal(res.status, 503);
  assert.equal(res.body.registry, false);
});

test('/readyz counts a hanging dependency as not ready', async () => {
  const { app, fakes } = makeApp({ readinessTimeoutMs: 50 });
  fakes.health.redisReady = () => new Promise<boolean>(() => {});
  const res = await request(app).get('/readyz');
  assert.equal(res.status, 503);
  assert.equal(res.body.redis, false);
});

test('/openapi.yaml serves the contract file verbatim', async () => {
  const { app } = makeApp();
  const res = await request(app)
    .get('/openapi.yaml')
    .buffer(true)
    .parse((r, cb) => {
      let s = '';
      r.on('data', (c: Buffer) => (s += c.toString()));
      r.on('end', () => cb(null, s));
    });
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'] ?? '', /yaml/);
  assert.equal(res.body, readFileSync(SPEC_PATH, 'utf8'));
});

test('/docs serves Swagger UI from the installed package, pointing at /openapi.yaml', async () => {
  const { app } = makeApp();
  const page = await request(app).get('/docs');
  assert.equal(page.status, 200);
  assert.match(page.text, /swagger-ui-bundle\.js/);
  const init = await request(app).get('/docs/init.js');
  assert.match(init.text, /\/openapi\.yaml/);
  const bundle = await request(app).get('/docs/assets/swagger-ui-bundle.js');
  assert.equal(bundle.status, 200);
  assert.ok(Number(bundle.headers['content-length']) > 100_000);
  assertProblem(await request(app).get('/docs/assets/nope.js'), 404, 'NOT_FOUND');
});

test('security headers on, x-powered-by off', async () => {
  const { app } = makeApp();
  const res = await request(app).get('/healthz');
  assert.equal(res.headers['x-powered-by'], undefined);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.match(res.headers['content-security-policy'] ?? '', /script-src 'self'/);
  assert.doesNotMatch(res.headers['content-security-policy'] ?? '', /upgrade-insecure-requests/);
  assert.ok(res.headers['x-request-id']);
});

test('guards (issue 4 hook) run before the body is read, with the scopes from openapi.yaml', async () => {
  const seen: string[] = [];
  const guard: RequestGuard = (req, route) => {
    seen.push(`${route.operationId}:${route.scopes?.join(',')}`);
    const auth = req.get('authorization');
    if (!auth) throw new AppError('UNAUTHORIZED', 'API key required');
    if (auth !== 'Bearer ok') throw new AppError('FORBIDDEN', 'wrong scope');
    if (req.get('x-burst')) throw new AppError('RATE_LIMITED', 'slow down', { retryAfter: 3 });
  };
  const { app, fakes } = makeApp({ guards: [guard] });
  fakes.registry.publish('default', ['a', 'b']);
  const noKey = await request(app)
    .post('/classify')
    .set('Content-Type', 'application/json')
    .send('{not json');
  assertProblem(noKey, 401, 'UNAUTHORIZED');
  assert.equal(noKey.headers['www-authenticate'], 'Bearer');
  assertProblem(
    await request(app).post('/train').set('Authorization', 'Bearer no').send({}),
    403,
    'FORBIDDEN',
  );
  const limited = await request(app).get('/models').set('Authorization', 'Bearer ok').set('x-burst', '1');
  assertProblem(limited, 429, 'RATE_LIMITED');
  assert.equal(limited.headers['retry-after'], '3');
  assert.equal(
    (await request(app).post('/classify').set('Authorization', 'Bearer ok').send({ text: 'a' })).status,
    200,
  );
  assert.equal((await request(app).get('/healthz')).status, 200, 'public routes skip the guards');
  assert.deepEqual(seen.slice(0, 3), ['classify:classify', 'train:train', 'listModels:train']);
  assert.ok(!seen.some((s) => s.startsWith('healthz')));
});

test('request logs carry the request id and never the article text', async () => {
  const { pino } = await import('pino');
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => lines.push(s) });
  const { app, fakes } = makeApp({ logger });
  const secret = 'zebra-quokka-secret-text';
  await request(app)
    .post('/train')
    .set('X-Request-Id', 'req-42')
    .send({
      articles: [
        { text: secret, label: 'a' },
        { text: `${secret} 2`, label: 'a' },
        { text: 'x', label: 'b' },
        { text: 'y', label: 'b' },
      ],
    });
  await request(app)
    .post('/train')
    .send({ articles: [{ text: secret, label: 'only' }] });
  await request(app).post('/classify').set('Content-Type', 'application/json').send(`{"text":"${secret}",`);
  fakes.registry.publish('default', ['a', 'b']);
  fakes.classifier.failWith = new Error('boom');
  await request(app).post('/classify').send({ text: secret });
  fakes.classifier.failWith = null;
  await request(app).post('/classify').set('X-Request-Id', 'req-43').send({ text: secret });
  const all = lines.join('');
  assert.ok(lines.length >= 4);
  assert.match(all, /"reqId":"req-42"/);
  assert.match(all, /"status":202/);
  assert.doesNotMatch(all, new RegExp(secret));
  // Each request's line names what it concerned: the job of a training, the version that answered.
  const line = (id: string) =>
    lines.map((l) => JSON.parse(l)).find((l) => l.reqId === id && l.msg === 'request');
  assert.equal(line('req-42')?.model, 'default');
  assert.match(String(line('req-42')?.jobId), /./);
  assert.deepEqual([line('req-43')?.model, line('req-43')?.version], ['default', 1]);
});

test('/metrics serves the process metrics in Prometheus text format, counting requests by operation and never the text', async () => {
  const metrics = new Metrics(undefined, { defaults: false });
  const { app, fakes } = makeApp({ metrics });
  fakes.registry.publish('default', ['sport', 'business']);
  const secret = 'the secret words of an article';
  assert.equal((await request(app).post('/classify').send({ text: secret })).status, 200);
  assert.equal((await request(app).get('/no/such/route')).status, 404);
  const res = await request(app).get('/metrics');
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'] ?? '', /^text\/plain/);
  assert.match(
    res.text,
    /textclf_http_request_duration_seconds_count\{route="classify",method="POST",status="200"\} 1/,
  );
  assert.match(
    res.text,
    /textclf_http_request_duration_seconds_count\{route="unmatched",method="GET",status="404"\} 1/,
  );
  assert.ok(!res.text.includes('secret'), 'no article text in metrics');
});

test('/metrics is a 404 problem in an app built without metrics', async () => {
  const { app } = makeApp();
  assertProblem(await request(app).get('/metrics'), 404, 'NOT_FOUND');
});

test('/metrics/queue gives the training jobs by state, pending = what workers are needed for', async () => {
  const { app, fakes } = makeApp();
  await fakes.jobs.submit(
    'm',
    { hash: 'h', documents: 4, labels: ['a', 'b'], multiLabel: false, bytes: 10 },
    {},
  );
  const res = await request(app).get('/metrics/queue');
  assert.equal(res.status, 200);
  assertSchema(res.body, 'QueueDepth');
  assert.equal(res.body.pending, 1);
  assert.equal(res.body.waiting, 1);
});

test('/ serves the dashboard build and its /assets; without a build, a problem saying how to make one', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>textclf</title>');
  writeFileSync(join(dir, 'assets', 'app-1234.js'), 'console.log(1)');
  const { app } = makeApp({ dashboardDir: dir });
  const page = await request(app).get('/');
  assert.equal(page.status, 200);
  assert.match(page.headers['content-type'] ?? '', /text\/html/);
  assert.match(page.text, /<title>textclf<\/title>/);
  const asset = await request(app).get('/assets/app-1234.js');
  assert.equal(asset.status, 200);
  assert.match(asset.headers['cache-control'] ?? '', /immutable/);
  const missing = makeApp({ dashboardDir: join(dir, 'nowhere') }).app;
  const res = await request(missing).get('/');
  assertProblem(res, 404, 'NOT_FOUND');
  assert.match(res.body.detail, /npm run build:web/);
});
