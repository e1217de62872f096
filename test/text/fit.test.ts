import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  countTerms,
  tokenize,
  Vectorizer,
  VectorizerFit,
  type VectorizerOptions,
} from '../../src/text/index.js';
import { Rng } from '../../src/training/rng.js';

/** The vocabulary by the definition: df from per-document term sets, minDf/maxDf, then the top maxFeatures (ties by term). */
function byDefinition(
  docs: string[][],
  o: Required<Omit<VectorizerOptions, 'tokenizer' | 'sublinearTf'>>,
): string[] {
  const df = new Map<string, number>();
  for (const d of docs)
    for (const t of countTerms(d, o.ngramMin, o.ngramMax).keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  let kept = [...df].filter(([, c]) => c >= o.minDf && c <= o.maxDf * docs.length);
  kept.sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]));
  kept = kept.slice(0, o.maxFeatures);
  return kept.map((e) => e[0]).sort(cmp);
}

const WORDS = [
  'market',
  'shares',
  'goal',
  'match',
  'phone',
  'chip',
  'vote',
  'party',
  'film',
  'star',
  'rose',
  'fell',
];
const HAN = ['手机', '芯片', '股市', '比赛', '电影', '选举'];

/** Random documents mixing English words (Zipf-like), Chinese runs (character bigrams) and numbers. */
function corpus(rng: Rng, n: number): string[] {
  return Array.from({ length: n }, () => {
    const parts: string[] = [];
    const len = 1 + Math.floor(rng.next() * 14);
    for (let i = 0; i < len; i++) {
      const r = rng.next();
      if (r < 0.15)
        parts.push(HAN[Math.floor(rng.next() * HAN.length)]! + HAN[Math.floor(rng.next() * HAN.length)]!);
      else if (r < 0.2) parts.push(String(Math.floor(rng.next() * 1e7)));
      else parts.push(WORDS[Math.floor(rng.next() ** 2 * WORDS.length)]! + (rng.next() < 0.3 ? 'ing' : ''));
    }
    return parts.join(' ');
  });
}

describe('VectorizerFit: documents as they come', () => {
  it('chooses the vocabulary by its definition, and rows equal the fitted vectoriser transforming each text', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 40; trial++) {
      const ngramMin = trial % 5 === 0 ? 2 : 1;
      const o = {
        ngramMin,
        ngramMax: Math.max(ngramMin, 1 + (trial % 3)),
        minDf: 1 + (trial % 3),
        maxDf: trial % 4 === 0 ? 0.6 : 1,
        maxFeatures: 3 + Math.floor(rng.next() * 120),
      };
      const texts = corpus(rng, 5 + Math.floor(rng.next() * 60));
      const tokenLists = texts.map((t) => tokenize(t));
      const fitting = new VectorizerFit(o);
      for (const tokens of tokenLists) fitting.add(tokens);
      const { vectorizer, matrix } = fitting.finish();
      assert.deepEqual(vectorizer.terms, byDefinition(tokenLists, o), `trial ${trial}`);
      assert.equal(matrix.numRows, texts.length);
      texts.forEach((text, r) => {
        const want = vectorizer.transform(text);
        const from = matrix.rowPtr[r]!;
        const to = matrix.rowPtr[r + 1]!;
        assert.deepEqual(
          Array.from(matrix.indices.subarray(from, to)),
          Array.from(want.indices),
          `trial ${trial} row ${r}`,
        );
        assert.deepEqual(
          Array.from(matrix.values.subarray(from, to)),
          Array.from(want.values),
          `trial ${trial} row ${r}`,
        );
      });
    }
  });

  it('breaks a tie at the cut by term even when thousands of terms share it', () => {
    const rng = new Rng(5);
    // 3,000 documents of five random words each: nearly every term occurs once.
    const docs = Array.from({ length: 3000 }, () =>
      Array.from({ length: 5 }, () => `w${Math.floor(rng.next() * 1e6).toString(36)}`),
    );
    for (const maxFeatures of [1, 17, 2500, 9000]) {
      const o = { ngramMin: 1, ngramMax: 2, minDf: 1, maxDf: 1, maxFeatures };
      assert.deepEqual(Vectorizer.fit(docs, o).terms, byDefinition(docs, o), `maxFeatures ${maxFeatures}`);
    }
  });

  it('keeps a tie of hundreds of thousands of terms (more than a call takes as arguments)', () => {
    const rng = new Rng(8);
    const docs = Array.from({ length: 40_000 }, () =>
      Array.from({ length: 4 }, () => `v${Math.floor(rng.next() * 1e9).toString(36)}`),
    );
    const o = { ngramMin: 1, ngramMax: 2, minDf: 1, maxDf: 1, maxFeatures: 200_000 };
    assert.deepEqual(Vectorizer.fit(docs, o).terms, byDefinition(docs, o));
  });

  it('prunes rare n-grams beyond its cap and still finds the frequent terms, with rows as transform gives', () => {
    const rng = new Rng(21);
    // Frequent phrases that carry the vocabulary, in a sea of once-seen noise words.
    const texts = Array.from({ length: 3000 }, (_, i) => {
      const noise = Array.from({ length: 6 }, () => `n${Math.floor(rng.next() * 1e9).toString(36)}`);
      return [
        ...noise.slice(0, 3),
        WORDS[i % WORDS.length],
        WORDS[(i * 7) % WORDS.length],
        ...noise.slice(3),
      ].join(' ');
    });
    const o = { ngramMin: 1, ngramMax: 2, minDf: 2, maxDf: 1, maxFeatures: 100 };
    const exact = new VectorizerFit(o);
    const capped = new VectorizerFit(o, { maxCountedTerms: 30_000 });
    for (const t of texts) {
      exact.add(tokenize(t));
      capped.add(tokenize(t));
    }
    assert.equal(exact.prunedAtOrBelow, 0);
    assert.ok(capped.prunedAtOrBelow >= 1, 'the cap was reached and rare n-grams pruned');
    const a = exact.finish();
    const b = capped.finish();
    assert.deepEqual(b.vectorizer.terms, a.vectorizer.terms);
    assert.deepEqual(b.matrix.rowPtr, a.matrix.rowPtr);
    assert.deepEqual(b.matrix.indices, a.matrix.indices);
    // A term pruned while still rare was counted afresh: its df is a lower bound, so its idf (and
    // the rows' weights) may be a little higher, never lower.
    for (let i = 0; i < a.vectorizer.size; i++) {
      assert.ok(b.vectorizer.idf(i) >= a.vectorizer.idf(i) - 1e-12, `idf of ${a.vectorizer.terms[i]}`);
      assert.ok(b.vectorizer.idf(i) <= a.vectorizer.idf(i) * 1.05, `idf of ${a.vectorizer.terms[i]}`);
    }
    texts.slice(0, 50).forEach((t, r) => {
      const want = b.vectorizer.transform(t);
      assert.deepEqual(b.matrix.values.subarray(b.matrix.rowPtr[r], b.matrix.rowPtr[r + 1]), want.values);
    });
  });

  it('gives Vectorizer.fitTransform the same vectoriser and rows', () => {
    const texts = corpus(new Rng(3), 50);
    const a = Vectorizer.fitTransform(texts, { minDf: 1 });
    const fitting = new VectorizerFit({ minDf: 1 });
    for (const t of texts) fitting.add(tokenize(t));
    const b = fitting.finish();
    assert.deepEqual(a.vectorizer.toJSON(), b.vectorizer.toJSON());
    assert.deepEqual(a.matrix, b.matrix);
    assert.throws(() => fitting.add(['late']), /after the vocabulary was chosen/);
  });

  it('keeps every document whole around its id blocks: one longer than a block, empty ones, many small', () => {
    // Token lists straight in (no tokenising): a block holds 2^20 ids.
    const rng = new Rng(5);
    const words = (n: number) => Array.from({ length: n }, () => `w${Math.floor(rng.next() * 300)}`);
    const docs = [
      words(5),
      words((1 << 20) + 7),
      [],
      words(3),
      ...Array.from({ length: 400 }, () => words(2700)),
    ];
    docs.splice(200, 0, words((1 << 20) - 1), []);
    const o = { minDf: 1, ngramMax: 2 };
    const fitting = new VectorizerFit(o);
    for (const d of docs) fitting.add(d);
    const { vectorizer, matrix } = fitting.finish();
    docs.forEach((d, r) => {
      const want = vectorizer.transformTokens(d);
      const [from, to] = [matrix.rowPtr[r], matrix.rowPtr[r + 1]];
      assert.deepEqual(matrix.indices.subarray(from, to), want.indices, `row ${r}`);
      assert.deepEqual(matrix.values.subarray(from, to), want.values, `row ${r}`);
    });
  });

  it('addText counts what add(tokenize(text)) counts, whatever the tokenizer options and however full its word table', () => {
    const rng = new Rng(17);
    const extra = [
      "the company's shares",
      "don't",
      'https://example.com/x?y=1',
      'call 0800123456 now',
      '£100 €5 $3',
      'café naïve ΣΊΣΥΦΟΣ',
      'hello, world! ... ??? 😀',
      'x'.repeat(60),
      'running runs ran',
      'Ｆｕｌｌｗｉｄｔｈ',
    ];
    const texts = corpus(rng, 400).map((t, i) => {
      const noise = `z${Math.floor(rng.next() * 1e6).toString(36)}`;
      return `${t} ${extra[i % extra.length]} ${noise} ${t.slice(0, 9)}`;
    });
    const tokenizers = [
      {},
      { stem: false, stopWords: false },
      { punctuation: true },
      { cjkCharBigrams: false },
    ];
    for (const tokenizer of tokenizers) {
      for (const rawWords of [undefined, 40]) {
        const o = { minDf: 1, ngramMax: 2, tokenizer };
        const byTokens = new VectorizerFit(o);
        const byText = new VectorizerFit(o, { rawWords });
        for (const t of texts) {
          byTokens.add(tokenize(t, tokenizer));
          byText.addText(t);
        }
        const a = byTokens.finish();
        const b = byText.finish();
        const what = `${JSON.stringify(tokenizer)}, rawWords ${rawWords}`;
        assert.deepEqual(b.vectorizer.toJSON(), a.vectorizer.toJSON(), what);
        assert.deepEqual(b.matrix, a.matrix, what);
        assert.throws(() => byText.addText('late'), /after the vocabulary was chosen/);
      }
    }
  });
});
