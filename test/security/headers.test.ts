import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { parseOrigins } from '../../src/api/security/index.js';
import { API_KEYS, KEYS, securedApp } from './helpers.js';

const ORIGIN = 'https://app.example.com';

test('CORS is off by default: no CORS headers, preflight is a 404', async () => {
  const { app } = securedApp();
  const get = await request(app).get('/models').set('Origin', ORIGIN);
  assert.equal(get.status, 200);
  assert.equal(get.headers['access-control-allow-origin'], undefined);
  const pre = await request(app)
    .options('/classify')
    .set('Origin', ORIGIN)
    .set('Access-Control-Request-Method', 'POST')
    .set('Access-Control-Request-Headers', 'authorization, content-type');
  assert.equal(pre.status, 404);
  assert.equal(pre.headers['access-control-allow-origin'], undefined);
  assert.equal(pre.headers['access-control-allow-headers'], undefined);
});

test('CORS_ORIGINS: listed origins get preflight and headers (Authorization allowed); others do not', async () => {
  const { app, fakes } = securedApp({ env: { API_KEYS, CORS_ORIGINS: `${ORIGIN}, http://localhost:3000` } });
  fakes.registry.publish('default', ['a', 'b']);
  const pre = await request(app)
    .options('/classify')
    .set('Origin', ORIGIN)
    .set('Access-Control-Request-Method', 'POST')
    .set('Access-Control-Request-Headers', 'authorization, content-type');
  assert.equal(pre.status, 204, 'preflight needs no API key');
  assert.equal(pre.headers['access-control-allow-origin'], ORIGIN);
  assert.match(pre.headers['access-control-allow-headers'] ?? '', /Authorization/);
  assert.match(pre.headers['access-control-allow-methods'] ?? '', /POST/);
  assert.equal(pre.headers['access-control-allow-credentials'], undefined, 'no cookies');
  const res = await request(app)
    .post('/classify')
    .set('Origin', ORIGIN)
    .set('Authorization', `Bearer ${KEYS.classify}`)
    .send({ text: 'x' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['access-control-allow-origin'], ORIGIN);
  assert.match(res.headers['access-control-expose-headers'] ?? '', /X-Request-Id/);
  assert.match(res.headers.vary ?? '', /Origin/);
  // The key is still required cross-origin.
  assert.equal((await request(app).post('/classify').set('Origin', ORIGIN).send({ text: 'x' })).status, 401);
  const evil = await request(app)
    .options('/classify')
    .set('Origin', 'https://evil.example')
    .set('Access-Control-Request-Method', 'POST');
  assert.equal(evil.headers['access-control-allow-origin'], undefined);
  assert.notEqual(evil.status, 204);

  const star = securedApp({ env: { CORS_ORIGINS: '*' } });
  const any = await request(star.app).get('/healthz').set('Origin', 'https://whatever.example');
  assert.equal(any.headers['access-control-allow-origin'], '*');
});

test('parseOrigins accepts origins and *, rejects paths and junk', () => {
  assert.deepEqual(parseOrigins(''), []);
  assert.deepEqual(parseOrigins(' https://a.example , http://localhost:8080 '), [
    'https://a.example',
    'http://localhost:8080',
  ]);
  for (const bad of ['a.example', 'https://a.example/path', 'ftp://x', 'javascript:alert(1)']) {
    assert.throws(() => parseOrigins(bad), /CORS_ORIGINS/, bad);
  }
});

test('security headers, no x-powered-by and a request id on every answer, errors included', async () => {
  const { app } = securedApp({ env: { API_KEYS } });
  const answers = [
    await request(app).get('/healthz'),
    await request(app).get('/models'), // 401
    await request(app).get('/models').set('Authorization', `Bearer ${KEYS.classify}`), // 403
    await request(app).get('/no/such/route'),
    await request(app)
      .post('/classify')
      .set('Authorization', `Bearer ${KEYS.classify}`)
      .set('Content-Type', 'application/json')
      .send('{bad json'),
  ];
  assert.deepEqual(
    answers.map((r) => r.status),
    [200, 401, 403, 404, 400],
  );
  for (const res of answers) {
    const h = res.headers;
    assert.equal(h['x-powered-by'], undefined);
    assert.equal(h['x-content-type-options'], 'nosniff');
    assert.ok(h['content-security-policy']);
    assert.ok(h['strict-transport-security']);
    assert.equal(h['x-frame-options'], 'SAMEORIGIN');
    assert.match(h['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
    if (res.status >= 400) assert.equal((res.body as { requestId?: string }).requestId, h['x-request-id']);
  }
  const echoed = await request(app).get('/models').set('X-Request-Id', 'client-req-7');
  assert.equal(echoed.headers['x-request-id'], 'client-req-7');
  const injected = await request(app).get('/healthz').set('X-Request-Id', 'bad id <script>');
  assert.match(
    injected.headers['x-request-id'] ?? '',
    /^[0-9a-f-]{36}$/,
    'a malformed incoming id is replaced',
  );
});
