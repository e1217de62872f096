/** One stored document's ids, split into its word sequence and its CJK character bigrams. */
import type { TokenPool } from './token-pool.js';

/**
 * Scratch arrays reused from document to document: a document is stored as word ids in token
 * order with each character bigram as `-1 - id` (a term outside word n-grams); {@link split}
 * puts the words in `words[0..wordCount)` and the bigrams' ids in `bigrams[0..bigramCount)`.
 */
export class DocumentIds {
  words = new Int32Array(256);
  bigrams = new Int32Array(256);
  wordCount = 0;
  bigramCount = 0;

  /** Splits document `d` of `pool`. */
  split(pool: TokenPool, d: number): void {
    const { block, start, end } = pool.span(d);
    if (this.words.length < end - start) {
      this.words = new Int32Array((end - start) * 2);
      this.bigrams = new Int32Array((end - start) * 2);
    }
    const { words, bigrams } = this;
    let w = 0;
    let b = 0;
    for (let k = start; k < end; k++) {
      const id = block[k]!;
      if (id >= 0) words[w++] = id;
      else bigrams[b++] = -1 - id;
    }
    this.wordCount = w;
    this.bigramCount = b;
  }
}
