import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock, test } from 'node:test';
import request from 'supertest';
import { KeyChecker, parseApiKeys } from '../../src/api/security/index.js';
import { assertProblem } from '../api/schema-check.js';
import { ARTICLES } from '../api/fakes.js';
import { API_KEYS, KEYS, captureLogger, securedApp } from './helpers.js';

test('parseApiKeys: key:scope+scope entries by comma or line; malformed entries fail without echoing the key', () => {
  const entries = parseApiKeys(`${API_KEYS}\n# a comment\n with:colon:in-key-000001:classify\n`);
  assert.equal(entries.length, 4);
  assert.deepEqual(
    entries.map((e) => [...e.scopes].sort()),
    [['classify'], ['train'], ['classify', 'train'], ['classify']],
  );
  assert.ok(entries.every((e) => /^[0-9a-f]{12}$/.test(e.id)));
  assert.deepEqual(parseApiKeys(''), []);
  const secret = 'super-secret-key-value-123';
  for (const bad of [
    secret,
    `${secret}:admin`,
    'short:train',
    `${secret}:`,
    `${secret}:train,${secret}:classify`,
  ]) {
    assert.throws(
      () => parseApiKeys(bad),
      (e: Error) => !e.message.includes(secret) && /API key entry \d/.test(e.message),
      bad,
    );
  }
});

test('KeyChecker: exact keys only, and every configured digest is compared with timingSafeEqual (no early exit)', (t) => {
  const checker = new KeyChecker(parseApiKeys(API_KEYS));
  assert.deepEqual([...(checker.check(KEYS.both)?.scopes ?? [])].sort(), ['classify', 'train']);
  for (const wrong of [
    '',
    KEYS.both.slice(0, -1),
    `${KEYS.both}x`,
    KEYS.both.toUpperCase(),
    ` ${KEYS.both}`,
  ]) {
    assert.equal(checker.check(wrong), undefined, JSON.stringify(wrong));
  }
  const spy = t.mock.method(crypto, 'timingSafeEqual');
  checker.check(KEYS.classify); // first entry: a naive loop would stop here
  checker.check('not-a-key-at-all');
  assert.equal(spy.mock.callCount(), 6, 'three comparisons per check, hit or miss');
  for (const call of spy.mock.calls) {
    const [a, b] = call.arguments as [Buffer, Buffer];
    assert.equal(a.length, 32, 'digests are compared, so lengths never differ');
    assert.equal(b.length, 32);
  }
  mock.restoreAll();
});

/** Every guarded operation with a request that passes validation, and the scope it needs. */
const OPERATIONS = [
  { scope: 'classify', call: (r: request.Agent) => r.post('/classify').send({ text: 'a goal' }) },
  { scope: 'train', call: (r: request.Agent) => r.post('/train').send({ articles: ARTICLES }) },
  { scope: 'train', call: (r: request.Agent) => r.get('/jobs') },
  { scope: 'train', call: (r: request.Agent) => r.get('/jobs/nope') },
  { scope: 'train', call: (r: request.Agent) => r.delete('/jobs/nope') },
  { scope: 'train', call: (r: request.Agent) => r.get('/jobs/nope/events') },
  { scope: 'train', call: (r: request.Agent) => r.get('/models') },
  { scope: 'train', call: (r: request.Agent) => r.get('/models/default/versions') },
  { scope: 'train', call: (r: request.Agent) => r.get('/models/default/versions/1') },
  { scope: 'train', call: (r: request.Agent) => r.put('/models/default/alias/latest').send({ version: 1 }) },
  { scope: 'train', call: (r: request.Agent) => r.delete('/models/default/versions/1') },
] as const;

test('401 without or with a wrong key (WWW-Authenticate: Bearer), 403 without the scope, through with it', async () => {
  const { app, fakes } = securedApp({ env: { API_KEYS } });
  fakes.registry.publish('default', ['a', 'b']);
  const agent = () => request.agent(app);
  for (const op of OPERATIONS) {
    const label = op.call(agent()).url;
    const none = await op.call(agent());
    assertProblem(none, 401, 'UNAUTHORIZED');
    assert.equal(none.headers['www-authenticate'], 'Bearer', label);
    for (const header of [
      'Bearer wrong-key-000000000000',
      `Basic ${KEYS.both}`,
      'Bearer',
      `Bearer ${KEYS.both} x`,
    ]) {
      assertProblem(await op.call(agent()).set('Authorization', header), 401, 'UNAUTHORIZED');
    }
    const other = op.scope === 'train' ? KEYS.classify : KEYS.train;
    const forbidden = assertProblem(
      await op.call(agent()).set('Authorization', `Bearer ${other}`),
      403,
      'FORBIDDEN',
    );
    assert.match(String(forbidden.detail), new RegExp(op.scope));
    for (const key of [op.scope === 'train' ? KEYS.train : KEYS.classify, KEYS.both]) {
      const ok = await op.call(agent()).set('Authorization', `bearer ${key}`);
      assert.ok(![401, 403].includes(ok.status), `${label} with a ${op.scope} key: ${ok.status}`);
    }
  }
  assert.equal(fakes.jobs.submitted.length, 2, 'only the two authorised /train calls queued a job');
});

test('/healthz, /readyz, /openapi.yaml and /docs stay open when keys are configured', async () => {
  const { app } = securedApp({ env: { API_KEYS } });
  for (const path of ['/healthz', '/readyz', '/openapi.yaml', '/docs']) {
    const res = await request(app).get(path);
    assert.ok(res.status < 400, `${path}: ${res.status}`);
  }
});

test('open mode: no keys logs exactly one warning at start and lets requests through; keys: no warning', async () => {
  const open = captureLogger();
  const { app, fakes } = securedApp({ logger: open.logger });
  fakes.registry.publish('default', ['a', 'b']);
  assert.equal((await request(app).post('/classify').send({ text: 'x' })).status, 200);
  assert.equal((await request(app).post('/train').send({ articles: ARTICLES })).status, 202);
  const warnings = open.lines.filter((l) => /"level":40/.test(l));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /no API keys configured/);

  const closed = captureLogger();
  securedApp({ logger: closed.logger, env: { API_KEYS } });
  assert.equal(closed.lines.filter((l) => /"level":40/.test(l)).length, 0);
});

test('logs hold neither keys (valid or not) nor article text', async () => {
  const cap = captureLogger();
  const { app, fakes } = securedApp({ logger: cap.logger, env: { API_KEYS } });
  fakes.registry.publish('default', ['a', 'b']);
  const text = 'okapi-narwhal-secret-article';
  const wrongKey = 'guessed-key-zzzzzzzzzzzz';
  const auth = (k: string) => ({ Authorization: `Bearer ${k}` });
  await request(app).post('/classify').set(auth(KEYS.classify)).send({ text });
  await request(app).post('/classify').set(auth(wrongKey)).send({ text });
  await request(app).post('/classify').set(auth(KEYS.train)).send({ text });
  await request(app)
    .post('/train')
    .set(auth(KEYS.train))
    .send({ articles: [...ARTICLES, { text, label: 'sport' }] });
  await request(app)
    .post('/train')
    .set(auth(KEYS.train))
    .send({ articles: [{ text, label: 'one' }] });
  fakes.classifier.failWith = new Error(`boom ${text}`.replace(text, 'x'));
  await request(app).post('/classify').set(auth(KEYS.both)).send({ text });
  const all = cap.text();
  assert.ok(cap.lines.length >= 6, 'requests were logged');
  for (const secret of [...Object.values(KEYS), wrongKey, text]) {
    assert.ok(!all.includes(secret), `log holds ${secret}`);
  }
});

test('API_KEYS_FILE: keys from a file (one per line) join API_KEYS; an unreadable file is a start-up error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'textclf-keys-'));
  try {
    const file = join(dir, 'keys');
    writeFileSync(file, `# deploy keys\n${KEYS.train}:train\n`);
    const { app } = securedApp({ env: { API_KEYS: `${KEYS.classify}:classify`, API_KEYS_FILE: file } });
    assert.equal(
      (await request(app).get('/models').set('Authorization', `Bearer ${KEYS.train}`)).status,
      200,
    );
    assert.equal(
      (await request(app).get('/models').set('Authorization', `Bearer ${KEYS.classify}`)).status,
      403,
    );
    assert.throws(
      () => securedApp({ env: { API_KEYS_FILE: join(dir, 'missing') } }),
      /API_KEYS_FILE: cannot read .*missing \(ENOENT\)/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
