import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { PROBLEM_MAP, toProblem } from '../../src/api/index.js';
import { loadSpec } from '../../src/api/spec.js';
import { AppError, ERROR_CODES, type ErrorCode } from '../../src/errors/index.js';
import { assertProblem } from './schema-check.js';
import { ARTICLES, makeApp } from './fakes.js';

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

test('every error code is mapped to a status and a type, and documented in openapi.yaml', () => {
  const { doc, text } = loadSpec();
  const documented = (doc.components.schemas as Record<string, { enum?: string[] }>).ErrorCode?.enum ?? [];
  assert.deepEqual([...documented].sort(), [...codes].sort());
  for (const code of codes) {
    const entry = PROBLEM_MAP[code];
    assert.ok(entry, `${code} mapped`);
    assert.ok(entry.status >= 400 && entry.status < 600, `${code} status`);
    assert.match(entry.type, /^https:\/\/textclf\.dev\/problems\/[a-z-]+$/);
    // The description table names the code with the same status the map gives it.
    assert.match(
      text,
      new RegExp(`\\| \`${code}\` \\| ${entry.status} \\|`),
      `${code} in the table with ${entry.status}`,
    );
  }
  assert.equal(new Set(codes.map((c) => PROBLEM_MAP[c].type)).size, codes.length, 'types are distinct');
});

test('AppErrors keep their code, message and field errors; 5xx leak nothing', () => {
  const p = toProblem(
    new AppError('INVALID_DATA', 'Label "x" has 1 example', { label: 'x', file: '/etc/x' }),
    '/train',
  );
  assert.equal(p.status, 400);
  assert.equal(p.body.detail, 'Label "x" has 1 example');
  assert.equal((p.body as Record<string, unknown>).label, 'x');
  assert.equal((p.body as Record<string, unknown>).file, undefined, 'file paths are not echoed');
  const corrupt = toProblem(new AppError('ARTEFACT_CORRUPT', 'sha mismatch in /data/models/7'), '/classify');
  assert.equal(corrupt.status, 500);
  assert.equal(corrupt.body.detail, undefined);
  assert.equal(toProblem(new Error('Connection is closed.'), '/x').body.code, 'SERVICE_UNAVAILABLE');
  assert.equal(
    toProblem(new AppError('RATE_LIMITED', 'slow down', { retryAfter: 7 }), '/x').headers['Retry-After'],
    '7',
  );
});

test('unknown route and wrong method are NOT_FOUND problems', async () => {
  const { app } = makeApp();
  assertProblem(await request(app).get('/nope'), 404, 'NOT_FOUND');
  assertProblem(await request(app).patch('/classify').send({}), 404, 'NOT_FOUND');
});

test('an unexpected error is INTERNAL 500 without message or stack', async () => {
  const { app, fakes } = makeApp();
  fakes.registry.publish('default', ['a', 'b']);
  fakes.classifier.failWith = new TypeError('secret at /srv/app/src/model/x.ts:12');
  const res = await request(app).post('/classify').send({ text: 'hello' });
  const body = assertProblem(res, 500, 'INTERNAL');
  assert.doesNotMatch(JSON.stringify(body), /secret|\/srv|x\.ts|TypeError/);
});

test('invalid JSON is INVALID_JSON', async () => {
  const { app } = makeApp();
  const res = await request(app)
    .post('/classify')
    .set('Content-Type', 'application/json')
    .send('{"text": "a",');
  assertProblem(res, 400, 'INVALID_JSON');
});

test('non-UTF-8 JSON bytes are INVALID_JSON', async () => {
  const { app } = makeApp();
  const bytes = Buffer.concat([Buffer.from('{"text":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
  // superagent would JSON-encode a Buffer; send the bytes as they are.
  const res = await request(app)
    .post('/classify')
    .set('Content-Type', 'application/json')
    .serialize((b: unknown) => b as string)
    .send(bytes as unknown as string);
  assert.match(String(assertProblem(res, 400, 'INVALID_JSON').detail), /UTF-8/);
});

test('wrong or unsupported content type is UNSUPPORTED_MEDIA_TYPE 415', async () => {
  const { app } = makeApp();
  assertProblem(
    await request(app).post('/classify').set('Content-Type', 'text/plain').send('hello'),
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  );
  assertProblem(
    await request(app).post('/classify').set('Content-Type', 'application/x-ndjson').send('{"text":"a"}\n'),
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  );
  const latin = await request(app)
    .post('/classify')
    .set('Content-Type', 'application/json; charset=x-unknown')
    .send('{"text":"a"}');
  assertProblem(latin, 415, 'UNSUPPORTED_MEDIA_TYPE');
});

test('a missing body is INVALID_REQUEST', async () => {
  const { app } = makeApp();
  const body = assertProblem(await request(app).post('/classify'), 400, 'INVALID_REQUEST');
  assert.deepEqual(body.errors, [{ path: '/body', message: 'is required' }]);
});

test('a body over MAX_BODY_BYTES is PAYLOAD_TOO_LARGE 413', async () => {
  const { app, fakes } = makeApp({ env: { MAX_BODY_BYTES: '2000' } });
  const articles = Array.from({ length: 40 }, (_, i) => ({
    text: `text number ${i} about things`,
    label: `l${i % 2}`,
  }));
  assertProblem(await request(app).post('/train').send({ articles }), 413, 'PAYLOAD_TOO_LARGE');
  assert.equal(fakes.datasets.calls, 0);
});

test('prototype-pollution keys are rejected wherever they are', async () => {
  const { app, fakes } = makeApp();
  for (const raw of [
    '{"text":"a","__proto__":{"polluted":true}}',
    '{"text":"a","constructor":{"prototype":{"polluted":true}}}',
    '{"articles":[{"text":"a","label":"b","__proto__":{"x":1}}]}',
  ]) {
    const path = raw.includes('articles') ? '/train' : '/classify';
    const body = assertProblem(
      await request(app).post(path).set('Content-Type', 'application/json').send(raw),
      400,
      'INVALID_REQUEST',
    );
    assert.match(JSON.stringify(body.errors), /__proto__|constructor/);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(fakes.datasets.calls, 0);
  assert.equal(fakes.classifier.calls.length, 0);
});

test('deeply nested JSON is rejected before parsing', async () => {
  const { app } = makeApp();
  const deep = '{"text":"a","x":' + '['.repeat(5000) + ']'.repeat(5000) + '}';
  const body = assertProblem(
    await request(app).post('/classify').set('Content-Type', 'application/json').send(deep),
    400,
    'INVALID_REQUEST',
  );
  assert.match(String(body.detail), /nesting/);
  // Brackets inside strings do not count.
  const { app: app2, fakes } = makeApp();
  fakes.registry.publish('default', ['a', 'b']);
  const ok = await request(app2)
    .post('/classify')
    .send({ text: '['.repeat(100) });
  assert.equal(ok.status, 200);
});

test('extra and mistyped fields are INVALID_REQUEST with their paths', async () => {
  const { app, fakes } = makeApp();
  const res = await request(app)
    .post('/train')
    .send({
      articles: [{ text: 'a', label: 1 }],
      options: { epochs: -1, hiddenUnits: -1, batchSize: 100000, foo: 1 },
      extra: true,
    });
  const body = assertProblem(res, 400, 'INVALID_REQUEST');
  const paths = (body.errors as { path: string }[]).map((e) => e.path).sort();
  assert.deepEqual(paths, [
    '/body/articles/0/label',
    '/body/extra',
    '/body/options/batchSize',
    '/body/options/epochs',
    '/body/options/foo',
    '/body/options/hiddenUnits',
  ]);
  assert.equal(fakes.datasets.calls, 0);
});

test('problems carry the request id, which is echoed or generated', async () => {
  const { app } = makeApp();
  const res = await request(app).get('/jobs/nope').set('X-Request-Id', 'abc-123');
  assert.equal(res.headers['x-request-id'], 'abc-123');
  assert.equal(assertProblem(res, 404, 'JOB_NOT_FOUND').requestId, 'abc-123');
  const bad = await request(app).get('/healthz').set('X-Request-Id', 'bad id\twith tab');
  assert.match(bad.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
});

test('fakes accept the sample articles (sanity for the other tests)', async () => {
  const { app } = makeApp();
  assert.equal((await request(app).post('/train').send({ articles: ARTICLES })).status, 202);
});

test('a large invalid body reports its first error only (bounded work); a small one reports all', async () => {
  const { app } = makeApp({ env: { MAX_BODY_BYTES: '5000000', MAX_DOCUMENTS: '100000' } });
  const articles = Array.from({ length: 20_000 }, (_, i) => ({ text: `t${i}`, label: 'l', bad: i }));
  const big = assertProblem(await request(app).post('/train').send({ articles }), 400, 'INVALID_REQUEST');
  assert.deepEqual(big.errors, [{ path: '/body/articles/0/bad', message: 'is not allowed' }]);
  const small = assertProblem(
    await request(app)
      .post('/train')
      .send({ articles: articles.slice(0, 3) }),
    400,
    'INVALID_REQUEST',
  );
  assert.equal((small.errors as unknown[]).length, 3);
});
