import type { FeatureSpans, Span, SparseVector, Vectorizer } from '../text/index.js';
import { decision, type ModelHead, type OutputKind } from './head.js';
import type { HostWeights } from './host-logits.js';

export type { HostWeights } from './host-logits.js';

/**
 * Why a text got its labels: each term's share of a label's logit.
 *
 * The network is h = relu(x·W1 + b1), z = h·W2 + b2, with x the text's L2-normalised tf-idf row.
 * Let A be the hidden units active for this text (pre-activation > 0; every unit of a linear
 * model, whose hidden layer has no ReLU). On A the network is linear,
 * so gradient × input is exact: term i contributes
 *
 *   x_i · Σ_{j∈A} W1[i,j] · W2'[j,c]
 *
 * to label c, and the contributions plus the bias part Σ_{j∈A} b1_j · W2'[j,c] + b2'_c sum to
 * z'_c exactly (up to rounding). For a softmax model W2', b2' and z' are centred over the classes
 * (W2'[j,c] = W2[j,c] − mean_k W2[j,k], and so on), so z'_c = z_c − mean_k z_k: softmax is
 * shift-invariant, and only the centred logit moves the probability. For a sigmoid (multi-label)
 * model they are W2, b2 and z_c themselves. A positive weight pushes the text towards the label,
 * a negative one away. Calibration (a temperature, or Platt scaling with a positive slope) rescales
 * the logits but does not reorder the terms.
 *
 * Cost: one pass over the features for the hidden layer (nnz × units, what the forward pass
 * costs), then nnz × units per label asked for and units × classes to centre; host arrays only,
 * no tensors.
 */

/** One label's attribution of one text (see the module comment for the definition). */
export interface Attribution {
  /** The label's index. */
  label: number;
  /** Each feature's contribution, parallel to the row's `indices`. */
  contributions: Float64Array;
  /** Σ_{j∈A} b1_j · W2'[j,c] + b2'_c: what the logit is without any term. */
  bias: number;
  /** z'_c from the network's own hidden activations (centred for softmax). */
  logit: number;
}

/** A term of an explanation: the vocabulary term, its contribution, and where it occurs. */
export interface TermWeight {
  term: string;
  weight: number;
  spans: Span[];
}

/** A label's explanation: the terms that push towards it (positive) and away (negative), by weight. */
export interface LabelExplanation {
  label: string;
  terms: TermWeight[];
}

/**
 * The hidden layer for `x`, accumulated in float32 exactly as the serving forward pass does (so the
 * active units are the ones that produced the served probabilities), with a contiguous copy of
 * each feature's kernel row: the kernel is vocabulary-sized, and reading its rows twice at random
 * would cost a second round of cache misses.
 */
function hiddenLayer(x: SparseVector, w: HostWeights): { hidden: Float32Array; rows: Float32Array } {
  const units = w.hiddenBias.length;
  const vocabulary = units === 0 ? 0 : w.hiddenKernel.length / units;
  const hidden = new Float32Array(units);
  const rows = new Float32Array(x.indices.length * units);
  for (let p = 0; p < x.indices.length; p++) {
    const v = x.values[p]!;
    const id = x.indices[p]!;
    // Skipped features keep a zero row: they contribute nothing, as in the forward pass.
    if (v === 0 || id < 0 || id >= vocabulary) continue;
    for (let j = 0, from = id * units, to = p * units; j < units; j++) {
      const k = w.hiddenKernel[from + j]!;
      rows[to + j] = k;
      hidden[j]! += v * k;
    }
  }
  for (let j = 0; j < units; j++) {
    const h = Math.fround(hidden[j]! + w.hiddenBias[j]!);
    hidden[j] = h > 0 || w.linear ? h : 0;
  }
  return { hidden, rows };
}

/**
 * The output column of `label` over all hidden units, zero where inactive (so sums over it are
 * sums over A), centred over classes for softmax; and the output bias, centred likewise.
 */
function outputColumn(w: HostWeights, hidden: Float32Array, label: number, output: OutputKind) {
  const classes = w.outputBias.length;
  const column = new Float64Array(hidden.length);
  for (let j = 0; j < hidden.length; j++) {
    // A linear model's units are all active: there is no ReLU to switch one off.
    if (!w.linear && !(hidden[j]! > 0)) continue;
    let centre = 0;
    if (output === 'softmax') {
      for (let c = 0; c < classes; c++) centre += w.outputKernel[j * classes + c]!;
      centre /= classes;
    }
    column[j] = w.outputKernel[j * classes + label]! - centre;
  }
  const bias = w.outputBias[label]! - (output === 'softmax' ? mean(w.outputBias) : 0);
  return { column, bias };
}

function mean(a: Float32Array): number {
  let s = 0;
  for (const v of a) s += v;
  return a.length === 0 ? 0 : s / a.length;
}

/**
 * Each feature's contribution to each label in `labels` (indices into the model's classes), with
 * the bias part and the logit (see the module comment); `output` as the model was trained.
 * Throws a RangeError for a label index out of range.
 */
export function attribute(
  x: SparseVector,
  w: HostWeights,
  labels: readonly number[],
  output: OutputKind = 'softmax',
): Attribution[] {
  const classes = w.outputBias.length;
  const units = w.hiddenBias.length;
  const { hidden, rows } = hiddenLayer(x, w);
  return labels.map((label) => {
    if (!Number.isInteger(label) || label < 0 || label >= classes)
      throw new RangeError(`label index ${label} out of range (0..${classes - 1})`);
    const { column, bias } = outputColumn(w, hidden, label, output);
    const contributions = new Float64Array(x.indices.length);
    let biasPart = bias;
    let logit = bias;
    for (let j = 0; j < units; j++) {
      biasPart += w.hiddenBias[j]! * column[j]!;
      logit += hidden[j]! * column[j]!;
    }
    for (let p = 0; p < x.indices.length; p++) {
      let s = 0;
      for (let j = 0, base = p * units; j < units; j++) s += rows[base + j]! * column[j]!;
      contributions[p] = x.values[p]! * s;
    }
    return { label, contributions, bias: biasPart, logit };
  });
}

/**
 * Positions of the up to `k` largest positive values of `a` (most positive first) and, after
 * them, of the up to `k` most negative (least negative first): O(n·k), and k is small.
 */
function extremes(a: Float64Array, k: number): number[] {
  const top: number[] = [];
  const bottom: number[] = [];
  const insert = (list: number[], p: number, before: (q: number) => boolean): void => {
    let at = list.length;
    while (at > 0 && before(list[at - 1]!)) at--;
    if (at < k) list.splice(at, 0, p);
    if (list.length > k) list.pop();
  };
  for (let p = 0; p < a.length; p++) {
    const v = a[p]!;
    if (v > 0) insert(top, p, (q) => v > a[q]!);
    else if (v < 0) insert(bottom, p, (q) => v < a[q]!);
  }
  return [...top, ...bottom.reverse()];
}

/**
 * Explains a text's features (as `Vectorizer.transformWithSpans` gives them) for each label
 * index in `labelIndices`, in that order: up to `k` terms with the largest positive weights and
 * up to `k` with the most negative, sorted by weight descending, each with its spans.
 */
export function explainFeatures(
  features: FeatureSpans,
  terms: readonly string[],
  labels: readonly string[],
  w: HostWeights,
  labelIndices: readonly number[],
  k = 5,
  output: OutputKind = 'softmax',
): LabelExplanation[] {
  return attribute(features, w, labelIndices, output).map((a) => ({
    label: labels[a.label]!,
    terms: extremes(a.contributions, k).map((p) => ({
      term: terms[features.indices[p]!]!,
      weight: a.contributions[p]!,
      spans: features.spansOf(p),
    })),
  }));
}

/** {@link explainFeatures} of one text, vectorised with its spans. */
export function explainText(
  vectorizer: Vectorizer,
  labels: readonly string[],
  w: HostWeights,
  text: string,
  labelIndices: readonly number[],
  k = 5,
  output: OutputKind = 'softmax',
): LabelExplanation[] {
  const features = vectorizer.transformWithSpans(text);
  return explainFeatures(features, vectorizer.terms, labels, w, labelIndices, k, output);
}

/**
 * Explanations of already scored texts (`probs` row-major [texts, labels]): per text, the labels
 * it is answered with (the top label; for a multi-label model those at or above their threshold,
 * or `threshold`), most probable first, each with its `k` strongest terms either way.
 */
export function explainScored(
  model: { vectorizer: Vectorizer; labels: readonly string[]; head: ModelHead },
  w: HostWeights,
  texts: readonly string[],
  probs: Float32Array,
  k: number,
  threshold?: number,
): LabelExplanation[][] {
  const c = model.labels.length;
  const { thresholds } = decision(model.head, threshold);
  return texts.map((text, r) => {
    const row = probs.subarray(r * c, (r + 1) * c);
    const chosen: number[] = [];
    if (thresholds) row.forEach((p, j) => p >= thresholds[j]! && chosen.push(j));
    else chosen.push(row.indexOf(Math.max(...row)));
    chosen.sort((a, b) => row[b]! - row[a]!);
    return explainText(model.vectorizer, model.labels, w, text, chosen, k, model.head.output);
  });
}
