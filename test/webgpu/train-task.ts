/**
 * The training half of the webgpu-vs-cpu comparison: a small fixed data set, a fixed seed, and the
 * network trained through the public `train`; prints what must agree across backends.
 */
import * as tf from '@tensorflow/tfjs';
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
  // Scores in label order, so both runs compare element by element.
  const predictions = await classifier.predictAsync(texts);
  const probabilities = predictions.map((p) =>
    classifier.labels.map((label) => p.scores.find((s) => s.label === label)!.probability),
  );
  let syncRead = 'ok';
  try {
    classifier.predict(texts.slice(0, 1));
  } catch (err) {
    syncRead = (err as Error).message;
  }
  classifier.dispose();
  return {
    losses: history.map((h) => h.loss),
    labels: predictions.map((p) => p.label),
    probabilities,
    syncRead,
    numTensors: tf.memory().numTensors,
  };
}
