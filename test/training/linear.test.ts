import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { deserializeArtefact, initBackend, serializeArtefact } from '../../src/model/index.js';
import { baseFromClassifier, evaluate, train } from '../../src/training/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';

before(async () => {
  await initBackend('wasm');
});

const data = syntheticArticles(40, 1);
const heldOut = syntheticArticles(20, 2);

test('hiddenUnits 0 trains a linear model: logits are x·W + b, the output layer stays the identity', async () => {
  const r = await train(data, { hiddenUnits: 0, epochs: 20, seed: 3 });
  const clf = r.classifier;
  try {
    const c = clf.labels.length;
    assert.equal(clf.shape.activation, 'linear');
    assert.equal(clf.shape.hiddenUnits, c, 'one column per class');
    assert.equal(r.options.hiddenUnits, 0);
    assert.ok(evaluate(clf, heldOut).accuracy > 0.9);
    const p = clf.params();
    const identity = Float32Array.from({ length: c * c }, (_, i) => (i % (c + 1) === 0 ? 1 : 0));
    assert.deepEqual(p.outputKernel, identity, 'not trained');
    assert.deepEqual(p.outputBias, new Float32Array(c));
    // The class scores are the features times the kernel plus the bias, negative scores included.
    const text = heldOut[0]!.text;
    const x = clf.vectorizer.transformMany([text]);
    const logits = new Float64Array(c).map((_, k) => p.hiddenBias[k]!);
    for (let i = x.rowPtr[0]!; i < x.rowPtr[1]!; i++)
      for (let k = 0; k < c; k++) logits[k]! += x.values[i]! * p.hiddenKernel[x.indices[i]! * c + k]!;
    assert.ok(
      logits.some((z) => z < 0),
      'no ReLU clips a score',
    );
    const probs = clf.probabilities(x);
    const exps = Array.from(logits, (z) => Math.exp(z - Math.max(...logits)));
    const sum = exps.reduce((a, b) => a + b);
    // Calibration only rescales the logits (a temperature): the order is the same.
    const order = (xs: ArrayLike<number>) => Array.from(xs, (_, i) => i).sort((a, b) => xs[b]! - xs[a]!);
    assert.deepEqual(order(probs), order(exps.map((e) => e / sum)));
    // Explanations of a linear model: each term's contribution is its value times its class weight.
    const [e] = clf.explain(text, [0], 50);
    for (const t of e!.terms) assert.ok(Number.isFinite(t.weight) && t.weight !== 0, t.term);
  } finally {
    clf.dispose();
  }
});

test('a linear model round-trips through its artefact and takes a new label on top of itself', async () => {
  const r = await train(data, { hiddenUnits: 0, epochs: 10, seed: 3 });
  const loaded = await deserializeArtefact(serializeArtefact(r.classifier));
  const before = tf.memory().numTensors;
  const texts = heldOut.map((a) => a.text);
  assert.deepEqual(loaded.predict(texts), r.classifier.predict(texts));
  assert.equal(tf.memory().numTensors, before, 'no tensors left');
  const weather = ['rain storm forecast', 'snow and wind today', 'sunny forecast', 'storm clouds and rain'];
  const added = weather.map((text) => ({ text, label: 'weather' }));
  const v2 = await train(
    [...data, ...added],
    { epochs: 30, learningRate: 0.02 },
    { base: baseFromClassifier(loaded) },
  );
  try {
    assert.equal(v2.classifier.shape.activation, 'linear');
    assert.deepEqual(v2.classifier.labels, ['politics', 'sport', 'tech', 'weather']);
    assert.equal(v2.classifier.predict(['storm and rain forecast'])[0]!.label, 'weather');
    assert.ok(evaluate(v2.classifier, heldOut).accuracy > 0.9, 'the old labels are still known');
  } finally {
    for (const m of [r.classifier, loaded, v2.classifier]) m.dispose();
  }
});
