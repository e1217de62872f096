/** Fitting a vectoriser on documents as they come, keeping word ids rather than token lists. */
import {
  resolveVectorizerOptions,
  type ResolvedVectorizerOptions,
  type VectorizerOptions,
} from './options.js';
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
  private chosen?: { vectorizer: Vectorizer; nodes: Int32Array };

  /**
   * @param limits.maxCountedTerms most distinct terms counted at once (default: 20 per vocabulary
   *   term, at least 4 million, ~40 bytes each); beyond it the rarest n-grams are pruned, which only
   *   a corpus with far more distinct n-grams than that reaches
   */
  constructor(opts: Partial<VectorizerOptions> = {}, limits: { maxCountedTerms?: number } = {}) {
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

  /** The fitted vectoriser (the vocabulary is chosen on the first call). */
  vectorizer(): Vectorizer {
    if (!this.chosen) {
      const { terms, nodes, df } = this.counter.select(this.options);
      this.counter.retain(nodes);
      const vectorizer = Vectorizer.fromCounts(this.options, terms, df, this.counter.documents);
      this.chosen = { vectorizer, nodes };
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
    const featureOf = this.featureOfNode();
    const rowPtr = this.rowStarts(featureOf, vectorizer.size);
    const n = this.counter.documents;
    const indices = new Int32Array(rowPtr[n]!);
    const values = new Float32Array(rowPtr[n]!);
    for (let d = 0; d < n; d++) {
      vectorizer.vectorInto(
        (count) =>
          this.counter.forEachTerm(d, (node) => {
            const f = featureOf[node]!;
            if (f >= 0) count(f);
          }),
        indices,
        values,
        rowPtr[d]!,
      );
    }
    return { vectorizer, matrix: { rowPtr, indices, values, numRows: n, numCols: vectorizer.size } };
  }

  /** Where each document's row starts: the running count of its distinct features. */
  private rowStarts(featureOf: Int32Array, features: number): Int32Array {
    const n = this.counter.documents;
    const rowPtr = new Int32Array(n + 1);
    const seenIn = new Int32Array(features).fill(-1);
    for (let d = 0; d < n; d++) {
      let length = 0;
      this.counter.forEachTerm(d, (node) => {
        const f = featureOf[node]!;
        if (f >= 0 && seenIn[f] !== d) {
          seenIn[f] = d;
          length++;
        }
      });
      rowPtr[d + 1] = rowPtr[d]! + length;
    }
    return rowPtr;
  }

  /** Per trie node, its feature id in the chosen vocabulary (-1 when not chosen). */
  private featureOfNode(): Int32Array {
    const { nodes } = this.chosen!;
    const featureOf = new Int32Array(this.counter.nodeCount).fill(-1);
    nodes.forEach((node, f) => (featureOf[node] = f));
    return featureOf;
  }
}
