/**
 * Fuzzed HTTP requests for every endpoint (fast-check): valid requests with one part mutated,
 * arbitrary JSON, broken bytes, odd content types and encodings, hostile paths and auth headers.
 * Shared by `test/security/fuzz-real.test.ts` and `npm run fuzz`.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
}

/** Limits the fuzzed server must run with, so that the "too large/too many" cases are reachable. */
export const FUZZ_ENV = {
  MAX_TEXT_BYTES: '2000',
  MAX_BODY_BYTES: '100000',
  MAX_DOCUMENTS: '60',
  MAX_LABELS: '5',
  RATE_LIMIT_TRAIN_PER_MINUTE: '0',
} as const;

const ARTICLES = [
  { text: 'the striker scored a late goal', label: 'sport' },
  { text: 'the keeper saved a penalty', label: 'sport' },
  { text: 'shares fell on the stock market', label: 'business' },
  { text: 'the bank raised interest rates', label: 'business' },
];

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

const modelName = fc.oneof(
  fc.constantFrom('default', 'fuzz', 'news-2', 'nope'),
  fc.constantFrom(
    '../x',
    '..',
    'A',
    '-x',
    'a/b',
    '',
    'x'.repeat(65),
    '%2e%2e',
    'a\u0000b',
    'ünï',
    '__proto__',
  ),
  fc.string({ maxLength: 70 }),
);

const numberish = fc.oneof(
  fc.integer({ min: -10, max: 600 }),
  fc.constantFrom(0, -1, 1e9, 2 ** 53, 0.5, 1.5, Number.MAX_SAFE_INTEGER),
  fc.double({ noNaN: true }),
  fc.string({ maxLength: 5 }),
  fc.constant(null),
);

const options = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      'epochs',
      'hiddenUnits',
      'learningRate',
      'batchSize',
      'ngramMax',
      'maxFeatures',
      'minDf',
      'validationSplit',
      'seed',
    ),
    fc.string({ maxLength: 8 }),
  ),
  numberish,
  { maxKeys: 4 },
);

/** Valid-looking article sets, and the bad-data cases of issue 4. */
const articles = fc.oneof(
  fc.constant(ARTICLES),
  fc.constant(ARTICLES.map((a) => ({ ...a, label: 'one' }))), // one label only
  fc.constant([...ARTICLES, { text: 'rain tomorrow', label: 'weather' }]), // a label with 1 example
  fc.constant(Array.from({ length: 14 }, (_, i) => ({ text: `text number ${i}`, label: `label${i % 7}` }))), // over MAX_LABELS
  fc.constant([...ARTICLES, { text: 'x'.repeat(2500), label: 'sport' }]), // text over MAX_TEXT_BYTES
  fc.constant([...ARTICLES, { text: '   ', label: 'sport' }]),
  fc.constant(Array.from({ length: 70 }, (_, i) => ({ text: `doc ${i}`, label: i % 2 ? 'a' : 'b' }))), // > MAX_DOCUMENTS
  fc.array(fc.record({ text: fc.string({ maxLength: 30 }), label: fc.string({ maxLength: 6 }) }), {
    maxLength: 8,
  }),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  // Multi-label sets: valid, both fields on one article, repeats, non-arrays, empty labels.
  fc.constant(ARTICLES.map((a) => ({ text: a.text, labels: [a.label] }))),
  fc.constant([...ARTICLES, { text: 'both', label: 'sport', labels: ['sport'] }]),
  fc.constant([...ARTICLES, { text: 'twice', labels: ['sport', 'sport'] }]),
  fc
    .record({
      articles: fc.constant(ARTICLES),
      labels: fc.jsonValue({ maxDepth: 1 }),
    })
    .map(({ articles: as, labels }) => [...as, { text: 'odd', labels }]),
  fc.array(
    fc.record({
      text: fc.string({ maxLength: 30 }),
      labels: fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
    }),
    {
      maxLength: 8,
    },
  ),
);

/** A valid training set with random words, so accepted datasets differ. */
const validArticles = fc
  .array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.stringMatching(/^[a-z]{1,8}( [a-z]{1,8}){0,4}$/)), {
    minLength: 6,
    maxLength: 12,
  })
  .map((rows) => [
    ...ARTICLES,
    ...rows.map(([label, text]) => ({
      text,
      label: label === 'c' ? 'sport' : label === 'a' ? 'business' : 'sport',
    })),
  ]);
const validOptions = fc.record(
  {
    epochs: fc.integer({ min: 1, max: 3 }),
    hiddenUnits: fc.integer({ min: 1, max: 16 }),
    learningRate: fc.double({ min: 0.001, max: 1, noNaN: true }),
    validationSplit: fc.double({ min: 0, max: 0.5, noNaN: true }),
    seed: fc.nat(),
  },
  { requiredKeys: [] },
);

const validTrain = fc.record(
  { model: fc.constantFrom('default', 'fuzz'), articles: validArticles, options: validOptions },
  { requiredKeys: ['articles'] },
);

/** A valid training body, or one with exactly one part replaced (so each bad input is reached alone). */
const trainBody = fc.oneof(
  { weight: 2, arbitrary: validTrain },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        validTrain,
        fc.oneof(
          fc.record({ model: modelName }),
          fc.record({ articles }),
          fc.record({ options }),
          fc.record({ extra: fc.jsonValue({ maxDepth: 2 }) }),
        ),
      )
      .map(([body, patch]) => ({ ...body, ...patch })),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

const textValue = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom('', '   ', '\u0000', 'x'.repeat(2500), '\ud800'),
  fc.jsonValue({ maxDepth: 1 }),
);
const validClassify = fc.oneof(
  fc.record(
    {
      text: fc.string({ minLength: 1, maxLength: 40 }).map((t) => `${t}x`),
      model: fc.constantFrom('default', 'fuzz'),
      version: fc.constantFrom(1, 2),
      topK: fc.integer({ min: 1, max: 3 }),
    },
    { requiredKeys: ['text'] },
  ),
  fc.record({
    texts: fc.array(fc.constantFrom('a goal', 'the market', 'rain'), { minLength: 1, maxLength: 5 }),
  }),
);
/** A valid classification, or one with exactly one field replaced or added. */
const classifyBody = fc.oneof(
  { weight: 1, arbitrary: validClassify },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        validClassify,
        fc.oneof(
          fc.record({ text: textValue }),
          fc.record({ texts: fc.array(textValue, { maxLength: 6 }) }),
          fc.record({ model: modelName }),
          fc.record({ version: numberish }),
          fc.record({ topK: numberish }),
          fc.record({ threshold: numberish }),
          fc.record({ minProbability: numberish }),
          fc.record({ extra: fc.jsonValue({ maxDepth: 2 }) }),
        ),
      )
      .map(([body, patch]) => ({ ...body, ...patch })),
  },
);

const pollution = fc.constantFrom(
  '{"__proto__":{"polluted":1},"text":"x"}',
  '{"constructor":{"prototype":{"polluted":1}},"articles":[]}',
  '{"articles":[{"text":"a","label":"b","__proto__":{}}]}',
);

/** Byte-level damage to a serialised body. */
function damaged(json: string): fc.Arbitrary<Uint8Array> {
  const bytes = utf8(json);
  return fc.oneof(
    fc.constant(bytes),
    fc.nat({ max: Math.max(0, bytes.length - 1) }).map((n) => bytes.slice(0, n)), // truncated
    fc
      .tuple(fc.nat({ max: Math.max(0, bytes.length - 1) }), fc.integer({ min: 0, max: 255 }))
      .map(([i, b]) => {
        const c = bytes.slice();
        c[i] = b;
        return c;
      }), // one byte changed, often invalid UTF-8
    fc.constant(new Uint8Array([0xff, 0xfe, ...bytes.slice(0, 20), 0xc3, 0x28])),
  );
}

const deepJson = fc
  .integer({ min: 50, max: 5000 })
  .map((d) => utf8(`{"text":${'['.repeat(d)}1${']'.repeat(d)}}`));

const jsonBody = (value: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 3, arbitrary: value.map((v) => utf8(JSON.stringify(v) ?? 'null')) },
    { weight: 2, arbitrary: value.chain((v) => damaged(JSON.stringify(v) ?? 'null')) },
    { weight: 1, arbitrary: pollution.map(utf8) },
    { weight: 1, arbitrary: deepJson },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  );

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'application/x-ndjson',
      'text/plain',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'multipart/form-data; boundary=x',
      '',
      'application/json;;;',
    ),
  },
);

const ndjsonBody = fc.oneof(
  fc.constant(utf8(ARTICLES.map((a) => JSON.stringify(a)).join('\n'))),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(...ARTICLES.map((a) => JSON.stringify(a))),
        fc.string({ maxLength: 40 }),
        fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
      ),
      { maxLength: 8 },
    )
    .map((lines) => utf8(lines.join('\n'))),
  fc.uint8Array({ maxLength: 200 }),
);

const ndjsonQuery = fc
  .dictionary(
    fc.constantFrom('model', 'epochs', 'hiddenUnits', 'batchSize', 'learningRate', 'x', '__proto__'),
    fc.oneof(fc.string({ maxLength: 8 }), numberish.map(String)),
    { maxKeys: 3 },
  )
  .map((q) => {
    const s = new URLSearchParams(Object.entries(q)).toString();
    return s ? `?${s}` : '';
  });

const segment = fc.oneof(
  fc.constantFrom(
    'default',
    'fuzz',
    '1',
    '2',
    '0',
    '-1',
    '99999999999999999999',
    'latest',
    '..',
    '%2e%2e',
    '%00',
    '%E0%A4',
    '%2F',
  ),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);

const auth = fc.oneof(
  { weight: 8, arbitrary: fc.constant('good') },
  { weight: 1, arbitrary: fc.constant('none') },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constantFrom('Bearer', 'Bearer ', 'Basic abc', 'bearer x y', 'Bearer classify-only-key-000001'),
      fc.string({ maxLength: 40 }).map((s) => `Bearer ${s.replace(/[^\x21-\x7e]/g, '')}`),
    ),
  },
);

/**
 * Fuzzed requests. `goodKey` is sent as the bearer token for most requests (the rest get none or junk);
 * give `undefined` for a server without keys.
 */
export function fuzzRequests(goodKey?: string): fc.Arbitrary<FuzzRequest> {
  const json = (method: string, path: fc.Arbitrary<string>, body: fc.Arbitrary<unknown>) =>
    fc.record({
      method: fc.constant(method),
      path,
      type: contentType,
      body: jsonBody(body),
    });
  const noBody = (method: string, path: fc.Arbitrary<string>) =>
    fc.record({ method: fc.constant(method), path, type: fc.constant(''), body: fc.constant(undefined) });
  const seg = segment;
  const shaped = fc.oneof(
    { weight: 4, arbitrary: json('POST', fc.constant('/train'), trainBody) },
    {
      weight: 2,
      arbitrary: fc.record({
        method: fc.constant('POST'),
        path: ndjsonQuery.map((q) => `/train${q}`),
        type: fc.constantFrom('application/x-ndjson', 'application/x-ndjson; charset=utf-8'),
        body: ndjsonBody,
      }),
    },
    { weight: 4, arbitrary: json('POST', fc.constant('/classify'), classifyBody) },
    {
      weight: 1,
      arbitrary: json(
        'PUT',
        seg.map((m) => `/models/${m}/alias/latest`),
        fc.record({ version: numberish }, { requiredKeys: [] }),
      ),
    },
    { weight: 1, arbitrary: noBody('GET', fc.constant('/models')) },
    {
      weight: 1,
      arbitrary: noBody(
        'GET',
        seg.map((m) => `/models/${m}/versions`),
      ),
    },
    {
      weight: 1,
      arbitrary: noBody(
        'GET',
        fc.tuple(seg, seg).map(([m, v]) => `/models/${m}/versions/${v}`),
      ),
    },
    {
      weight: 1,
      arbitrary: noBody(
        'DELETE',
        fc.tuple(seg, seg).map(([m, v]) => `/models/${m}/versions/${v}`),
      ),
    },
    {
      weight: 1,
      arbitrary: noBody(
        'GET',
        ndjsonQuery.map((q) => `/jobs${q.replace('model=', 'limit=')}`),
      ),
    },
    {
      weight: 1,
      arbitrary: noBody(
        'GET',
        seg.map((j) => `/jobs/${j}`),
      ),
    },
    {
      weight: 1,
      arbitrary: noBody(
        'DELETE',
        seg.map((j) => `/jobs/${j}`),
      ),
    },
    {
      weight: 1,
      arbitrary: noBody(
        'GET',
        seg.map((j) => `/jobs/${j}/events`),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        path: fc.array(seg, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`),
        type: contentType,
        body: fc.option(fc.uint8Array({ maxLength: 100 }), { nil: undefined }),
      }),
    },
  );
  return fc
    .tuple(
      shaped,
      auth,
      fc.oneof(
        { weight: 9, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom('gzip!', 'gzip', 'br', 'deflate', 'identity', 'x-bogus') },
      ),
    )
    .map(([r, a, encoding]) => {
      const headers: Record<string, string> = {};
      if (r.type) headers['content-type'] = r.type;
      if (a === 'good' && goodKey) headers.authorization = `Bearer ${goodKey}`;
      else if (a !== 'good' && a !== 'none') headers.authorization = a;
      let body = r.body;
      if (encoding && body) {
        // `gzip!`: really compressed; the others only claim an encoding.
        headers['content-encoding'] = encoding.replace('!', '');
        if (encoding === 'gzip!') body = new Uint8Array(gzipSync(body));
      }
      return { method: r.method, path: r.path, headers, ...(body ? { body } : {}) };
    });
}

/** The outcome of one request: the status, or the network error (a hang or a dropped connection). */
export interface FuzzOutcome {
  status: number;
  error?: string;
  body?: string;
}

/** Sends one fuzzed request with fetch; HEAD/GET bodies are dropped (fetch refuses them). */
export async function sendFuzz(base: string, r: FuzzRequest, timeoutMs = 10_000): Promise<FuzzOutcome> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const canHaveBody = r.method !== 'GET' && r.method !== 'HEAD';
    const res = await fetch(base + r.path, {
      method: r.method,
      headers: r.headers,
      ...(canHaveBody && r.body ? { body: r.body } : {}),
      signal: ctl.signal,
    });
    const body = res.headers.get('content-type')?.includes('event-stream') ? '' : await res.text();
    if (res.headers.get('content-type')?.includes('event-stream')) await res.body?.cancel();
    return { status: res.status, body: body.slice(0, 300) };
  } catch (err) {
    return { status: 0, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  } finally {
    clearTimeout(timer);
  }
}
