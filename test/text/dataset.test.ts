import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/errors/index.js';
import {
  parseJsonLines,
  readArticles,
  validateArticles,
  type SingleLabelArticle,
} from '../../src/text/index.js';

function expectError(code: string, details: Record<string, unknown>, message?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof AppError, `expected AppError, got ${String(err)}`);
    assert.equal(err.code, code);
    for (const [k, v] of Object.entries(details)) assert.deepEqual(err.details[k], v, `details.${k}`);
    if (message) assert.match(err.message, message);
    return true;
  };
}

const line = (o: unknown) => JSON.stringify(o);

describe('parseJsonLines', () => {
  it('parses articles, skipping blank lines and extra fields', () => {
    const content = `\uFEFF${line({ text: 'a b', label: '体育', id: 1 })}\n\n  \r\n${line({ text: 'c', label: 'x' })}\r\n`;
    assert.deepEqual(parseJsonLines(content, 'f.jsonl'), [
      { text: 'a b', label: '体育' },
      { text: 'c', label: 'x' },
    ]);
  });

  const cases: [string, string, RegExp][] = [
    ['invalid JSON', '{"text": "a", "label": ', /^f\.jsonl:3: invalid JSON/],
    ['not an object', '["a", "b"]', /^f\.jsonl:3: expected a JSON object$/],
    ['missing label', line({ text: 'a' }), /^f\.jsonl:3: missing field "label"$/],
    ['missing text', line({ label: 'a' }), /^f\.jsonl:3: missing field "text"$/],
    ['text not a string', line({ text: 5, label: 'a' }), /^f\.jsonl:3: "text" must be a string$/],
    ['label not a string', line({ text: 'a', label: null }), /^f\.jsonl:3: "label" must be a string$/],
  ];
  for (const [name, bad, message] of cases) {
    it(`reports ${name} with file and line`, () => {
      const content = [line({ text: 'ok', label: 'a' }), '', bad, line({ text: 'ok', label: 'b' })].join(
        '\n',
      );
      assert.throws(
        () => parseJsonLines(content, 'f.jsonl'),
        expectError('INVALID_FILE', { file: 'f.jsonl', line: 3 }, message),
      );
    });
  }
});

describe('validateArticles', () => {
  const good: SingleLabelArticle[] = [
    { text: 'one', label: 'sport' },
    { text: 'two', label: '体育' },
    { text: 'three', label: 'sport' },
    { text: 'four', label: '体育' },
    { text: 'five', label: ' sport' },
    { text: 'six', label: ' sport' },
  ];

  it('summarises labels without altering them', () => {
    assert.deepEqual(validateArticles(good), {
      documents: 6,
      multiLabel: false,
      characters: 'onetwothreefourfivesix'.length,
      labels: [' sport', 'sport', '体育'],
      counts: { ' sport': 2, sport: 2, 体育: 2 },
    });
  });

  it('rejects empty or whitespace-only text by index', () => {
    const data = [...good, { text: ' \n\u3000 ', label: 'sport' }];
    assert.throws(
      () => validateArticles(data),
      expectError('INVALID_DATA', { index: 6 }, /article 6: text is empty/),
    );
  });

  it('rejects an empty label', () => {
    const data = [{ text: 'x', label: '' }, ...good];
    assert.throws(() => validateArticles(data), expectError('INVALID_DATA', { index: 0 }, /label is empty/));
  });

  it('rejects a single label', () => {
    const data = good.filter((a) => a.label === 'sport');
    assert.throws(
      () => validateArticles(data, {}, 'f.jsonl'),
      expectError('INVALID_DATA', { file: 'f.jsonl' }, /2 distinct labels/),
    );
    assert.throws(() => validateArticles([]), expectError('INVALID_DATA', {}, /no articles/));
  });

  it('rejects a label with too few examples and names it', () => {
    const data = [...good, { text: 'lonely', label: 'politics' }];
    assert.throws(
      () => validateArticles(data),
      expectError('INVALID_DATA', { label: 'politics', count: 1 }, /"politics"/),
    );
    assert.throws(
      () => validateArticles(good, { minPerLabel: 3 }),
      expectError('INVALID_DATA', { label: ' sport' }),
    );
  });

  it('rejects too many labels', () => {
    assert.throws(
      () => validateArticles(good, { maxLabels: 2 }),
      expectError('TOO_MANY_LABELS', { maxLabels: 2 }),
    );
  });

  it('counts text size in UTF-8 bytes', () => {
    const ascii = [...good, { text: 'e'.repeat(600), label: 'sport' }];
    assert.equal(validateArticles(ascii, { maxTextBytes: 1000 }).documents, 7);
    const wide = [...good, { text: 'é'.repeat(600), label: 'sport' }];
    assert.throws(
      () => validateArticles(wide, { maxTextBytes: 1000 }),
      expectError('PAYLOAD_TOO_LARGE', { index: 6 }),
    );
  });

  it('rejects non-string fields from untyped callers', () => {
    const data = [...good, { text: 42, label: 'sport' } as unknown as SingleLabelArticle];
    assert.throws(() => validateArticles(data), expectError('INVALID_DATA', { index: 6 }));
  });
});

describe('readArticles', () => {
  it('names the real file line of a bad article despite blank lines', () => {
    const content = [
      line({ text: 'a', label: 'x' }),
      '',
      line({ text: 'b', label: 'x' }),
      line({ text: 'c', label: 'y' }),
      '',
      line({ text: '   ', label: 'y' }),
    ].join('\n');
    assert.throws(
      () => readArticles(content, 'train.jsonl'),
      expectError(
        'INVALID_DATA',
        { file: 'train.jsonl', line: 6, index: 3 },
        /^train\.jsonl:6: text is empty$/,
      ),
    );
  });

  it('returns articles and summary for a valid file', () => {
    const content = ['a', 'b', 'c', 'd']
      .map((t, i) => line({ text: t, label: i % 2 ? 'p' : 'q' }))
      .join('\n');
    const { articles, summary } = readArticles(content, 'ok.jsonl');
    assert.equal(articles.length, 4);
    assert.deepEqual(summary.counts, { p: 2, q: 2 });
  });
});

describe('multi-label articles', () => {
  const multi = [
    { text: 'goal and a stock deal', labels: ['sport', 'business'] },
    { text: 'the match', labels: ['sport'] },
    { text: 'shares fell', label: 'business' },
    { text: 'nothing to see here', labels: [] },
  ];

  it('count every label an article carries, `label` as one of them, and allow none', () => {
    assert.deepEqual(validateArticles(multi), {
      documents: 4,
      multiLabel: true,
      characters: multi.reduce((n, a) => n + a.text.length, 0),
      labels: ['business', 'sport'],
      counts: { business: 2, sport: 2 },
    });
  });

  it('need minPerLabel articles per label', () => {
    assert.throws(
      () => validateArticles(multi, { minPerLabel: 3 }),
      expectError('INVALID_DATA', { label: 'business', count: 2 }, /"business" has 2 examples/),
    );
  });

  for (const [what, article, message] of [
    ['both label and labels', { text: 't', label: 'a', labels: ['a'] }, /not both/],
    ['labels that is not an array', { text: 't', labels: 'a' }, /"labels" must be an array/],
    ['a non-string label', { text: 't', labels: ['a', 3] }, /"labels"\[1\] must be a string/],
    ['an empty label', { text: 't', labels: [' '] }, /"labels"\[0\] is empty/],
    ['a repeated label', { text: 't', labels: ['a', 'b', 'a'] }, /repeats "a"/],
  ] as const) {
    it(`reject ${what}, naming the article and its file line`, () => {
      assert.throws(
        () => validateArticles([...multi, article], {}, 'f.jsonl'),
        expectError('INVALID_DATA', { index: 4, file: 'f.jsonl' }, message),
      );
      const lines = [...multi, article].map((a) => JSON.stringify(a)).join('\n');
      assert.throws(
        () => parseJsonLines(lines, 'f.jsonl'),
        (err: AppError) => {
          assert.equal(err.code, 'INVALID_FILE');
          assert.match(err.message, /^f\.jsonl:5: /);
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  it('parse `labels` from JSON Lines as they are', () => {
    const lines = multi.map((a) => JSON.stringify(a)).join('\n');
    assert.deepEqual(parseJsonLines(lines, 'f.jsonl'), multi);
  });
});
