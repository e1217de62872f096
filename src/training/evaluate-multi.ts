/** Evaluation of multi-label models, and the per-label decision thresholds tuned for them. */

/** Precision, recall, F1 and support of one label, with the threshold it was decided at. */
export interface LabelMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
  threshold: number;
}

/** How a multi-label model did: every (document, label) decision counted. */
export interface MultiLabelEvaluation {
  multiLabel: true;
  documents: number;
  /** F1 over all (document, label) decisions pooled. */
  microF1: number;
  /** Mean of the labels' F1, over labels with support. */
  macroF1: number;
  /** Share of documents whose label set was predicted exactly. */
  subsetAccuracy: number;
  /** Share of (document, label) decisions that were wrong. */
  hammingLoss: number;
  /** Same as `subsetAccuracy` (the figure single-label evaluations call accuracy). */
  accuracy: number;
  labels: string[];
  perLabel: LabelMetrics[];
}

const f1Of = (tp: number, fp: number, fn: number) => (tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn));

/**
 * Scores row-major probabilities [rows, labels] against multi-hot `targets`, deciding each label
 * at its `thresholds[j]` (p ≥ threshold means the label is predicted).
 */
export function evaluateMultiLabel(
  probs: Float32Array,
  targets: Uint8Array,
  labels: readonly string[],
  thresholds: readonly number[],
): MultiLabelEvaluation {
  const c = labels.length;
  const n = c === 0 ? 0 : targets.length / c;
  const tp = new Float64Array(c);
  const fp = new Float64Array(c);
  const fn = new Float64Array(c);
  let exact = 0;
  for (let r = 0; r < n; r++) {
    let rowRight = true;
    for (let j = 0; j < c; j++) {
      const predicted = probs[r * c + j]! >= thresholds[j]!;
      const actual = targets[r * c + j]! > 0;
      if (predicted && actual) tp[j]!++;
      else if (predicted) fp[j]!++;
      else if (actual) fn[j]!++;
      if (predicted !== actual) rowRight = false;
    }
    if (rowRight) exact++;
  }
  const perLabel = labels.map((label, j) => ({
    label,
    precision: tp[j]! + fp[j]! ? tp[j]! / (tp[j]! + fp[j]!) : 0,
    recall: tp[j]! + fn[j]! ? tp[j]! / (tp[j]! + fn[j]!) : 0,
    f1: f1Of(tp[j]!, fp[j]!, fn[j]!),
    support: tp[j]! + fn[j]!,
    threshold: thresholds[j]!,
  }));
  const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
  const withSupport = perLabel.filter((m) => m.support > 0);
  const subsetAccuracy = n ? exact / n : 0;
  return {
    multiLabel: true,
    documents: n,
    microF1: f1Of(sum(tp), sum(fp), sum(fn)),
    macroF1: withSupport.length ? withSupport.reduce((s, m) => s + m.f1, 0) / withSupport.length : 0,
    subsetAccuracy,
    hammingLoss: n * c ? (sum(fp) + sum(fn)) / (n * c) : 0,
    accuracy: subsetAccuracy,
    labels: [...labels],
    perLabel,
  };
}

/** Where threshold tuning searches: grid bounds and step. */
export const THRESHOLD_RANGE = { min: 0.05, max: 0.95, step: 0.01 } as const;

/** Labels with fewer validation positives than this keep the floor: their F1 curve is noise. */
export const MIN_POSITIVES_TO_TUNE = 5;

const GRID_STEPS = Math.round((THRESHOLD_RANGE.max - THRESHOLD_RANGE.min) / THRESHOLD_RANGE.step);
const gridValue = (k: number) => Number((THRESHOLD_RANGE.min + (k - 1) * THRESHOLD_RANGE.step).toFixed(4));

/** Counts of one label's positives and negatives per threshold-grid cell (cell 0: below the grid). */
interface LabelHistogram {
  pos: Float64Array;
  neg: Float64Array;
  positives: number;
}

function histograms(probs: Float32Array, targets: Uint8Array, labels: number): LabelHistogram[] {
  const n = labels === 0 ? 0 : targets.length / labels;
  const { min, step } = THRESHOLD_RANGE;
  const out = Array.from({ length: labels }, () => ({
    pos: new Float64Array(GRID_STEPS + 2),
    neg: new Float64Array(GRID_STEPS + 2),
    positives: 0,
  }));
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < labels; j++) {
      const p = probs[r * labels + j]!;
      const cell = p < min ? 0 : Math.min(GRID_STEPS + 1, Math.floor((p - min) / step + 1e-9) + 1);
      const h = out[j]!;
      if (targets[r * labels + j]! > 0) {
        h.pos[cell]!++;
        h.positives++;
      } else h.neg[cell]!++;
    }
  }
  return out;
}

/** The grid cell (threshold) at which pooled micro-F1 over all labels is highest. */
function microOptimalCell(hs: LabelHistogram[]): number {
  const positives = hs.reduce((s, h) => s + h.positives, 0);
  let best = 1;
  let bestF1 = -1;
  let tp = 0;
  let fp = 0;
  for (let k = GRID_STEPS + 1; k >= 1; k--) {
    for (const h of hs) {
      tp += h.pos[k]!;
      fp += h.neg[k]!;
    }
    const f1 = f1Of(tp, fp, positives - tp);
    if (f1 > bestF1) [bestF1, best] = [f1, k];
  }
  return best;
}

/** The cell at or above `floor` where this label's F1 is highest (ties: the higher threshold). */
function labelOptimalCell(h: LabelHistogram, floor: number): number {
  let best = floor;
  let bestF1 = -1;
  let tp = 0;
  let fp = 0;
  for (let k = GRID_STEPS + 1; k >= floor; k--) {
    tp += h.pos[k]!;
    fp += h.neg[k]!;
    const f1 = f1Of(tp, fp, h.positives - tp);
    if (f1 > bestF1 + 1e-12) [bestF1, best] = [f1, k];
  }
  return best;
}

/**
 * Per-label decision thresholds tuned on the given (validation) rows. Each label gets the
 * threshold that maximises its own F1, but never below a floor: the single threshold that
 * maximises micro-F1 over all labels. Why the floor: a label's F1-optimal threshold is about half
 * its best F1, so hard and rare labels would fire at 0.1 and flood every answer with false
 * positives; the floor keeps the pooled precision while letting easy labels ask for more.
 * Labels with too few validation positives keep the floor.
 */
export function tuneThresholds(probs: Float32Array, targets: Uint8Array, labels: number): number[] {
  const hs = histograms(probs, targets, labels);
  const floor = microOptimalCell(hs);
  return hs.map((h) => gridValue(h.positives < MIN_POSITIVES_TO_TUNE ? floor : labelOptimalCell(h, floor)));
}
