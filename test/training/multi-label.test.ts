import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { deserializeArtefact, initBackend, serializeArtefact } from '../../src/model/index.js';
import type { MultiLabelArticle } from '../../src/text/index.js';
import { evaluate, evaluateMultiLabel, train, tuneThresholds } from '../../src/training/index.js';

const TOPICS: Record<string, string[]> = {
  red: ['apple', 'cherry', 'rose', 'ruby', 'brick'],
  blue: ['sky', 'ocean', 'sapphire', 'denim', 'wave'],
  green: ['grass', 'leaf', 'lime', 'fern', 'jade'],
};
const FILLER = ['the', 'big', 'old', 'thing', 'near', 'here', 'very', 'found'];

function data(n: number, seed: number): MultiLabelArticle[] {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = (xs: string[]) => xs[Math.floor(next() * xs.length)]!;
  const names = Object.keys(TOPICS).sort();
  return Array.from({ length: n }, (_, i) => {
    const labels = names.filter((_, j) => (i >> j) & 1); // every subset, the empty one too
    const words = labels.flatMap((l) => [pick(TOPICS[l]!), pick(TOPICS[l]!)]);
    for (let k = 0; k < 3; k++) words.push(pick(FILLER));
    return { text: words.join(' '), labels };
  });
}

test('a data set with `labels` trains one sigmoid per label with tuned thresholds that survive the artefact', async () => {
  await initBackend('cpu');
  const before = tf.memory().numTensors;
  const r = await train(data(320, 1), { epochs: 15, seed: 3, hiddenUnits: 16, learningRate: 0.02 });
  const clf = r.classifier;
  assert.equal(clf.multiLabel, true);
  assert.equal(clf.shape.output, 'sigmoid');
  assert.deepEqual(clf.labels, ['blue', 'green', 'red']);
  assert.equal(r.options.hiddenUnits, 16, 'an option given explicitly is kept');
  const thresholds = clf.head.thresholds!;
  assert.equal(thresholds.length, 3);
  assert.equal(r.evaluation && 'multiLabel' in r.evaluation && r.evaluation.multiLabel, true);

  const [p] = clf.predict(['sky ocean grass leaf the']);
  assert.deepEqual(p!.labels!.map((s) => s.label).sort(), ['blue', 'green']);
  const sum = p!.scores.reduce((t, s) => t + s.probability, 0);
  assert.ok(Math.abs(sum - 1) > 0.05, `independent sigmoids, not a softmax (sum ${sum})`);
  assert.deepEqual(clf.predict(['the old thing found here'])[0]!.labels, []);
  assert.equal(clf.predict(['sky'], 3, 0)[0]!.labels!.length, 3, 'threshold 0 takes every label');

  const test_ = data(96, 2);
  const ev = evaluate(clf, test_);
  assert.ok('multiLabel' in ev && ev.microF1 > 0.9, JSON.stringify(ev));
  const copy = await deserializeArtefact(serializeArtefact(clf));
  assert.deepEqual(copy.head, clf.head);
  assert.deepEqual(copy.predict(test_.map((a) => a.text)), clf.predict(test_.map((a) => a.text)));
  clf.dispose();
  copy.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('multi-label metrics match counts worked out by hand', () => {
  // 3 documents × 2 labels; thresholds 0.5 and 0.3.
  // doc0 truth {a}, p (0.9, 0.2) → {a}; doc1 truth {a,b}, p (0.4, 0.35) → {b}; doc2 truth {}, p (0.6, 0.1) → {a}
  const probs = new Float32Array([0.9, 0.2, 0.4, 0.35, 0.6, 0.1]);
  const targets = new Uint8Array([1, 0, 1, 1, 0, 0]);
  const ev = evaluateMultiLabel(probs, targets, ['a', 'b'], [0.5, 0.3]);
  // a: tp 1 (doc0), fn 1 (doc1), fp 1 (doc2); b: tp 1 (doc1)
  assert.deepEqual(
    ev.perLabel.map((m) => [m.precision, m.recall, m.support, m.threshold]),
    [
      [0.5, 0.5, 2, 0.5],
      [1, 1, 1, 0.3],
    ],
  );
  assert.equal(ev.microF1, (2 * 2) / (2 * 2 + 1 + 1));
  assert.equal(ev.macroF1, (0.5 + 1) / 2);
  assert.equal(ev.subsetAccuracy, 1 / 3);
  assert.equal(ev.accuracy, ev.subsetAccuracy);
  assert.equal(ev.hammingLoss, 2 / 6);
});

test('thresholds: each label maximises its F1 but never goes below the micro-F1-optimal floor', () => {
  // Label 0 is easy: positives at 0.9, negatives at 0.3, so the pooled optimum lies above 0.3.
  // Label 1 is hard: positives and negatives both at 0.2; alone, its best F1 (0.67) calls all at 0.2.
  // Label 2 has 2 positives (at 0.1): too few to tune.
  const rows: number[][] = [];
  for (let i = 0; i < 200; i++) {
    const hard = i < 20;
    rows.push([
      i % 2 ? 0.9 : 0.3,
      i % 2,
      hard ? 0.2 : 0.02,
      hard && i % 2 ? 1 : 0,
      i < 2 ? 0.1 : 0.01,
      i < 2 ? 1 : 0,
    ]);
  }
  const probs = new Float32Array(rows.flatMap((r) => [r[0]!, r[2]!, r[4]!]));
  const targets = new Uint8Array(rows.flatMap((r) => [r[1]!, r[3]!, r[5]!]));
  const [t0, t1, t2] = tuneThresholds(probs, targets, 3);
  assert.ok(t0! > 0.3 && t0! <= 0.9, `label 0 separates at ${t0}`);
  assert.ok(t1! > 0.3, `the hard label is held at the floor, not at its own optimum 0.2 (${t1})`);
  assert.ok(t2! > 0.3, `a label with too few positives keeps the floor (${t2})`);
  // Alone (no easy label to set the floor), the hard label would take its own optimum.
  const alone = tuneThresholds(
    new Float32Array(rows.map((r) => r[2]!)),
    new Uint8Array(rows.map((r) => r[3]!)),
    1,
  );
  assert.ok(alone[0]! <= 0.2, `alone: ${alone[0]}`);
});
