import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/errors/index.js';
import { CJK_BIGRAM_PREFIX, tokenize, Vectorizer, type SparseVector } from '../../src/text/index.js';

function norm(v: SparseVector): number {
  return Math.sqrt(v.values.reduce((s, x) => s + x * x, 0));
}

function dense(v: SparseVector, vec: Vectorizer): Map<string, number> {
  return new Map(Array.from(v.indices, (id, i) => [vec.terms[id] as string, v.values[i] as number]));
}

function assertAppError(code: string): (err: unknown) => boolean {
  return (err) => err instanceof AppError && err.code === code;
}

describe('Vectorizer: vocabulary', () => {
  it('builds word n-grams in the configured range', () => {
    const docs = [['a', 'b', 'c']];
    assert.deepEqual(Vectorizer.fit(docs, { minDf: 1 }).terms, ['a', 'a b', 'b', 'b c', 'c']);
    assert.deepEqual(Vectorizer.fit(docs, { minDf: 1, ngramMin: 2, ngramMax: 2 }).terms, ['a b', 'b c']);
    assert.deepEqual(Vectorizer.fit(docs, { minDf: 1, ngramMax: 3 }).terms, [
      'a',
      'a b',
      'a b c',
      'b',
      'b c',
      'c',
    ]);
  });

  it('keeps CJK character bigrams as single features, outside word n-grams', () => {
    const bigram = CJK_BIGRAM_PREFIX + '手机';
    const vec = Vectorizer.fit([['x', bigram, 'y']], { minDf: 1 });
    assert.deepEqual(vec.terms, [bigram, 'x', 'x y', 'y']);
  });

  it('applies minDf, maxDf and maxFeatures deterministically', () => {
    const docs = [
      ['common', 'b', 'c', 'rare'],
      ['common', 'b', 'c'],
      ['common', 'b', 'd'],
      ['common', 'd', 'e'],
    ];
    const uni = { ngramMax: 1 };
    assert.deepEqual(Vectorizer.fit(docs, { ...uni, minDf: 2 }).terms, ['b', 'c', 'common', 'd']);
    assert.deepEqual(Vectorizer.fit(docs, { ...uni, minDf: 1, maxDf: 0.75 }).terms, [
      'b',
      'c',
      'd',
      'e',
      'rare',
    ]);
    // df: common 4, b 3, c 2, d 2 -> top 3 by df, tie c/d broken by the term, ids in sorted term order.
    assert.deepEqual(Vectorizer.fit(docs, { ...uni, minDf: 1, maxFeatures: 3 }).terms, ['b', 'c', 'common']);
    const shuffled = [docs[3], docs[1], docs[0], docs[2]] as string[][];
    assert.deepEqual(Vectorizer.fit(shuffled).terms, Vectorizer.fit(docs).terms);
  });

  it('rejects out-of-range options', () => {
    assert.throws(
      () => Vectorizer.fit([['a']], { ngramMin: 2, ngramMax: 1 }),
      assertAppError('INVALID_OPTIONS'),
    );
    assert.throws(() => Vectorizer.fit([['a']], { maxDf: 0 }), assertAppError('INVALID_OPTIONS'));
    assert.throws(() => Vectorizer.fit([['a']], { minDf: 0.5 }), assertAppError('INVALID_OPTIONS'));
  });
});

describe('Vectorizer: weights', () => {
  const docs = [
    ['a', 'b'],
    ['a', 'c'],
    ['a', 'b', 'd'],
  ];

  it('uses smooth idf, sublinear tf and L2 normalisation', () => {
    const vec = Vectorizer.fit(docs, { ngramMax: 1, minDf: 1 });
    const n = 3;
    const idf = (df: number) => Math.log((1 + n) / (1 + df)) + 1;
    assert.equal(vec.idf(vec.termId('a') as number), idf(3));
    assert.equal(vec.idf(vec.termId('b') as number), idf(2));
    assert.equal(vec.idf(vec.termId('d') as number), idf(1));

    const v = vec.transformTokens(['b', 'a', 'b', 'unknown']);
    const wa = 1 * idf(3);
    const wb = (1 + Math.log(2)) * idf(2);
    const len = Math.hypot(wa, wb);
    const got = dense(v, vec);
    assert.deepEqual([...got.keys()].sort(), ['a', 'b']);
    assert.ok(Math.abs((got.get('a') as number) - wa / len) < 1e-6);
    assert.ok(Math.abs((got.get('b') as number) - wb / len) < 1e-6);
  });

  it('uses raw counts when sublinearTf is false', () => {
    const vec = Vectorizer.fit(docs, { ngramMax: 1, minDf: 1, sublinearTf: false });
    const got = dense(vec.transformTokens(['a', 'b', 'b', 'b']), vec);
    const ratio = (got.get('b') as number) / (got.get('a') as number);
    assert.ok(
      Math.abs(ratio - (3 * vec.idf(vec.termId('b') as number)) / vec.idf(vec.termId('a') as number)) < 1e-5,
    );
  });

  it('gives unit-norm rows with ascending indices', () => {
    const texts = ['The cat sat on the mat', 'A dog sat on a log', 'The cat and the dog', '猫和狗在北京'];
    const { vectorizer, matrix } = Vectorizer.fitTransform(texts, { minDf: 1 });
    assert.equal(matrix.numRows, texts.length);
    assert.equal(matrix.numCols, vectorizer.size);
    for (let r = 0; r < matrix.numRows; r++) {
      const start = matrix.rowPtr[r] as number;
      const end = matrix.rowPtr[r + 1] as number;
      const row = { indices: matrix.indices.slice(start, end), values: matrix.values.slice(start, end) };
      assert.ok(end > start);
      assert.ok(Math.abs(norm(row) - 1) < 1e-5, `row ${r} norm ${norm(row)}`);
      for (let i = 1; i < row.indices.length; i++)
        assert.ok((row.indices[i - 1] as number) < (row.indices[i] as number));
      assert.deepEqual(row, vectorizer.transform(texts[r] as string), 'fitTransform row == transform(text)');
    }
  });

  it('gives an empty vector (not NaN) for a text without known terms', () => {
    const vec = Vectorizer.fit(docs, { minDf: 1 });
    const v = vec.transform('zebra xylophone !!!');
    assert.equal(v.indices.length, 0);
    assert.equal(v.values.length, 0);
    const m = vec.transformMany(['zebra', '']);
    assert.deepEqual(Array.from(m.rowPtr), [0, 0, 0]);
  });
});

describe('Vectorizer: serialisation', () => {
  const train = [
    'Stocks rallied as the central bank cut interest rates',
    'The striker scored twice as the team won the cup final',
    'Interest rates and bank shares: markets rallied again',
    'The team lost the final after the striker was injured',
    '股市 上涨 央行 降息',
    '球队 赢得 决赛 冠军',
  ];
  const probe = ['Banks rallied after the rate cut', 'The striker won 央行 降息 决赛', 'nothing known here'];

  it('restores from JSON text to bit-identical vectors', () => {
    const { vectorizer } = Vectorizer.fitTransform(train, { minDf: 1, tokenizer: { stem: false } });
    const restored = Vectorizer.fromJSON(JSON.parse(JSON.stringify(vectorizer.toJSON())));
    assert.equal(restored.size, vectorizer.size);
    assert.deepEqual(restored.options, vectorizer.options);
    assert.equal(restored.options.tokenizer.stem, false);
    for (const text of probe) {
      const a = vectorizer.transform(text);
      const b = restored.transform(text);
      assert.deepEqual(Buffer.from(b.indices.buffer), Buffer.from(a.indices.buffer));
      assert.deepEqual(Buffer.from(b.values.buffer), Buffer.from(a.values.buffer));
    }
    const a = vectorizer.transformMany(train);
    const b = restored.transformMany(train);
    assert.deepEqual(Buffer.from(b.values.buffer), Buffer.from(a.values.buffer));
  });

  it('rejects a malformed state as ARTEFACT_CORRUPT', () => {
    const state = Vectorizer.fit([['a', 'b']], { minDf: 1 }).toJSON();
    assert.throws(() => Vectorizer.fromJSON({ ...state, idf: [1] }), assertAppError('ARTEFACT_CORRUPT'));
    assert.throws(() => Vectorizer.fromJSON({ ...state, version: 2 }), assertAppError('ARTEFACT_CORRUPT'));
    assert.throws(
      () => Vectorizer.fromJSON({ ...state, options: { ...state.options, ngramMin: 0 } }),
      assertAppError('ARTEFACT_CORRUPT'),
    );
    assert.throws(() => Vectorizer.fromJSON(null), assertAppError('ARTEFACT_CORRUPT'));
  });
});

describe('Vectorizer: words outside the vocabulary (a drift signal)', () => {
  it("measures each text's share of words that are in no vocabulary term, the same vectors as transformMany", () => {
    const vec = Vectorizer.fit(
      ['football goal match', 'market shares fell'].map((t) => tokenize(t)),
      { minDf: 1 },
    );
    const texts = ['goal zzzqx', 'football match', 'qqqzz wwwyy vvvxx market', '', '...'];
    const { matrix, unknownShare } = vec.transformManyMeasured(texts);
    assert.deepEqual(Array.from(unknownShare), [0.5, 0, 0.75, 0, 0]);
    assert.deepEqual(matrix, vec.transformMany(texts));
  });
});
