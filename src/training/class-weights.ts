/** Loss weights per class (or per label and target) for `classWeight: balanced`. */
import type { Features } from './features.js';
import type { TrainOptions } from './options.js';

/**
 * `balanced` class weights, as scikit-learn defines them: n / (classes × n_c), so every class
 * carries the same total weight in the loss however rare it is.
 */
function balancedWeights(y: Int32Array, classes: number): Float32Array {
  const counts = new Float64Array(classes);
  for (const l of y) counts[l]! += 1;
  return Float32Array.from(counts, (n) => (n > 0 ? y.length / (classes * n) : 0));
}

/**
 * `balanced` for a multi-label set: each label is its own binary problem, so its positives weigh
 * n / (2 n_pos) and its negatives n / (2 n_neg) (`[pos..., neg...]`, see `StepMode`).
 */
function balancedLabelWeights(targets: Uint8Array, classes: number): Float32Array {
  const n = targets.length / classes;
  const pos = new Float64Array(classes);
  targets.forEach((t, k) => (pos[k % classes]! += t));
  const w = new Float32Array(2 * classes);
  for (let j = 0; j < classes; j++) {
    w[j] = pos[j]! > 0 ? n / (2 * pos[j]!) : 1;
    w[classes + j] = n - pos[j]! > 0 ? n / (2 * (n - pos[j]!)) : 1;
  }
  return w;
}

/** Loss weights for `classWeight: balanced` (see `StepMode`), or undefined for `none`. */
export function classWeights(features: Features, options: TrainOptions): Float32Array | undefined {
  if (options.classWeight !== 'balanced') return undefined;
  const c = features.labels.length;
  return features.targets ? balancedLabelWeights(features.targets, c) : balancedWeights(features.y, c);
}
