import type { DatasetRef } from '../contract/index.js';
import type { TrainOptions } from '../training/index.js';

/**
 * The most Redis a training job can add, known at submit from its options and its data set: the
 * published artefact (weights plus vocabulary) and the largest checkpoint (parameters, both Adam
 * moments and the best epoch's parameters: four copies of the weights), which exist together when the
 * version is published. The vocabulary is bounded by `maxFeatures` and by the data itself: every term
 * starts at a word of at least one character and a separator, so a data set of B bytes has at most
 * B / 2 words and `ngramMax` × that many terms.
 */
export function trainingBytesBound(options: TrainOptions, dataset: DatasetRef): number {
  const terms = Math.min(options.maxFeatures, Math.ceil(dataset.bytes / 2) * options.ngramMax);
  const c = Math.max(2, dataset.labels.length);
  // A linear model (hiddenUnits 0) has one column per class.
  const h = options.hiddenUnits || c;
  const weights = 4 * (terms * h + h + h * c + c);
  // Terms as strings (~16 bytes each on average for uni- and bigrams) and their float64 idf.
  const vocabulary = terms * 24;
  return weights + vocabulary + 4 * weights;
}
