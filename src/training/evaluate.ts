/** Per-class precision, recall, F1 and support. */
export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Evaluation {
  documents: number;
  accuracy: number;
  macroF1: number;
  perClass: ClassMetrics[];
  /** confusion[actual][predicted], in `labels` order. */
  confusion: number[][];
  labels: string[];
  /**
   * What a `minProbability` cut-off would do (from probabilities only): at each cut-off, the share
   * of documents answered (coverage) and the accuracy on those, so a user can pick one.
   */
  riskCoverage?: RiskCoverage[];
}

/** One row of the risk–coverage table. */
export interface RiskCoverage {
  minProbability: number;
  coverage: number;
  accuracy: number;
}

/** The cut-offs the risk–coverage table reports. */
export const RISK_COVERAGE_CUTOFFS = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99] as const;

function riskCoverage(top: Float32Array, right: Uint8Array): RiskCoverage[] {
  return RISK_COVERAGE_CUTOFFS.map((minProbability) => {
    let answered = 0;
    let correct = 0;
    for (let i = 0; i < top.length; i++) {
      if (top[i]! < minProbability) continue;
      answered++;
      correct += right[i]!;
    }
    const coverage = top.length ? answered / top.length : 0;
    return { minProbability, coverage, accuracy: answered ? correct / answered : 0 };
  });
}

/** Metrics from predicted and actual class indices. */
export function evaluatePredictions(
  predicted: ArrayLike<number>,
  actual: ArrayLike<number>,
  labels: readonly string[],
): Evaluation {
  const c = labels.length;
  const confusion = Array.from({ length: c }, () => new Array<number>(c).fill(0));
  let correct = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const p = predicted[i]!;
    if (a >= 0 && a < c && p >= 0 && p < c) confusion[a]![p]!++;
    if (a === p) correct++;
  }
  const perClass = labels.map((label, k) => {
    const tp = confusion[k]![k]!;
    const support = confusion[k]!.reduce((s, n) => s + n, 0);
    const predictedK = confusion.reduce((s, row) => s + row[k]!, 0);
    const precision = predictedK ? tp / predictedK : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
  const withSupport = perClass.filter((m) => m.support > 0);
  return {
    documents: actual.length,
    accuracy: actual.length ? correct / actual.length : 0,
    macroF1: withSupport.length ? withSupport.reduce((s, m) => s + m.f1, 0) / withSupport.length : 0,
    perClass,
    confusion,
    labels: [...labels],
  };
}

/** Metrics from row-major class probabilities [rows, labels.length] (argmax per row). */
export function evaluateProbabilities(
  probs: Float32Array,
  actual: ArrayLike<number>,
  labels: readonly string[],
): Evaluation {
  const c = labels.length;
  const predicted = new Int32Array(actual.length);
  const top = new Float32Array(actual.length);
  const right = new Uint8Array(actual.length);
  for (let r = 0; r < actual.length; r++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (probs[r * c + j]! > probs[r * c + best]!) best = j;
    predicted[r] = best;
    top[r] = probs[r * c + best]!;
    right[r] = best === actual[r] ? 1 : 0;
  }
  return { ...evaluatePredictions(predicted, actual, labels), riskCoverage: riskCoverage(top, right) };
}
