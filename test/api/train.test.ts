import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { assertProblem, assertSchema } from './schema-check.js';
import { ARTICLES, makeApp } from './fakes.js';

const ndjson = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const raw = (b: unknown) => b as string;

test('POST /train (JSON) stores the dataset, queues the job and answers 202 with Location', async () => {
  const { app, fakes } = makeApp();
  const res = await request(app)
    .post('/train')
    .send({ model: 'news', articles: ARTICLES, options: { epochs: 3, learningRate: 0.01, seed: 7 } });
  assert.equal(res.status, 202);
  assertSchema(res.body, 'TrainAccepted');
  assert.equal(res.body.status, 'queued');
  assert.equal(res.body.model, 'news');
  assert.equal(res.headers.location, `/jobs/${res.body.jobId}`);
  assert.equal(fakes.datasets.stored.size, 1);
  assert.deepEqual(fakes.jobs.submitted[0]?.options, { epochs: 3, learningRate: 0.01, seed: 7 });
  assert.equal(fakes.jobs.submitted[0]?.dataset.documents, 4);
  const job = await request(app).get(res.headers.location as string);
  assert.equal(job.status, 200);
  assertSchema(job.body, 'Job');
  assert.equal(job.body.status, 'queued');
});

test('model defaults to "default"', async () => {
  const { app, fakes } = makeApp();
  const res = await request(app).post('/train').send({ articles: ARTICLES });
  assert.equal(res.body.model, 'default');
  assert.equal(fakes.jobs.submitted[0]?.model, 'default');
});

test('data errors from the store are INVALID_DATA and nothing is queued', async () => {
  const { app, fakes } = makeApp();
  const oneLabel = ARTICLES.map((a) => ({ ...a, label: 'x' }));
  const oneExample = [...ARTICLES, { text: 'weather is fine', label: 'weather' }];
  const blank = [...ARTICLES.slice(1), { text: '   ', label: 'sport' }];
  for (const articles of [oneLabel, oneExample, blank]) {
    assertProblem(await request(app).post('/train').send({ articles }), 400, 'INVALID_DATA');
  }
  assert.equal(fakes.jobs.submitted.length, 0);
  assert.equal(fakes.datasets.stored.size, 0);
});

test('malformed model names are rejected, not normalised', async () => {
  const { app, fakes } = makeApp();
  for (const model of ['../x', 'A', '-x', 'x'.repeat(65), 'a/b', '']) {
    const body = assertProblem(
      await request(app).post('/train').send({ model, articles: ARTICLES }),
      400,
      'INVALID_REQUEST',
    );
    assert.deepEqual(
      (body.errors as { path: string }[]).map((e) => e.path),
      ['/body/model'],
    );
  }
  assert.equal(fakes.datasets.calls, 0);
});

test('options out of range name each failing option', async () => {
  const { app } = makeApp();
  const cases: [Record<string, unknown>, string][] = [
    [{ epochs: 0 }, 'epochs'],
    [{ epochs: 501 }, 'epochs'],
    [{ epochs: 2.5 }, 'epochs'],
    [{ learningRate: 0 }, 'learningRate'],
    [{ learningRate: 1.5 }, 'learningRate'],
    [{ validationSplit: 0.6 }, 'validationSplit'],
    [{ ngramMax: 4 }, 'ngramMax'],
    [{ maxFeatures: 2_000_001 }, 'maxFeatures'],
    [{ minDf: 0 }, 'minDf'],
    [{ seed: 'x' }, 'seed'],
    [{ stopWords: 'no' }, 'stopWords'],
    [{ dropout: 1 }, 'dropout'],
  ];
  for (const [options, name] of cases) {
    const body = assertProblem(
      await request(app).post('/train').send({ articles: ARTICLES, options }),
      400,
      'INVALID_OPTIONS',
    );
    assert.deepEqual(
      (body.errors as { path: string }[]).map((e) => e.path),
      [`/body/options/${name}`],
    );
  }
  // NDJSON takes options in the query: same code.
  const ndjson = await request(app)
    .post('/train?epochs=0')
    .set('content-type', 'application/x-ndjson')
    .send(ARTICLES.map((a) => JSON.stringify(a)).join('\n'));
  assertProblem(ndjson, 400, 'INVALID_OPTIONS');
  for (const query of ['stopWords=maybe', 'patience=-1', 'autotuneTrials=1']) {
    const bad = await request(app)
      .post(`/train?${query}`)
      .set('content-type', 'application/x-ndjson')
      .send(ARTICLES.map((a) => JSON.stringify(a)).join('\n'));
    assertProblem(bad, 400, 'INVALID_OPTIONS');
  }
  // A malformed request that also has a bad option stays INVALID_REQUEST.
  assertProblem(
    await request(app)
      .post('/train')
      .send({ articles: ARTICLES, options: { epochs: 0 }, extra: 1 }),
    400,
    'INVALID_REQUEST',
  );
});

test('a text over MAX_TEXT_BYTES is 413 naming the article; more than MAX_DOCUMENTS is 413', async () => {
  const { app, fakes } = makeApp({ env: { MAX_TEXT_BYTES: '100', MAX_DOCUMENTS: '5' } });
  const big = [...ARTICLES, { text: 'é'.repeat(51), label: 'sport' }]; // 102 bytes, 51 characters
  const body = assertProblem(
    await request(app).post('/train').send({ articles: big }),
    413,
    'PAYLOAD_TOO_LARGE',
  );
  assert.deepEqual(
    (body.errors as { path: string }[]).map((e) => e.path),
    ['/body/articles/4/text'],
  );
  const many = [...ARTICLES, ...ARTICLES];
  assertProblem(await request(app).post('/train').send({ articles: many }), 413, 'PAYLOAD_TOO_LARGE');
  assert.equal(fakes.datasets.calls, 0);
});

test('POST /train with NDJSON streams the lines, takes model and options from the query', async () => {
  const { app, fakes } = makeApp();
  const res = await request(app)
    .post('/train?model=big&epochs=4&validationSplit=0.2&stopWords=false')
    .set('Content-Type', 'application/x-ndjson')
    .send(`${ndjson(ARTICLES.slice(0, 2))}\r\n  \n${ndjson(ARTICLES.slice(2))}`);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.equal(res.body.model, 'big');
  assert.equal(res.headers.location, `/jobs/${res.body.jobId}`);
  assert.deepEqual(fakes.jobs.submitted[0]?.options, { epochs: 4, validationSplit: 0.2, stopWords: false });
  assert.deepEqual([...fakes.datasets.stored.values()][0], ARTICLES);
});

test('NDJSON: a bad line is named, whether not JSON, wrong shape, or too large', async () => {
  const { app, fakes } = makeApp({ env: { MAX_TEXT_BYTES: '50' } });
  const lines = ndjson(ARTICLES).split('\n');
  const send = (body: string) =>
    request(app).post('/train').set('Content-Type', 'application/x-ndjson').send(body);

  const notJson = [...lines.slice(0, 2), '{"text": "x", label}', ...lines.slice(2)].join('\n');
  let body = assertProblem(await send(notJson), 400, 'INVALID_JSON');
  assert.equal(body.line, 3);
  assert.match(String(body.detail), /^Line 3:/);

  const extra = [...lines.slice(0, 3), '{"text":"x","label":"y","z":1}', ...lines.slice(3)].join('\n');
  body = assertProblem(await send(extra), 400, 'INVALID_REQUEST');
  assert.equal(body.line, 4);
  assert.deepEqual(body.errors, [{ path: '/z', message: 'is not allowed' }]);

  const big = [lines[0], JSON.stringify({ text: 'x'.repeat(51), label: 'sport' })].join('\n');
  body = assertProblem(await send(big), 413, 'PAYLOAD_TOO_LARGE');
  assert.equal(body.line, 2);

  const polluted = [lines[0], '{"text":"a","label":"b","__proto__":{"x":1}}'].join('\n');
  body = assertProblem(await send(polluted), 400, 'INVALID_REQUEST');
  assert.equal(body.line, 2);
  assert.equal(fakes.datasets.calls, 0);
});

test('NDJSON and JSON: `labels` arrays make a multi-label set; both fields, repeats or bad labels are named', async () => {
  const { app, fakes } = makeApp();
  const multi = ARTICLES.map((a, i) => ({ text: a.text, labels: i % 2 ? [a.label, 'extra'] : [a.label] }));
  const send = (body: string) =>
    request(app).post('/train?model=tags').set('Content-Type', 'application/x-ndjson').send(body);
  const ok = await send(ndjson(multi));
  assert.equal(ok.status, 202, JSON.stringify(ok.body));
  assert.equal(ok.body.dataset.multiLabel, true);
  assert.deepEqual([...fakes.datasets.stored.values()].at(-1), multi);
  const cases: [unknown, string, RegExp][] = [
    [{ text: 'x', label: 'a', labels: ['a'] }, '', /only one of: label, labels/],
    [{ text: 'x', labels: ['a', 'a'] }, '/labels', /duplicate/],
    [{ text: 'x', labels: [''] }, '/labels/0', /fewer than 1/],
    [{ text: 'x', labels: [1] }, '/labels/0', /string/],
  ];
  for (const [bad, path, message] of cases) {
    const body = assertProblem(await send(ndjson([...multi.slice(0, 2), bad])), 400, 'INVALID_REQUEST');
    assert.equal(body.line, 3);
    const e = (body.errors as { path: string; message: string }[])[0]!;
    assert.equal(e.path, path || '/', JSON.stringify(body.errors));
    assert.match(e.message, message);
    const json = await request(app)
      .post('/train')
      .send({ articles: [...multi, bad] });
    const pointer = `/body/articles/${multi.length}${path}`;
    const errors = assertProblem(json, 400, 'INVALID_REQUEST').errors as { path: string }[];
    assert.ok(
      errors.some((x) => x.path === pointer),
      `${pointer}: ${JSON.stringify(errors)}`,
    );
  }
  assert.equal(fakes.datasets.calls, 1, 'only the good set reached the store');
});

test('NDJSON: non-UTF-8 bytes are rejected with the line', async () => {
  const { app, fakes } = makeApp();
  const bytes = Buffer.concat([
    Buffer.from(ndjson(ARTICLES.slice(0, 2))),
    Buffer.from('{"text":"caf'),
    Buffer.from([0xe9]),
    Buffer.from('","label":"business"}\n'),
  ]);
  const res = await request(app)
    .post('/train')
    .set('Content-Type', 'application/x-ndjson')
    .serialize(raw)
    .send(raw(bytes));
  assert.equal(assertProblem(res, 400, 'INVALID_JSON').line, 3);
  assert.equal(fakes.datasets.calls, 0);
});

test('NDJSON: limits on bytes and documents; empty stream; bad query options', async () => {
  const { app, fakes } = makeApp({
    env: { MAX_DOCUMENTS: '3', MAX_BODY_BYTES: '20000', MAX_TEXT_BYTES: '100000' },
  });
  const send = (q: string, body: string) =>
    request(app).post(`/train${q}`).set('Content-Type', 'application/x-ndjson').send(body);
  const tooMany = assertProblem(await send('', ndjson(ARTICLES)), 413, 'PAYLOAD_TOO_LARGE');
  assert.equal(tooMany.line, 4);
  const huge = Array.from({ length: 2 }, () =>
    JSON.stringify({ text: 'word '.repeat(2500), label: 'x' }),
  ).join('\n');
  assert.match(
    String(assertProblem(await send('', huge), 413, 'PAYLOAD_TOO_LARGE').detail),
    /larger than 20000 bytes/,
  );
  assertProblem(await send('', '\n \n'), 400, 'INVALID_REQUEST');
  const q = assertProblem(
    await send('?epochs=0&model=..%2Fx&bogus=1', ndjson(ARTICLES.slice(0, 3))),
    400,
    'INVALID_REQUEST',
  );
  assert.deepEqual((q.errors as { path: string }[]).map((e) => e.path).sort(), [
    '/query/bogus',
    '/query/epochs',
    '/query/model',
  ]);
  assert.equal(fakes.datasets.calls, 0);
});

test('NDJSON: gzip bodies are decoded (limits apply to decoded bytes); bad encodings are problems', async () => {
  const { gzipSync } = await import('node:zlib');
  const { app, fakes } = makeApp({ env: { MAX_BODY_BYTES: '20000', MAX_TEXT_BYTES: '100000' } });
  const send = (body: Buffer, encoding: string) =>
    request(app)
      .post('/train')
      .set('Content-Type', 'application/x-ndjson')
      .set('Content-Encoding', encoding)
      .serialize(raw)
      .send(raw(body));
  assert.equal((await send(gzipSync(ndjson(ARTICLES)), 'gzip')).status, 202);
  const expands = gzipSync(JSON.stringify({ text: 'a'.repeat(50_000), label: 'x' }) + '\n');
  assert.ok(expands.length < 20000);
  assertProblem(await send(expands, 'gzip'), 413, 'PAYLOAD_TOO_LARGE');
  assertProblem(await send(Buffer.from('not gzip at all'), 'gzip'), 400, 'INVALID_REQUEST');
  assertProblem(await send(Buffer.from(ndjson(ARTICLES)), 'compress'), 415, 'UNSUPPORTED_MEDIA_TYPE');
  assert.equal(fakes.datasets.calls, 1);
});

test('only UTF-8 is accepted as a charset', async () => {
  const { app } = makeApp();
  const utf16 = await request(app)
    .post('/classify')
    .set('Content-Type', 'application/json; charset=utf-16')
    .send('{"text":"a"}');
  assertProblem(utf16, 415, 'UNSUPPORTED_MEDIA_TYPE');
  const nd = await request(app)
    .post('/train')
    .set('Content-Type', 'application/x-ndjson; charset=latin1')
    .send(ndjson(ARTICLES));
  assertProblem(nd, 415, 'UNSUPPORTED_MEDIA_TYPE');
  const ok = await request(app)
    .post('/train')
    .set('Content-Type', 'application/x-ndjson; charset=UTF-8')
    .send(ndjson(ARTICLES));
  assert.equal(ok.status, 202);
});
