import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend, sparseLinear } from '../../src/model/index.js';

/** Reference built from stock ops: gather rows, weight them, sum over the bag. */
function reference(ids: tf.Tensor2D, weights: tf.Tensor2D, table: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.sum(tf.mul(tf.gather(table, ids), tf.expandDims(weights, 2)), 1) as tf.Tensor2D);
}

function fixture() {
  const ids = tf.tensor2d(
    [
      [0, 2, 0],
      [1, 2, 3],
      [3, 3, 1],
    ],
    undefined,
    'int32',
  );
  const weights = tf.tensor2d([
    [0.5, 0.25, 0],
    [1, -2, 3],
    [0.1, 0.2, 0.3],
  ]);
  const table = tf.tensor2d(
    Array.from({ length: 12 }, (_, i) => ((i * 7) % 5) - 2 + i / 10),
    [4, 3],
  );
  const dyWeights = tf.tensor2d([
    [1, 2, 3],
    [4, 5, 6],
    [-1, 0.5, 2],
  ]);
  return { ids, weights, table, dyWeights };
}

async function resultsOn(backend: 'cpu' | 'wasm') {
  await initBackend(backend);
  const { ids, weights, table, dyWeights } = fixture();
  const loss = (fn: typeof sparseLinear) => (t: tf.Tensor) =>
    tf.sum(tf.mul(fn(ids, weights, t as tf.Tensor2D), dyWeights));
  const out = sparseLinear(ids, weights, table).arraySync();
  const grad = tf.grad(loss(sparseLinear))(table).arraySync() as number[][];
  const segment = tf
    .unsortedSegmentSum(
      tf.tensor2d([
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
      ]),
      tf.tensor1d([2, 0, 2, 1], 'int32'),
      4,
    )
    .arraySync();
  // `gather`'s gradient needs UnsortedSegmentSum, which wasm lacks unless we provide it.
  const refGrad = tf.grad(loss(reference))(table).arraySync() as number[][];
  const ref = reference(ids, weights, table).arraySync();
  return { out, grad, segment, refGrad, ref };
}

function assertClose(a: number[][], b: number[][], tol = 1e-5) {
  assert.equal(a.length, b.length);
  a.forEach((row, i) =>
    row.forEach((v, j) => assert.ok(Math.abs(v - b[i]![j]!) <= tol, `[${i}][${j}] ${v} vs ${b[i]![j]}`)),
  );
}

test('sparseLinear matches gather·weights·sum, forward and gradient, on cpu and wasm', async () => {
  const cpu = await resultsOn('cpu');
  assertClose(cpu.out, cpu.ref);
  assertClose(cpu.grad, cpu.refGrad);
  assert.deepEqual(cpu.segment, [
    [3, 4],
    [7, 8],
    [6, 8],
    [0, 0],
  ]);
  // The backend is process-wide; switching is fine here because nothing else runs in this file.
  const wasm = await resultsOn('wasm');
  assertClose(wasm.out, cpu.out);
  assertClose(wasm.grad, cpu.grad);
  assertClose(wasm.refGrad, cpu.refGrad);
  assert.deepEqual(wasm.segment, cpu.segment);
});
