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
  for (let r = 0; r < actual.length; r++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (probs[r * c + j]! > probs[r * c + best]!) best = j;
    predicted[r] = best;
  }
  return evaluatePredictions(predicted, actual, labels);
}
