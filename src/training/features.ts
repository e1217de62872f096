import { AppError } from '../errors/index.js';
import {
  articleLabels,
  isMultiLabel,
  tokenize,
  Vectorizer,
  type Article,
  type CsrMatrix,
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
}

/** Label names and targets: a class index per document, or multi-hot rows for a multi-label set. */
export function labelIndex(data: readonly Article[]): Pick<Features, 'labels' | 'y' | 'targets'> {
  const labels = [...new Set(data.flatMap((a) => articleLabels(a)))].sort();
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
  const targets = labelIndex(data);
  const { labels } = targets;
  if (labels.length < 2) throw new AppError('INVALID_DATA', 'training needs at least 2 labels');
  const tokenizer = {
    stem: options.stem,
    stopWords: options.stopWords,
    cjkCharBigrams: options.cjkCharBigrams,
  };
  const tokenLists = data.map((a, i) => {
    if (onProgress && i % 256 === 0) onProgress(i, data.length);
    return tokenize(a.text, tokenizer);
  });
  await yieldToEventLoop();
  const vectorizer = Vectorizer.fit(tokenLists, {
    ngramMin: options.ngramMin,
    ngramMax: options.ngramMax,
    // A tiny corpus cannot meet a large minDf: cap it at half the documents so some terms survive.
    minDf: Math.min(options.minDf, Math.max(1, Math.floor(data.length / 2))),
    maxFeatures: options.maxFeatures,
    tokenizer,
  });
  const x = vectorizer.transformManyTokens(tokenLists);
  // Drop the token lists now rather than when this returns: they can be as large as the corpus.
  tokenLists.length = 0;
  onProgress?.(data.length, data.length);
  await yieldToEventLoop();
  throwIfAborted(signal);
  return { vectorizer, x, ...targets };
}
