import {
  tokenize,
  VectorizerFit,
  type Article,
  type Corpus,
  type CsrMatrix,
  type TokenizerOptions,
  type Vectorizer,
} from '../text/index.js';
import { LabelTally } from './labels.js';
import { throwIfAborted, yieldToEventLoop } from './epoch.js';
import type { TrainOptions } from './options.js';

/** The training documents as the network sees them. */
export interface Features {
  vectorizer: Vectorizer;
  /** TF-IDF rows, one per document, in input order. */
  x: CsrMatrix;
  /** Sorted label names; `y` and `targets` hold indices into it. */
  labels: string[];
  /** Class index per document (single-label); -1 in a multi-label set. */
  y: Int32Array;
  /** Multi-label sets only: multi-hot targets, row-major [documents, labels]. */
  targets?: Uint8Array;
  /** Incremental runs: what the data added to the base model's vocabulary and labels. */
  added?: { terms: number; labels: string[] };
}

/** Every document's tokens; `onProgress` hears of it every 256 documents. Yields once done. */
export async function tokenizeAll(
  data: readonly Article[],
  tokenizer: TokenizerOptions,
  onProgress?: (done: number, total: number) => void,
): Promise<string[][]> {
  const tokenLists = data.map((a, i) => {
    if (onProgress && i % 256 === 0) onProgress(i, data.length);
    return tokenize(a.text, tokenizer);
  });
  await yieldToEventLoop();
  return tokenLists;
}

/**
 * One walk over the corpus: indexes the labels, tokenises the documents and counts them into the
 * vectoriser's fit; then picks the vocabulary and builds the sparse feature matrix. Only word ids
 * are kept per document, so a streamed corpus is never held as articles. `onProgress` hears of
 * the tokenising every 256 documents; cancellation is checked between batches.
 * @throws AppError INVALID_DATA (fewer than 2 labels), CANCELLED
 */
export async function fitFeatures(
  corpus: Corpus,
  options: TrainOptions,
  signal?: AbortSignal,
  onProgress?: (done: number, total: number) => void,
): Promise<Features> {
  const n = corpus.documents;
  const tokenizer = {
    stem: options.stem,
    stopWords: options.stopWords,
    cjkCharBigrams: options.cjkCharBigrams,
    punctuation: options.punctuation,
  };
  const fitting = new VectorizerFit({
    ngramMin: options.ngramMin,
    ngramMax: options.ngramMax,
    // A tiny corpus cannot meet a large minDf: cap it at half the documents so some terms survive.
    minDf: Math.min(options.minDf, Math.max(1, Math.floor(n / 2))),
    maxFeatures: options.maxFeatures,
    tokenizer,
  });
  const tally = new LabelTally(corpus.multiLabel);
  let i = 0;
  for await (const batch of corpus.batches()) {
    for (const a of batch) {
      if (onProgress && i % 256 === 0) onProgress(i, n);
      tally.add(a);
      fitting.addText(a.text);
      i++;
    }
    throwIfAborted(signal);
  }
  const targets = tally.finish();
  await yieldToEventLoop();
  const { vectorizer, matrix: x } = fitting.finish();
  onProgress?.(n, n);
  await yieldToEventLoop();
  throwIfAborted(signal);
  return { vectorizer, x, ...targets };
}
