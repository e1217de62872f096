import { isCharBigram } from './cjk.js';

/**
 * Counts the terms of one token list: word n-grams of length `ngramMin..ngramMax` over the word tokens
 * (joined with a space, which no token contains), plus each CJK character-bigram token as a term of its
 * own: n-grams of character bigrams would only repeat what the word n-grams already say.
 */
export function countTerms(
  tokens: readonly string[],
  ngramMin: number,
  ngramMax: number,
): Map<string, number> {
  const counts = new Map<string, number>();
  const words: string[] = [];
  for (const t of tokens) {
    if (isCharBigram(t)) counts.set(t, (counts.get(t) ?? 0) + 1);
    else words.push(t);
  }
  for (let n = ngramMin; n <= ngramMax; n++) {
    for (let i = 0; i + n <= words.length; i++) {
      // Unigrams and bigrams are nearly all terms: build them without an intermediate array.
      const term =
        n === 1
          ? (words[i] as string)
          : n === 2
            ? `${words[i] as string} ${words[i + 1] as string}`
            : words.slice(i, i + n).join(' ');
      counts.set(term, (counts.get(term) ?? 0) + 1);
    }
  }
  return counts;
}
