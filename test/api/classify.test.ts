import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { assertProblem, assertSchema } from './schema-check.js';
import { makeApp } from './fakes.js';

function withModel(env?: Record<string, string>) {
  const made = makeApp(env ? { env } : {});
  made.fakes.registry.publish('default', ['sport', 'business', 'tech']);
  return made;
}

test('before any model: 404 MODEL_NOT_FOUND saying to train first', async () => {
  const { app } = makeApp();
  const body = assertProblem(
    await request(app).post('/classify').send({ text: 'hello' }),
    404,
    'MODEL_NOT_FOUND',
  );
  assert.match(String(body.detail), /train/);
});

test('single text: {model, version, label, scores} sorted by probability', async () => {
  const { app } = withModel();
  const res = await request(app).post('/classify').send({ text: 'the business news' });
  assert.equal(res.status, 200);
  assertSchema(res.body, 'ClassifyResponse');
  assert.equal(res.body.label, 'business');
  assert.equal(res.body.version, 1);
  assert.equal(res.body.results, undefined);
  const probs = res.body.scores.map((s: { probability: number }) => s.probability);
  assert.deepEqual(
    probs,
    [...probs].sort((a, b) => b - a),
  );
});

test('batch: {model, version, results[]} in input order; topK and version are passed through', async () => {
  const { app, fakes } = withModel();
  fakes.registry.publish('default', ['sport', 'business', 'tech']);
  const res = await request(app)
    .post('/classify')
    .send({ texts: ['tech stuff', 'sport stuff'], version: 1, topK: 2 });
  assert.equal(res.status, 200);
  assertSchema(res.body, 'ClassifyBatchResponse');
  assert.equal(res.body.version, 1);
  assert.deepEqual(
    res.body.results.map((r: { label: string }) => r.label),
    ['tech', 'sport'],
  );
  assert.ok(res.body.results.every((r: { scores: unknown[] }) => r.scores.length === 2));
  assert.deepEqual(fakes.classifier.calls[0]?.opts, { version: 1, topK: 2 });
  assert.equal(res.body.label, undefined);
});

test('unknown version or model is 404 with its own code', async () => {
  const { app } = withModel();
  assertProblem(
    await request(app).post('/classify').send({ text: 'x', version: 9 }),
    404,
    'VERSION_NOT_FOUND',
  );
  assertProblem(
    await request(app).post('/classify').send({ text: 'x', model: 'other' }),
    404,
    'MODEL_NOT_FOUND',
  );
});

test('shape errors: both or neither of text/texts, empty or whitespace text, bad topK', async () => {
  const { app, fakes } = withModel();
  const cases: [unknown, string][] = [
    [{ text: 'a', texts: ['b'] }, '/body/texts'],
    [{ model: 'default' }, '/body'],
    [{ text: '' }, '/body/text'],
    [{ text: ' \n\t' }, '/body/text'],
    [{ texts: [] }, '/body/texts'],
    [{ texts: ['ok', '  '] }, '/body/texts/1'],
    [{ text: 'a', topK: 0 }, '/body/topK'],
    [{ text: 'a', version: 0 }, '/body/version'],
    [{ text: 42 }, '/body/text'],
    [['a'], '/body'],
  ];
  for (const [body, path] of cases) {
    const p = assertProblem(
      await request(app)
        .post('/classify')
        .send(body as object),
      400,
      'INVALID_REQUEST',
    );
    assert.ok(
      (p.errors as { path: string }[]).some((e) => e.path === path),
      `${JSON.stringify(body)} -> ${JSON.stringify(p.errors)}`,
    );
  }
  assert.equal(fakes.classifier.calls.length, 0);
});

test('a text over MAX_TEXT_BYTES is 413 naming it', async () => {
  const { app, fakes } = withModel({ MAX_TEXT_BYTES: '10' });
  assertProblem(
    await request(app)
      .post('/classify')
      .send({ text: 'x'.repeat(11) }),
    413,
    'PAYLOAD_TOO_LARGE',
  );
  const p = assertProblem(
    await request(app)
      .post('/classify')
      .send({ texts: ['short', '€€€€'] }),
    413,
    'PAYLOAD_TOO_LARGE',
  );
  assert.deepEqual(p.errors, [{ path: '/body/texts/1', message: 'must be at most 10 bytes' }]);
  assert.equal(
    (
      await request(app)
        .post('/classify')
        .send({ text: 'x'.repeat(10) })
    ).status,
    200,
  );
  assert.equal(fakes.classifier.calls.length, 1);
});

test('minProbability: passed through in [0, 1]; outside it a 400 naming the field', async () => {
  const { app, fakes } = withModel();
  const ok = await request(app).post('/classify').send({ text: 'tech stuff', minProbability: 0.8 });
  assert.equal(ok.status, 200);
  assert.deepEqual(fakes.classifier.calls[0]?.opts, { minProbability: 0.8 });
  for (const bad of [1.5, -0.1, 'high']) {
    const res = await request(app)
      .post('/classify')
      .send({ texts: ['x'], minProbability: bad });
    assertProblem(res, 400, 'INVALID_REQUEST');
    assert.ok(
      res.body.errors.some((e: { path: string }) => e.path === '/body/minProbability'),
      JSON.stringify(res.body),
    );
  }
  // An abstained answer: no label, `abstained: true`, scores still given (the contract's shape).
  fakes.classifier.failWith = null;
  const abstained = {
    model: 'default',
    version: 1,
    label: null,
    abstained: true,
    scores: [{ label: 'tech', probability: 0.4 }],
  };
  assertSchema(abstained, 'ClassifyResponse');
});
