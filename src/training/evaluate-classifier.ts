import { headProbabilities, type TextClassifier } from '../model/index.js';
import { articleLabels, type Article } from '../text/index.js';
import { expectedCalibrationError, multiLabelCalibrationError } from './calibrate.js';
import { evaluateProbabilities } from './evaluate.js';
import { evaluateMultiLabel } from './evaluate-multi.js';
import type { AnyEvaluation } from './validation.js';

/** Articles' texts in chunks of 1,024, with the row each chunk starts at. */
function* chunks(data: readonly Article[]): Generator<{ start: number; texts: string[] }> {
  for (let start = 0; start < data.length; start += 1024) {
    yield { start, texts: data.slice(start, start + 1024).map((a) => a.text) };
  }
}

/**
 * Scores a classifier from its logits on labelled articles, with the calibration error (15 bins)
 * of its raw network output (`eceBefore`) and of its calibrated probabilities (`eceAfter`).
 * Labels the model does not know count as errors (they can never be predicted right).
 */
function score(classifier: TextClassifier, data: readonly Article[], logits: Float32Array): AnyEvaluation {
  const { labels, head } = classifier;
  const c = labels.length;
  const index = new Map(labels.map((l, i) => [l, i]));
  const raw = headProbabilities(logits, c, { output: head.output });
  const probs = headProbabilities(logits, c, head);
  const method = head.output === 'sigmoid' ? ('platt' as const) : ('temperature' as const);
  if (classifier.multiLabel) {
    const targets = new Uint8Array(data.length * c);
    data.forEach((a, r) => {
      for (const l of articleLabels(a)) {
        const j = index.get(l);
        if (j !== undefined) targets[r * c + j] = 1;
      }
    });
    const eceBefore = multiLabelCalibrationError(raw, targets, c);
    const eceAfter = multiLabelCalibrationError(probs, targets, c);
    return {
      ...evaluateMultiLabel(probs, targets, labels, head.thresholds!),
      calibration: { method, eceBefore, eceAfter },
    };
  }
  const actual = Int32Array.from(data, (a) => index.get(articleLabels(a)[0] ?? '') ?? -1);
  return {
    ...evaluateProbabilities(probs, actual, labels),
    calibration: {
      method,
      eceBefore: expectedCalibrationError(raw, actual, c),
      eceAfter: expectedCalibrationError(probs, actual, c),
    },
  };
}

/** Evaluates a trained classifier on labelled articles (single- or multi-label, as the model is). */
export function evaluate(classifier: TextClassifier, data: readonly Article[]): AnyEvaluation {
  const c = classifier.labels.length;
  const logits = new Float32Array(data.length * c);
  for (const { start, texts } of chunks(data)) {
    logits.set(classifier.logits(classifier.vectorizer.transformMany(texts)), start * c);
  }
  return score(classifier, data, logits);
}

/** `evaluate`, reading predictions back asynchronously: the form that works on webgpu too. */
export async function evaluateAsync(
  classifier: TextClassifier,
  data: readonly Article[],
): Promise<AnyEvaluation> {
  const c = classifier.labels.length;
  const logits = new Float32Array(data.length * c);
  for (const { start, texts } of chunks(data)) {
    logits.set(await classifier.logitsAsync(classifier.vectorizer.transformMany(texts)), start * c);
  }
  return score(classifier, data, logits);
}
