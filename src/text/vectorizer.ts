import { AppError } from '../errors/index.js';
import {
  resolveVectorizerOptions,
  type ResolvedVectorizerOptions,
  type VectorizerOptions,
} from './options.js';
import { RowBuilder } from './row-builder.js';
import { termOccurrences, withSpans, type FeatureSpans } from './feature-spans.js';
import { stringBytes, TermIndex } from './term-index.js';
import { TermReader } from './term-reader.js';
import { VectorizerFit } from './fit.js';
import { tokenize } from './tokenizer.js';
import type { CsrMatrix, SparseVector } from './types.js';
import { parseVectorizerState, type VectorizerState } from './state.js';

/**
 * TF-IDF bag of words over word n-grams (and CJK character bigrams): smooth idf
 * `ln((1+N)/(1+df)) + 1`, sublinear tf `1 + ln(count)`, every row L2-normalised, output sparse.
 * Immutable once built; {@link Vectorizer.toJSON}/{@link Vectorizer.fromJSON} round-trip it exactly.
 */
export class Vectorizer {
  readonly options: ResolvedVectorizerOptions;
  readonly numDocuments: number;
  private readonly termList: readonly string[];
  private readonly idfValues: Float64Array;
  private readonly index: TermIndex;
  /** Term -> feature id, built on first use of {@link Vectorizer.termId} (serving never needs it). */
  private ids?: Map<string, number>;
  /** Counts one document's features and weighs them into its row (built on first use). */
  private rowBuilder?: RowBuilder;
  private reader?: TermReader;

  private constructor(
    options: ResolvedVectorizerOptions,
    terms: string[],
    idf: Float64Array,
    numDocs: number,
    index?: TermIndex,
  ) {
    this.options = options;
    this.termList = Object.freeze(terms);
    this.idfValues = idf;
    this.numDocuments = numDocs;
    this.index = index ?? TermIndex.buildSync(terms);
  }

  /**
   * Restores a vectoriser from its parts (the binary form a model artefact stores), building the
   * term index in slices and awaiting `pause()` between them, so a serving process that loads a
   * large vocabulary keeps answering requests. `AppError('ARTEFACT_CORRUPT')` if malformed.
   */
  static async restore(
    parts: { options: unknown; numDocuments: number; terms: string[]; idf: Float64Array },
    pause: () => Promise<void> = () => Promise.resolve(),
  ): Promise<Vectorizer> {
    parseVectorizerState({ ...parts, version: 1, terms: [], idf: [] });
    if (parts.idf.length !== parts.terms.length) throw corruptState('terms and idf differ in length');
    const options = storedOptions(parts.options);
    if (!parts.idf.every(Number.isFinite)) throw corruptState('idf must be finite');
    const index = await TermIndex.build(parts.terms, pause);
    if (index.duplicates > 0) throw corruptState('duplicate terms');
    return new Vectorizer(options, parts.terms, parts.idf, parts.numDocuments, index);
  }

  /**
   * Bytes held for serving, estimated: the terms, idf, the term index and the scratch arrays a
   * transform uses (see {@link TermIndex.memoryBytes}).
   */
  memoryBytes(): number {
    let terms = 0;
    for (const t of this.termList) terms += stringBytes(t) + 8; // and its slot in the array
    const scratch = 4 * this.termList.length + (this.rowBuilder?.touchedBytes() ?? 1024);
    return terms + this.idfValues.byteLength + scratch + this.index.memoryBytes();
  }

  /** The parts `restore` takes: options, document count, terms and idf (binary-friendly). */
  parts(): {
    options: ResolvedVectorizerOptions;
    numDocuments: number;
    terms: readonly string[];
    idf: Float64Array;
  } {
    return {
      options: this.options,
      numDocuments: this.numDocuments,
      terms: this.termList,
      idf: this.idfValues,
    };
  }

  /**
   * Learns vocabulary and idf from token lists (made by {@link tokenize} with `opts.tokenizer`).
   * Throws `AppError('INVALID_OPTIONS')` for out-of-range options.
   */
  static fit(tokenLists: readonly (readonly string[])[], opts: Partial<VectorizerOptions> = {}): Vectorizer {
    const fitting = new VectorizerFit(opts);
    for (const tokens of tokenLists) fitting.add(tokens);
    return fitting.vectorizer();
  }

  /** @internal The vectoriser {@link VectorizerFit} chose: options, sorted terms, their df, N. */
  static fromCounts(o: ResolvedVectorizerOptions, terms: string[], df: Int32Array, n: number): Vectorizer {
    const idf = Float64Array.from(df, (d) => Math.log((1 + n) / (1 + d)) + 1);
    return new Vectorizer(o, terms, idf, n);
  }

  /** Tokenises every text once, fits, and returns the fitted vectoriser with the texts' matrix. */
  static fitTransform(
    texts: readonly string[],
    opts: Partial<VectorizerOptions> = {},
  ): { vectorizer: Vectorizer; matrix: CsrMatrix } {
    const fitting = new VectorizerFit(opts);
    for (const t of texts) fitting.addText(t);
    return fitting.finish();
  }

  /** Restores a vectoriser saved with {@link Vectorizer.toJSON}; `AppError('ARTEFACT_CORRUPT')` if malformed. */
  static fromJSON(state: unknown): Vectorizer {
    const s = parseVectorizerState(state);
    const options = storedOptions(s.options);
    return new Vectorizer(options, [...s.terms], Float64Array.from(s.idf), s.numDocuments);
  }

  /** Plain JSON-serialisable state: resolved options, terms (feature id = position) and idf. */
  toJSON(): VectorizerState {
    return {
      version: 1,
      options: { ...this.options, tokenizer: { ...this.options.tokenizer } },
      numDocuments: this.numDocuments,
      terms: [...this.termList],
      idf: Array.from(this.idfValues),
    };
  }

  /** Vocabulary size = number of feature columns. */
  get size(): number {
    return this.termList.length;
  }

  /** The vocabulary; feature id `i` is `terms[i]` (for debugging and explanations). */
  get terms(): readonly string[] {
    return this.termList;
  }

  /** Feature id of a term, or undefined when it is not in the vocabulary. */
  termId(term: string): number | undefined {
    this.ids ??= new Map(this.termList.map((t, i) => [t, i]));
    return this.ids.get(term);
  }

  /** idf weight of feature `id`. */
  idf(id: number): number {
    const v = this.idfValues[id];
    if (v === undefined) throw new RangeError(`feature id ${id} out of range`);
    return v;
  }

  /** Tokenises with the options stored at fit time. */
  tokenize(text: string): string[] {
    return tokenize(text, this.options.tokenizer);
  }

  /** Vector of one token list; unknown terms are ignored, no known term gives an empty vector. */
  transformTokens(tokens: readonly string[]): SparseVector {
    this.index.forEachTermId(tokens, this.options.ngramMin, this.options.ngramMax, this.countTerm);
    return this.takeVector();
  }

  /** Vector of one text; the same as `transformTokens(tokenize(text))` without the token list. */
  transform(text: string): SparseVector {
    this.reader ??= new TermReader(
      this.index,
      this.options.tokenizer,
      this.options.ngramMin,
      this.options.ngramMax,
    );
    this.reader.forEachTermId(text, this.countTerm);
    return this.takeVector();
  }

  /**
   * {@link Vectorizer.transform}'s vector of `text` (same ids and values) with the spans of every
   * occurrence of each feature in the original (`tokenizeWithSpans`): for explanations, not serving.
   */
  transformWithSpans(text: string): FeatureSpans {
    const occ = termOccurrences(text, this.options, this.index);
    for (let k = 0; k < occ.count; k++) this.countTerm(occ.ids[k]!);
    return withSpans(this.takeVector(), occ);
  }

  /**
   * The row of the feature ids `ids[0]` to `ids[count - 1]` (each one occurrence), written
   * straight into a matrix's arrays at `at` (no arrays per row: a fit builds a million rows);
   * returns the row's length.
   */
  rowInto(ids: Int32Array, count: number, indices: Int32Array, values: Float32Array, at: number): number {
    const rows = this.rows();
    for (let k = 0; k < count; k++) rows.count(ids[k]!);
    return rows.writeInto(indices, values, at);
  }

  /** Counts one occurrence of feature `id` in the document being transformed. */
  private readonly countTerm = (id: number): void => this.rows().count(id);

  /** The vector of the features counted since the last call; resets the counts. */
  private takeVector(): SparseVector {
    return this.rows().take();
  }

  private rows(): RowBuilder {
    return (this.rowBuilder ??= new RowBuilder(this.idfValues, this.options.sublinearTf));
  }

  /** CSR matrix of many texts (one row per text). */
  transformMany(texts: readonly string[]): CsrMatrix {
    return this.stack(texts.map((t) => this.transform(t)));
  }

  /**
   * {@link transformMany}, and for each text the share of its words that are in no vocabulary
   * term (what serving reports as a drift signal).
   */
  transformManyMeasured(texts: readonly string[]): { matrix: CsrMatrix; unknownShare: Float32Array } {
    const unknownShare = new Float32Array(texts.length);
    const rows = texts.map((t, i) => {
      const row = this.transform(t);
      unknownShare[i] = this.reader!.unknownShare;
      return row;
    });
    return { matrix: this.stack(rows), unknownShare };
  }

  /** CSR matrix of many token lists. */
  transformManyTokens(tokenLists: readonly (readonly string[])[]): CsrMatrix {
    return this.stack(tokenLists.map((t) => this.transformTokens(t)));
  }

  private stack(rows: SparseVector[]): CsrMatrix {
    const rowPtr = new Int32Array(rows.length + 1);
    rows.forEach((r, i) => {
      rowPtr[i + 1] = (rowPtr[i] as number) + r.indices.length;
    });
    const nnz = rowPtr[rows.length] as number;
    const indices = new Int32Array(nnz);
    const values = new Float32Array(nnz);
    rows.forEach((r, i) => {
      indices.set(r.indices, rowPtr[i]);
      values.set(r.values, rowPtr[i]);
    });
    return { rowPtr, indices, values, numRows: rows.length, numCols: this.size };
  }
}

function corruptState(problem: string, cause?: unknown): AppError {
  const options = cause === undefined ? undefined : { cause };
  return new AppError('ARTEFACT_CORRUPT', `Invalid vectorizer state: ${problem}`, {}, options);
}

/** Resolves options read from an artefact: out of range means the artefact is corrupt. */
function storedOptions(options: unknown): ResolvedVectorizerOptions {
  try {
    return resolveVectorizerOptions(options as Partial<VectorizerOptions>);
  } catch (err) {
    throw corruptState((err as Error).message, err);
  }
}
