/**
 * The model's head: how output logits become probabilities (softmax over classes, or one sigmoid
 * per label for a multi-label model), with the calibration fitted after training, and the
 * per-label decision thresholds of a multi-label model.
 */

/** Softmax over classes (one label per text), or one sigmoid per label (multi-label). */
export type OutputKind = 'softmax' | 'sigmoid';

/**
 * Calibration fitted on the validation split after training: one temperature for softmax
 * (p = softmax(z / T)), or per-label Platt scaling for sigmoid (p_j = σ(a_j · z_j + b_j)).
 */
export interface Calibration {
  temperature?: number;
  platt?: { a: number[]; b: number[] };
}

/** What turns a model's logits into answers; stored in the artefact. */
export interface ModelHead {
  output: OutputKind;
  calibration?: Calibration;
  /** Multi-label models: the decision threshold of each label, in label order. */
  thresholds?: number[];
}

/**
 * Row-major [rows, classes] logits → softmax(logits / temperature). The row max is subtracted and the
 * sums are kept in float64, so logits in the thousands neither overflow nor lose the small classes.
 */
export function softmaxRows(logits: Float32Array, classes: number, temperature = 1): Float32Array {
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new RangeError(`temperature must be a positive finite number, got ${temperature}`);
  }
  if (classes <= 0) return new Float32Array(0);
  const rows = Math.floor(logits.length / classes);
  const out = new Float32Array(rows * classes);
  const e = new Float64Array(classes);
  for (let r = 0; r < rows; r++) {
    const o = r * classes;
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, logits[o + k]!);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += e[k] = Math.exp((logits[o + k]! - max) / temperature);
    for (let k = 0; k < classes; k++) out[o + k] = e[k]! / sum;
  }
  return out;
}

/** The logistic function, without overflow for large |z|. */
export const sigmoid = (z: number): number =>
  z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));

/** Element-wise σ(a_j · z + b_j) over row-major [rows, labels] logits; identity scaling without `platt`. */
export function sigmoidRows(
  logits: Float32Array,
  labels = 1,
  platt?: { a: ArrayLike<number>; b: ArrayLike<number> },
): Float32Array {
  const out = new Float32Array(logits.length);
  for (let k = 0; k < logits.length; k++) {
    const j = k % labels;
    out[k] = sigmoid(platt ? platt.a[j]! * logits[k]! + platt.b[j]! : logits[k]!);
  }
  return out;
}

/**
 * The multi-label decision as `rankProbabilities` takes it: every label's own threshold, or
 * `threshold` for all of them; nothing for a single-label head.
 */
export function decision(head: ModelHead, threshold?: number): { thresholds?: readonly number[] } {
  const t = head.thresholds;
  if (!t) return {};
  return { thresholds: threshold === undefined ? t : t.map(() => threshold) };
}

/** Probabilities from row-major logits [rows, classes] through the head (calibrated when it is). */
export function headProbabilities(logits: Float32Array, classes: number, head: ModelHead): Float32Array {
  if (head.output === 'sigmoid') return sigmoidRows(logits, classes, head.calibration?.platt);
  return softmaxRows(logits, classes, head.calibration?.temperature ?? 1);
}
