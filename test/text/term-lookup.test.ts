import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/errors/index.js';
import {
  CJK_BIGRAM_PREFIX,
  countTerms,
  tokenize,
  Vectorizer,
  type SparseVector,
} from '../../src/text/index.js';
import { ABSENT, WordTable } from '../../src/text/word-table.js';
import { syntheticArticles } from '../fixtures/synthetic.js';

/** Seeded, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const WORDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', '<url>', '£', 'über', '<num7>'];
const BIGRAMS = ['手机', '机场', '北京'].map((b) => CJK_BIGRAM_PREFIX + b);

function randomDoc(next: () => number): string[] {
  const n = Math.floor(next() * 30);
  return Array.from({ length: n }, () =>
    next() < 0.15 ? BIGRAMS[Math.floor(next() * BIGRAMS.length)]! : WORDS[Math.floor(next() * WORDS.length)]!,
  );
}

/** The definition: count the document's terms by string, keep the vocabulary's, weight, normalise. */
function reference(vec: Vectorizer, tokens: string[]): Map<string, number> {
  const o = vec.options;
  const known = new Set(vec.terms);
  const weights = new Map<string, number>();
  for (const [term, count] of countTerms(tokens, o.ngramMin, o.ngramMax)) {
    if (!known.has(term)) continue;
    const tf = o.sublinearTf ? 1 + Math.log(count) : count;
    weights.set(term, tf * vec.idf(vec.termId(term)!));
  }
  const norm = Math.sqrt([...weights.values()].reduce((s, w) => s + w * w, 0));
  return new Map([...weights].map(([t, w]) => [t, Math.fround(w / norm)]));
}

function asMap(vec: Vectorizer, v: SparseVector): Map<string, number> {
  return new Map(Array.from(v.indices, (id, i) => [vec.terms[id]!, v.values[i]!]));
}

describe('Vectorizer: term lookup', () => {
  const ranges: [number, number][] = [
    [1, 1],
    [1, 2],
    [2, 2],
    [1, 3],
    [2, 3],
  ];
  for (const [ngramMin, ngramMax] of ranges) {
    it(`counts exactly the vocabulary's n-grams (${ngramMin}..${ngramMax}), trimmed vocabularies included`, async () => {
      const next = rng(ngramMin * 10 + ngramMax);
      const train = Array.from({ length: 60 }, () => randomDoc(next));
      const unseen = Array.from({ length: 200 }, () => randomDoc(next));
      // A small maxFeatures keeps some n-grams while dropping shorter n-grams inside them.
      for (const maxFeatures of [7, 40, 100_000]) {
        const fitted = Vectorizer.fit(train, { minDf: 1, ngramMin, ngramMax, maxFeatures });
        const restored = await Vectorizer.restore(fitted.parts() as Parameters<typeof Vectorizer.restore>[0]);
        for (const vec of [fitted, restored]) {
          for (const doc of [...train, ...unseen]) {
            const v = vec.transformTokens(doc);
            assert.deepEqual(
              Array.from(v.indices),
              [...v.indices].sort((x, y) => x - y),
            );
            assert.deepEqual(asMap(vec, v), reference(vec, doc), `doc ${doc.join(' ')}`);
          }
        }
      }
    });
  }

  it('vectorises a text exactly as its token list (the serving path skips the list)', () => {
    const odd = [
      "The company's shares didn't fall: they rose 3.5% to £1,234,567 at www.bbc.co.uk today",
      'Call 09061701461 now!! FREE entry, txt WIN to 87121 (£1.50/msg) http://x.co/a',
      '北京时间今天，手机市场 sales in 北京 rose; 東京の天気は晴れ',
      'café naïve CAFÉ Straße ß ² ½ Ⅻ 😀 e\u0301clair',
      '',
      'the and of a',
    ];
    const texts = [...syntheticArticles(30, 4).map((a) => a.text), ...odd];
    for (const [ngramMax, punctuation] of [
      [1, false],
      [2, false],
      [3, false],
      [2, true],
    ] as const) {
      const vec = Vectorizer.fitTransform(texts, {
        minDf: 1,
        ngramMax,
        tokenizer: { punctuation },
      }).vectorizer;
      // Twice over: the second pass answers repeated words from the reader's table.
      for (const text of [...texts, ...texts, ...texts.map((t) => t.toUpperCase())]) {
        const a = vec.transform(text);
        const b = vec.transformTokens(tokenize(text, vec.options.tokenizer));
        assert.deepEqual(Array.from(a.indices), Array.from(b.indices), text);
        assert.deepEqual(Array.from(a.values), Array.from(b.values), text);
      }
    }
  });

  it('word table: finds words by slice, and starts over when full', () => {
    const table = new WordTable(3);
    const text = 'alpha beta gamma delta';
    table.set(text, 0, 5, 10);
    table.set(text, 6, 10, 11);
    assert.equal(table.get('xalpha', 1, 6), 10);
    assert.equal(table.get(text, 6, 10), 11);
    assert.equal(table.get(text, 6, 9), ABSENT);
    assert.equal(table.get(text, 11, 16), ABSENT);
    table.set(text, 11, 16, 12);
    table.set(text, 17, 22, 13); // the fourth word: the table starts over
    assert.equal(table.get(text, 0, 5), ABSENT);
    assert.equal(table.get(text, 17, 22), 13);
  });

  it('rejects a stored vocabulary that lists a term twice', async () => {
    const parts = Vectorizer.fit([['a', 'b']], { minDf: 1 }).parts();
    await assert.rejects(
      Vectorizer.restore({ ...parts, terms: ['a', 'a', 'b'], idf: new Float64Array([1, 1, 1]) }),
      (err) => err instanceof AppError && err.code === 'ARTEFACT_CORRUPT',
    );
  });
});
