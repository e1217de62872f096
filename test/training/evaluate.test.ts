import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePredictions } from '../../src/training/index.js';

test('metrics match a confusion matrix worked out by hand', () => {
  // actual:    a a a a b b c c c c
  // predicted: a a b c b b c c c a
  const labels = ['a', 'b', 'c'];
  const actual = [0, 0, 0, 0, 1, 1, 2, 2, 2, 2];
  const predicted = [0, 0, 1, 2, 1, 1, 2, 2, 2, 0];
  const ev = evaluatePredictions(predicted, actual, labels);
  assert.deepEqual(ev.confusion, [
    [2, 1, 1],
    [0, 2, 0],
    [1, 0, 3],
  ]);
  assert.equal(ev.accuracy, 0.7);
  const [a, b, c] = ev.perClass;
  assert.deepEqual([a!.precision, a!.recall, a!.support], [2 / 3, 0.5, 4]);
  assert.deepEqual([b!.precision, b!.recall, b!.support], [2 / 3, 1, 2]);
  assert.deepEqual([c!.precision, c!.recall, c!.support], [0.75, 0.75, 4]);
  const f1 = (p: number, r: number) => (2 * p * r) / (p + r);
  assert.ok(Math.abs(a!.f1 - f1(2 / 3, 0.5)) < 1e-12);
  assert.ok(Math.abs(ev.macroF1 - (f1(2 / 3, 0.5) + f1(2 / 3, 1) + 0.75) / 3) < 1e-12);
});

test('a class never predicted has precision 0, not NaN', () => {
  const ev = evaluatePredictions([0, 0, 0], [0, 1, 1], ['x', 'y']);
  assert.equal(ev.perClass[1]!.precision, 0);
  assert.equal(ev.perClass[1]!.f1, 0);
  assert.ok(Number.isFinite(ev.macroF1));
});

test('the risk–coverage table: at each cut-off, the share answered and the accuracy on those', async () => {
  const { evaluateProbabilities, RISK_COVERAGE_CUTOFFS } = await import('../../src/training/index.js');
  // Four documents, two labels: top probabilities 0.55 (right), 0.65 (wrong), 0.85 (right), 0.97 (right).
  const probs = new Float32Array([0.55, 0.45, 0.35, 0.65, 0.85, 0.15, 0.03, 0.97]);
  const e = evaluateProbabilities(probs, [0, 0, 0, 1], ['a', 'b']);
  const at = (c: number) => e.riskCoverage?.find((r) => r.minProbability === c);
  assert.deepEqual(
    e.riskCoverage?.map((r) => r.minProbability),
    [...RISK_COVERAGE_CUTOFFS],
  );
  assert.deepEqual(at(0.5), { minProbability: 0.5, coverage: 1, accuracy: 0.75 });
  assert.deepEqual(at(0.6), { minProbability: 0.6, coverage: 0.75, accuracy: 2 / 3 });
  assert.deepEqual(at(0.7), { minProbability: 0.7, coverage: 0.5, accuracy: 1 });
  assert.deepEqual(at(0.99), { minProbability: 0.99, coverage: 0, accuracy: 0 });
});
