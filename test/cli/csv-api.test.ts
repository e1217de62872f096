import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { createTextclfClient, TextclfError, toCsv } from '../../src/client/index.js';
import { ARTICLES, makeApp } from '../api/fakes.js';
import { assertProblem } from '../api/schema-check.js';

/** `POST /train` as `text/csv` (the HTTP half of CSV input), on the app with in-memory fakes. */
const raw = (b: unknown) => b as string;
const csv = (body: string | Buffer, app = makeApp().app, q = '', encoding?: string) => {
  let req = request(app).post(`/train${q}`).set('Content-Type', 'text/csv; charset=utf-8');
  if (encoding) req = req.set('Content-Encoding', encoding);
  return req.serialize(raw).send(raw(body));
};

const TRICKY =
  '\uFEFFtext,label,source\r\n' +
  '"Shares fell, then ""rallied""\nby noon",business,wire\r\n' +
  '\r\n' +
  'the bank raised interest rates,business,\r\n' +
  '"a late goal, at last",sport,x\r\n' +
  'the match ended in a draw,sport,y'; // no final line break

test('text/csv: BOM, quoted commas, doubled quotes, line breaks in fields, CRLF, blank lines; model and options from the query', async () => {
  const { app, fakes } = makeApp();
  const res = await csv(TRICKY, app, '?model=news&epochs=4');
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.equal(res.body.model, 'news');
  assert.deepEqual(fakes.jobs.submitted[0]?.options, { epochs: 4 });
  assert.deepEqual([...fakes.datasets.stored.values()][0], [
    { text: 'Shares fell, then "rallied"\nby noon', label: 'business' },
    { text: 'the bank raised interest rates', label: 'business' },
    { text: 'a late goal, at last', label: 'sport' },
    { text: 'the match ended in a draw', label: 'sport' },
  ]);
});

test('text/csv: a bad row is 400 naming its line (a quoted field with a line break spans two)', async () => {
  const { app, fakes } = makeApp({ env: { MAX_TEXT_BYTES: '60' } });
  const head = 'text,label\n"two\nlines",sport\n'; // rows start on lines 2; the next on 4
  const cases: [string, number, string, number, RegExp][] = [
    [`${head}a,b,c\n`, 400, 'INVALID_REQUEST', 4, /Line 4: the row has 3 fields, the header has 2/],
    [`${head}"",sport\n`, 400, 'INVALID_REQUEST', 4, /Line 4: text is empty/],
    [`${head}text,\n`, 400, 'INVALID_REQUEST', 4, /Line 4: label is empty/],
    [
      `${head}x,${'l'.repeat(257)}\n`,
      400,
      'INVALID_REQUEST',
      4,
      /Line 4: \/label must NOT have more than 256/,
    ],
    [`${head}${'x'.repeat(61)},sport\n`, 413, 'PAYLOAD_TOO_LARGE', 4, /Line 4: .*larger than 60 bytes/],
    [`${head}"open,sport\nmore\n`, 400, 'INVALID_REQUEST', 4, /Line 4: a quoted field is never closed/],
    [`${head}ab"c,sport\n`, 400, 'INVALID_REQUEST', 4, /Line 4: a `"` inside an unquoted field/],
    ['body,label\na,b\n', 400, 'INVALID_REQUEST', 1, /Line 1: missing column "text"/],
    ['text,labels\na,x;y;x\n', 400, 'INVALID_REQUEST', 2, /Line 2: "labels" repeats "x"/],
  ];
  for (const [body, status, code, line, detail] of cases) {
    const p = assertProblem(await csv(body, app), status, code);
    assert.equal(p.line, line, body);
    assert.match(String(p.detail), detail);
  }
  assert.equal(fakes.datasets.calls, 0);
});

test('text/csv: a "labels" column of `;`-separated labels is a multi-label set; header matched in any case', async () => {
  const { app, fakes } = makeApp();
  const body =
    ' Text ,LABELS\n' +
    ARTICLES.map((a, i) => `${a.text}, ${a.label} ;${i < 2 ? 'extra; other' : ''}`).join('\n');
  const res = await csv(body, app);
  assert.equal(res.status, 202);
  assert.equal(res.body.dataset.multiLabel, true);
  const expected = ARTICLES.map((a, i) => ({
    text: a.text,
    labels: i < 2 ? [a.label, 'extra', 'other'] : [a.label],
  }));
  assert.deepEqual([...fakes.datasets.stored.values()][0], expected);
});

test('text/csv: limits on bytes and rows, gzip, non-UTF-8 bytes, header only, bad query', async () => {
  const { app, fakes } = makeApp({
    env: { MAX_DOCUMENTS: '4', MAX_BODY_BYTES: '20000', MAX_TEXT_BYTES: '100000' },
  });
  const body = toCsv(ARTICLES);
  assert.equal((await csv(gzipSync(body), app, '', 'gzip')).status, 202);
  const five = toCsv([...ARTICLES, ARTICLES[0]!]);
  assert.equal(assertProblem(await csv(five, app), 413, 'PAYLOAD_TOO_LARGE').line, 6);
  const expands = gzipSync(`text,label\n"${'a'.repeat(50_000)}",x\n`);
  assert.ok(expands.length < 20000);
  assert.match(
    String(assertProblem(await csv(expands, app, '', 'gzip'), 413, 'PAYLOAD_TOO_LARGE').detail),
    /larger than 20000 bytes/,
  );
  const latin1 = Buffer.concat([
    Buffer.from('text,label\na,b\ncaf'),
    Buffer.from([0xe9]),
    Buffer.from(',x\n'),
  ]);
  assert.equal(assertProblem(await csv(latin1, app), 400, 'INVALID_REQUEST').line, 3);
  assertProblem(await csv('text,label\n', app), 400, 'INVALID_REQUEST');
  assertProblem(await csv(body, app, '?epochs=0'), 400, 'INVALID_OPTIONS');
  const l1 = request(app).post('/train').set('Content-Type', 'text/csv; charset=latin1').send(body);
  assertProblem(await l1, 415, 'UNSUPPORTED_MEDIA_TYPE');
  assert.equal(fakes.datasets.calls, 1);
});

test('client: trainCsv sends articles or CSV text (gzip too); trainNdjson takes text; line errors are TextclfErrors', async () => {
  const { app, fakes } = makeApp();
  const server = createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const tc = createTextclfClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  try {
    const tricky = [{ text: 'a "quoted", comma\nand a line', label: 'sport' }, ...ARTICLES.slice(1)];
    const a = await tc.trainCsv(tricky, { model: 'm', epochs: 2 });
    assert.equal(a.status, 'queued');
    assert.deepEqual([...fakes.datasets.stored.values()][0]?.[0], tricky[0]);
    assert.deepEqual(fakes.jobs.submitted[0]?.options, { epochs: 2 });
    assert.equal((await tc.trainCsv(toCsv(ARTICLES), { gzip: true })).dataset?.documents, 4);
    const nd = ARTICLES.map((x) => JSON.stringify(x)).join('\n');
    assert.equal((await tc.trainNdjson(new TextEncoder().encode(nd), { gzip: true })).status, 'queued');
    const err = await tc.trainCsv('text,label\na,b,c\n').catch((e: unknown) => e);
    assert.ok(err instanceof TextclfError);
    assert.equal(err.code, 'INVALID_REQUEST');
    assert.equal(err.problem?.line, 2);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
