import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/errors/index.js';
import { CJK_BIGRAM_PREFIX, countTerms, Vectorizer, type SparseVector } from '../../src/text/index.js';

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

  it('rejects a stored vocabulary that lists a term twice', async () => {
    const parts = Vectorizer.fit([['a', 'b']], { minDf: 1 }).parts();
    await assert.rejects(
      Vectorizer.restore({ ...parts, terms: ['a', 'a', 'b'], idf: new Float64Array([1, 1, 1]) }),
      (err) => err instanceof AppError && err.code === 'ARTEFACT_CORRUPT',
    );
  });
});
