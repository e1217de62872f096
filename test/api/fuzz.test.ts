import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import request from 'supertest';
import { ARTICLES, makeApp } from './fakes.js';

const { app, fakes } = makeApp();
fakes.registry.publish('default', ['sport', 'business']);

const ENDPOINTS: { method: 'post' | 'put' | 'get' | 'delete'; path: string }[] = [
  { method: 'post', path: '/train' },
  { method: 'post', path: '/classify' },
  { method: 'put', path: '/models/default/alias/latest' },
];

/** Valid payloads with one field replaced by an arbitrary value, or arbitrary JSON altogether. */
const payload = fc.oneof(
  fc.jsonValue(),
  fc.record({ articles: fc.constant(ARTICLES), options: fc.dictionary(fc.string(), fc.jsonValue()) }),
  fc.record({ text: fc.jsonValue(), topK: fc.jsonValue() }, { requiredKeys: [] }),
  fc.record(
    { text: fc.constant('a goal'), threshold: fc.jsonValue(), minProbability: fc.jsonValue() },
    { requiredKeys: [] },
  ),
  fc.record({
    articles: fc.array(
      fc.record(
        { text: fc.oneof(fc.string(), fc.jsonValue()), label: fc.jsonValue(), labels: fc.jsonValue() },
        { requiredKeys: [] },
      ),
      { maxLength: 4 },
    ),
  }),
  fc.record({
    articles: fc.constant([...ARTICLES.map((a) => ({ text: a.text, labels: [a.label] }))]),
    model: fc.string(),
  }),
  fc.record({ texts: fc.array(fc.jsonValue(), { maxLength: 5 }), model: fc.string() }, { requiredKeys: [] }),
  fc.record({ version: fc.jsonValue() }),
  fc.constantFrom({ __proto__: 1 }, JSON.parse('{"__proto__":{"x":1}}'), { constructor: { prototype: {} } }),
);

test('fuzz: random JSON bodies never give a 5xx; every error is problem+json; rejected bodies store nothing', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...ENDPOINTS), payload, async (ep, body) => {
      const storedBefore = fakes.datasets.stored.size;
      const agent = request(app);
      const res = await agent[ep.method](ep.path)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body));
      assert.ok(
        res.status < 500,
        `${ep.path} ${JSON.stringify(body)} -> ${res.status} ${JSON.stringify(res.body)}`,
      );
      if (res.status >= 400) {
        assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/);
        assert.equal(typeof res.body.code, 'string');
        if (ep.path === '/train') assert.equal(fakes.datasets.stored.size, storedBefore);
      }
    }),
    { numRuns: 300, seed: 42 },
  );
});

test('fuzz: random bytes, content types and paths never give a 5xx', async () => {
  const segment = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom('..', '%', '%E0%A4', '%2F', 'default', '1', '-1'),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('/train', '/classify', '/jobs', '/models', '/models/x/versions'),
      fc.array(segment, { maxLength: 3 }),
      fc.constantFrom(
        'application/json',
        'application/x-ndjson',
        'text/plain',
        'application/json; charset=utf-16',
        '',
      ),
      fc.uint8Array({ maxLength: 300 }),
      async (base, segments, type, bytes) => {
        const path = [base, ...segments.map((s) => s.replace(/[?#\s]/g, ''))].join('/');
        let req = request(app).post(path);
        if (type) req = req.set('Content-Type', type);
        const res = await req
          .serialize((b: unknown) => b as string)
          .send(Buffer.from(bytes) as unknown as string);
        assert.ok(res.status < 500, `${path} ${type} -> ${res.status} ${JSON.stringify(res.body)}`);
      },
    ),
    { numRuns: 200, seed: 7 },
  );
});
