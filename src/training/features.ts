import { AppError } from '../errors/index.js';
import {
  articleLabels,
  isMultiLabel,
  tokenize,
  VectorizerFit,
  type Vectorizer,
  type Article,
  type CsrMatrix,
  type TokenizerOptions,
} from '../text/index.js';
import { throwIfAborted, yieldToEventLoop } from './loop.js';
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

/**
 * Label names and targets: a class index per document, or multi-hot rows for a multi-label set.
 * `known` labels (a base model's) are among the names even when no document carries them.
 */
export function labelIndex(
  data: readonly Article[],
  known: readonly string[] = [],
): Pick<Features, 'labels' | 'y' | 'targets'> {
  const labels = [...new Set([...known, ...data.flatMap((a) => articleLabels(a))])].sort();
  const index = new Map(labels.map((l, i) => [l, i]));
  if (!isMultiLabel(data)) {
    return { labels, y: Int32Array.from(data, (a) => index.get((a as { label: string }).label)!) };
  }
  const c = labels.length;
  const targets = new Uint8Array(data.length * c);
  data.forEach((a, r) => {
    for (const l of articleLabels(a)) targets[r * c + index.get(l)!] = 1;
  });
  return { labels, y: new Int32Array(data.length).fill(-1), targets };
}

/** The label index; AppError INVALID_DATA with fewer than 2 labels. */
export function checkedLabels(
  data: readonly Article[],
  known: readonly string[] = [],
): Pick<Features, 'labels' | 'y' | 'targets'> {
  const targets = labelIndex(data, known);
  if (targets.labels.length < 2) throw new AppError('INVALID_DATA', 'training needs at least 2 labels');
  return targets;
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
 * Indexes the labels, tokenises the documents, fits the vectoriser on them and builds the sparse
 * feature matrix. Yields to the event loop between the heavy steps, since a large corpus takes a
 * while to tokenise and vectorise; `onProgress` hears of the tokenising every 256 documents.
 * @throws AppError INVALID_DATA (fewer than 2 labels), CANCELLED
 */
export async function fitFeatures(
  data: readonly Article[],
  options: TrainOptions,
  signal?: AbortSignal,
  onProgress?: (done: number, total: number) => void,
): Promise<Features> {
  // Labels first: a single-label data set is rejected before any tokenising work.
  const targets = checkedLabels(data);
  const tokenizer = {
    stem: options.stem,
    stopWords: options.stopWords,
    cjkCharBigrams: options.cjkCharBigrams,
  };
  // Documents are counted as they are tokenised: no token lists of strings for the whole corpus.
  const fitting = new VectorizerFit({
    ngramMin: options.ngramMin,
    ngramMax: options.ngramMax,
    // A tiny corpus cannot meet a large minDf: cap it at half the documents so some terms survive.
    minDf: Math.min(options.minDf, Math.max(1, Math.floor(data.length / 2))),
    maxFeatures: options.maxFeatures,
    tokenizer,
  });
  for (let i = 0; i < data.length; i++) {
    if (onProgress && i % 256 === 0) onProgress(i, data.length);
    fitting.add(tokenize(data[i]!.text, tokenizer));
  }
  await yieldToEventLoop();
  throwIfAborted(signal);
  const { vectorizer, matrix: x } = fitting.finish();
  onProgress?.(data.length, data.length);
  await yieldToEventLoop();
  throwIfAborted(signal);
  return { vectorizer, x, ...targets };
}
