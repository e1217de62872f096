/** Fitting a vectoriser on documents as they come, keeping word ids rather than token lists. */
import { doubled } from './arrays.js';
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

  constructor(opts: Partial<VectorizerOptions> = {}) {
    this.options = resolveVectorizerOptions(opts);
    this.counter = new TermCounter(this.options.ngramMin, this.options.ngramMax);
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
      const vectorizer = Vectorizer.fromCounts(this.options, terms, df, this.counter.documents);
      this.chosen = { vectorizer, nodes };
    }
    return this.chosen.vectorizer;
  }

  /** The fitted vectoriser and the TF-IDF matrix of the documents added, one row each in order. */
  finish(): { vectorizer: Vectorizer; matrix: CsrMatrix } {
    const vectorizer = this.vectorizer();
    const featureOf = this.featureOfNode();
    const n = this.counter.documents;
    const rowPtr = new Int32Array(n + 1);
    let indices = new Int32Array(Math.max(16, n * 8));
    let values = new Float32Array(indices.length);
    let nnz = 0;
    for (let d = 0; d < n; d++) {
      const row = vectorizer.vectorOf((count) =>
        this.counter.forEachTerm(d, (node) => {
          const f = featureOf[node]!;
          if (f >= 0) count(f);
        }),
      );
      while (nnz + row.indices.length > indices.length) {
        indices = doubled(indices);
        values = grownFloats(values);
      }
      indices.set(row.indices, nnz);
      values.set(row.values, nnz);
      nnz += row.indices.length;
      rowPtr[d + 1] = nnz;
    }
    return {
      vectorizer,
      // Trimmed copies: the slack of the last doubling is not kept for the whole training.
      matrix: {
        rowPtr,
        indices: indices.slice(0, nnz),
        values: values.slice(0, nnz),
        numRows: n,
        numCols: vectorizer.size,
      },
    };
  }

  /** Per trie node, its feature id in the chosen vocabulary (-1 when not chosen). */
  private featureOfNode(): Int32Array {
    const { nodes } = this.chosen!;
    const featureOf = new Int32Array(this.counter.nodeCount).fill(-1);
    nodes.forEach((node, f) => (featureOf[node] = f));
    return featureOf;
  }
}

function grownFloats(a: Float32Array<ArrayBuffer>): Float32Array<ArrayBuffer> {
  const grown = new Float32Array(a.length * 2);
  grown.set(a);
  return grown;
}
