import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/index.js';
import { train } from '../../src/training/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';

// Serving on cpu and wasm computes the network in place on the weights; the TensorFlow.js ops
// are the reference. The backend is process-wide; nothing else runs in this file.
for (const backend of ['cpu', 'wasm'] as const) {
  test(`on ${backend}, classifying matches the TensorFlow.js ops and leaks no tensors`, async () => {
    await initBackend(backend);
    const r = await train(syntheticArticles(40, 5), { epochs: 3, hiddenUnits: 12, seed: 5 });
    const clf = r.classifier;
    // Unknown words only (an empty document), one word, and whole articles.
    const texts = ['zzzz qqqq', 'football', ...syntheticArticles(8, 11).map((a) => a.text)];
    const x = clf.vectorizer.transformMany(texts);
    assert.equal(x.rowPtr[1], 0, 'the first document has no known term');
    const before = tf.memory().numTensors;
    const host = clf.probabilities(x);
    const single = texts.map((t) => clf.probabilities(clf.vectorizer.transformMany([t])));
    assert.equal(tf.memory().numTensors, before);
    const ops = clf.opsProbabilities(x);
    assert.equal(host.length, ops.length);
    host.forEach((p, i) => assert.ok(Math.abs(p - ops[i]!) < 1e-6, `probability ${i}: ${p} vs ${ops[i]}`));
    const classes = clf.labels.length;
    single.forEach((row, i) =>
      assert.deepEqual(Array.from(row), Array.from(host.subarray(i * classes, (i + 1) * classes))),
    );
    for (let i = 0; i < texts.length; i++) {
      const sum = host.subarray(i * classes, (i + 1) * classes).reduce((s, p) => s + p, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5);
    }
    clf.dispose();
  });
}
