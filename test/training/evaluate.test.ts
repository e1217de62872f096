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
