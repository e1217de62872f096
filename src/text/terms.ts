import { isCharBigram } from './cjk.js';

/**
 * Calls `visit` once per term occurrence of one token list: word n-grams of length
 * `ngramMin..ngramMax` over the word tokens (joined with a space, which no token contains), plus
 * each CJK character-bigram token as a term of its own: n-grams of character bigrams would only
 * repeat what the word n-grams already say. Fitting and transforming both walk terms this way, so
 * serving sees exactly the terms training saw.
 */
export function forEachTerm(
  tokens: readonly string[],
  ngramMin: number,
  ngramMax: number,
  visit: (term: string) => void,
): void {
  const words: string[] = [];
  for (const t of tokens) {
    if (isCharBigram(t)) visit(t);
    else words.push(t);
  }
  for (let n = ngramMin; n <= ngramMax; n++) {
    for (let i = 0; i + n <= words.length; i++) {
      // Unigrams and bigrams are nearly all terms: build them without an intermediate array.
      visit(
        n === 1
          ? (words[i] as string)
          : n === 2
            ? `${words[i] as string} ${words[i + 1] as string}`
            : words.slice(i, i + n).join(' '),
      );
    }
  }
}

/** How often each term (see {@link forEachTerm}) occurs in one token list. */
export function countTerms(
  tokens: readonly string[],
  ngramMin: number,
  ngramMax: number,
): Map<string, number> {
  const counts = new Map<string, number>();
  forEachTerm(tokens, ngramMin, ngramMax, (term) => counts.set(term, (counts.get(term) ?? 0) + 1));
  return counts;
}
