/** Fitting a vectoriser on documents as they come, keeping word ids rather than token lists. */
import {
  resolveVectorizerOptions,
  type ResolvedVectorizerOptions,
  type VectorizerOptions,
} from './options.js';
import type { ChosenTerms } from './chosen-terms.js';
import { CountingReader } from './counting-reader.js';
import { TermCounter } from './term-counter.js';
import type { CsrMatrix } from './types.js';
import { Vectorizer } from './vectorizer.js';

/**
 * A vectoriser fit fed one document at a time: `add` each document's tokens, then
 * {@link VectorizerFit.finish} picks the vocabulary and builds the documents' TF-IDF matrix
 * straight into its arrays. The documents are held as word ids (4 bytes a token) in between, not
 * as token lists of strings (ten times that), and no n-gram is ever made into a string unless it
 * could be in the vocabulary; the same vocabulary and rows as fitting on token lists.
 * @throws AppError INVALID_OPTIONS for out-of-range options (at construction)
 */
export class VectorizerFit {
  private readonly options: ResolvedVectorizerOptions;
  private readonly counter: TermCounter;
  private chosen?: { vectorizer: Vectorizer; terms: ChosenTerms };
  private reader?: CountingReader;

  /**
   * @param limits.maxCountedTerms most distinct terms counted at once (default: 20 per vocabulary
   *   term, at least 4 million, ~40 bytes each); beyond it the rarest n-grams are pruned, which only
   *   a corpus with far more distinct n-grams than that reaches
   * @param limits.rawWords most raw words {@link addText} remembers at once (see `CountingReader`)
   */
  constructor(
    opts: Partial<VectorizerOptions> = {},
    private readonly limits: { maxCountedTerms?: number; rawWords?: number } = {},
  ) {
    this.options = resolveVectorizerOptions(opts);
    const cap = limits.maxCountedTerms ?? Math.max(4_000_000, 20 * this.options.maxFeatures);
    this.counter = new TermCounter(this.options.ngramMin, this.options.ngramMax, cap);
  }

  /** See {@link TermCounter.prunedAtOrBelow}: 0 when every count was exact. */
  get prunedAtOrBelow(): number {
    return this.counter.prunedAtOrBelow;
  }

  /** Adds one document's tokens (as {@link tokenize} made them with the options' tokenizer). */
  add(tokens: readonly string[]): void {
    if (this.chosen) throw new Error('VectorizerFit: add after the vocabulary was chosen');
    this.counter.add(tokens);
  }

  /**
   * Tokenises one document with the options' tokenizer and adds it: the same as
   * `add(tokenize(text, options.tokenizer))`, several times faster (no token list, no string per
   * repeated word).
   */
  addText(text: string): void {
    if (this.chosen) throw new Error('VectorizerFit: add after the vocabulary was chosen');
    this.reader ??= new CountingReader(this.counter, this.options.tokenizer, this.limits.rawWords);
    this.reader.add(text);
  }

  /** The fitted vectoriser (the vocabulary is chosen on the first call). */
  vectorizer(): Vectorizer {
    if (!this.chosen) {
      const { terms, nodes, df } = this.counter.select(this.options);
      this.reader = undefined;
      const vectorizer = Vectorizer.fromCounts(this.options, terms, df, this.counter.documents);
      this.chosen = { vectorizer, terms: this.counter.retain(nodes) };
    }
    return this.chosen.vectorizer;
  }

  /**
   * The fitted vectoriser and the TF-IDF matrix of the documents added, one row each in order.
   * Two walks over the documents: the first counts each row's features so that the matrix is
   * allocated once at its exact size (growing it by doubling would peak at three times it).
   */
  finish(): { vectorizer: Vectorizer; matrix: CsrMatrix } {
    const vectorizer = this.vectorizer();
    const chosen = this.chosen!.terms;
    const rowPtr = this.rowStarts(chosen, vectorizer.size);
    const n = this.counter.documents;
    const indices = new Int32Array(rowPtr[n]!);
    const values = new Float32Array(rowPtr[n]!);
    for (let d = 0; d < n; d++) {
      const { ids, count } = chosen.featuresOf(d);
      vectorizer.rowInto(ids, count, indices, values, rowPtr[d]!);
    }
    return { vectorizer, matrix: { rowPtr, indices, values, numRows: n, numCols: vectorizer.size } };
  }

  /** Where each document's row starts: the running count of its distinct features. */
  private rowStarts(chosen: ChosenTerms, features: number): Int32Array {
    const n = this.counter.documents;
    const rowPtr = new Int32Array(n + 1);
    const seenIn = new Int32Array(features).fill(-1);
    for (let d = 0; d < n; d++) {
      let length = 0;
      const { ids, count } = chosen.featuresOf(d);
      for (let k = 0; k < count; k++) {
        const f = ids[k]!;
        if (seenIn[f] !== d) {
          seenIn[f] = d;
          length++;
        }
      }
      rowPtr[d + 1] = rowPtr[d]! + length;
    }
    return rowPtr;
  }
}
