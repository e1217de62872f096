/**
 * The training half of the webgpu-vs-cpu comparison: a small fixed data set, a fixed seed, and the
 * network trained through the public `train`; prints what must agree across backends.
 */
import * as tf from '@tensorflow/tfjs';
import type { TextClassifier } from '../../src/model/index.js';
import { train } from '../../src/training/index.js';

const TOPICS: Record<string, string[]> = {
  sport: ['match', 'goal', 'league', 'coach', 'striker', 'season', 'referee', 'stadium', 'keeper', 'penalty'],
  tech: [
    'software',
    'chip',
    'server',
    'network',
    'browser',
    'compiler',
    'kernel',
    'laptop',
    'cloud',
    'robot',
  ],
  food: ['recipe', 'garlic', 'oven', 'butter', 'noodle', 'spice', 'tomato', 'bakery', 'soup', 'pepper'],
};
const SHARED = ['today', 'report', 'people', 'city', 'new', 'week', 'big', 'plan'];

/** A deterministic linear congruential generator: the data set must not depend on the backend. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function makeDocs(count: number, seed: number): { text: string; label: string }[] {
  const next = lcg(seed);
  const labels = Object.keys(TOPICS);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const label = labels[i % labels.length]!;
    const words = [
      ...Array.from({ length: 4 + Math.floor(next() * 5) }, () => pick(TOPICS[label]!)),
      ...Array.from({ length: 3 + Math.floor(next() * 4) }, () => pick(SHARED)),
      // a word of another topic: the classes overlap a little, so probabilities are not all ~1
      pick(TOPICS[pick(labels)]!),
    ];
    return { text: words.join(' '), label };
  });
}

/**
 * Class probabilities through the classifier's TensorFlow.js model, read back asynchronously:
 * `TextClassifier.predict` reads synchronously, which the webgpu backend cannot do under Node.
 */
async function probabilities(classifier: TextClassifier, texts: string[]): Promise<number[][]> {
  const x = classifier.vectorizer.transformMany(texts);
  let width = 1;
  for (let r = 0; r < x.numRows; r++) width = Math.max(width, x.rowPtr[r + 1]! - x.rowPtr[r]!);
  const ids = new Int32Array(x.numRows * width);
  const weights = new Float32Array(x.numRows * width);
  for (let r = 0; r < x.numRows; r++) {
    ids.set(x.indices.subarray(x.rowPtr[r]!, x.rowPtr[r + 1]!), r * width);
    weights.set(x.values.subarray(x.rowPtr[r]!, x.rowPtr[r + 1]!), r * width);
  }
  const inputs = [tf.tensor2d(ids, [x.numRows, width], 'int32'), tf.tensor2d(weights, [x.numRows, width])];
  const probs = classifier.model.predict(inputs) as tf.Tensor2D;
  const rows = (await probs.array()) as number[][];
  tf.dispose([...inputs, probs]);
  return rows;
}

/** Trains on 120 documents and predicts 15 held-out ones. */
export async function trainTask(): Promise<unknown> {
  const { classifier, history } = await train(makeDocs(120, 11), {
    epochs: 6,
    hiddenUnits: 16,
    batchSize: 16,
    learningRate: 0.01,
    minDf: 1,
    validationSplit: 0.2,
    patience: 100,
    seed: 7,
  });
  const texts = makeDocs(15, 99).map((d) => d.text);
  const probs = await probabilities(classifier, texts);
  const labels = probs.map((row) => classifier.labels[row.indexOf(Math.max(...row))]!);
  classifier.dispose();
  return {
    losses: history.map((h) => h.loss),
    valLosses: history.map((h) => h.valLoss),
    labels,
    probabilities: probs,
    numTensors: tf.memory().numTensors,
  };
}
