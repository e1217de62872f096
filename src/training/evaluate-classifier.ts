import type { TextClassifier } from '../model/index.js';
import type { Article } from '../text/index.js';
import { evaluateProbabilities, type Evaluation } from './evaluate.js';

/**
 * Evaluates a trained classifier on labelled articles. Articles whose label the model does not
 * know count as errors (they can never be predicted right).
 */
export function evaluate(classifier: TextClassifier, data: readonly Article[]): Evaluation {
  const index = new Map(classifier.labels.map((l, i) => [l, i]));
  const probs = new Float32Array(data.length * classifier.labels.length);
  for (let start = 0; start < data.length; start += 1024) {
    const chunk = data.slice(start, start + 1024);
    probs.set(
      classifier.probabilities(classifier.vectorizer.transformMany(chunk.map((a) => a.text))),
      start * classifier.labels.length,
    );
  }
  const actual = Int32Array.from(data, (a) => index.get(a.label) ?? -1);
  return evaluateProbabilities(probs, actual, classifier.labels);
}

/** `evaluate`, reading predictions back asynchronously: the form that works on webgpu too. */
export async function evaluateAsync(
  classifier: TextClassifier,
  data: readonly Article[],
): Promise<Evaluation> {
  const index = new Map(classifier.labels.map((l, i) => [l, i]));
  const probs = new Float32Array(data.length * classifier.labels.length);
  for (let start = 0; start < data.length; start += 1024) {
    const chunk = data.slice(start, start + 1024);
    const x = classifier.vectorizer.transformMany(chunk.map((a) => a.text));
    probs.set(await classifier.probabilitiesAsync(x), start * classifier.labels.length);
  }
  const actual = Int32Array.from(data, (a) => index.get(a.label) ?? -1);
  return evaluateProbabilities(probs, actual, classifier.labels);
}
