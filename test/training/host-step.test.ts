import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/index.js';
import type { CsrMatrix } from '../../src/text/index.js';
import { BatchScratch, buildBatch } from '../../src/training/batch.js';
import { hostStep } from '../../src/training/host-step.js';
import { dropoutMask } from '../../src/training/params.js';
import { Rng } from '../../src/training/rng.js';
import { gatheredLayer } from '../../src/training/sparse-layer.js';
import { runStep, type StepResult } from '../../src/training/step.js';
import { HiddenTable } from '../../src/training/table.js';

/** A training table of `cols` rows holding `rows` (gathered, `unique` order) at their ids. */
function tableWith(rows: Float32Array, unique: Int32Array, cols: number, h: number): HiddenTable {
  const t = new HiddenTable(cols, h);
  unique.forEach((id, r) => t.data.set(rows.subarray(r * h, (r + 1) * h), id * t.stride));
  return t;
}

/** Random L2-normalised sparse rows of very different lengths (so batches are padded). */
function matrix(rng: Rng, rows: number, cols: number): CsrMatrix {
  const rowPtr = new Int32Array(rows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    const ids = new Set<number>();
    const n = 1 + Math.floor(rng.next() ** 3 * 40);
    while (ids.size < n) ids.add(Math.floor(rng.next() * cols));
    const row = [...ids].sort((a, b) => a - b);
    const w = row.map(() => 0.1 + rng.next());
    const norm = Math.hypot(...w);
    indices.push(...row);
    values.push(...w.map((x) => x / norm));
    rowPtr[r + 1] = indices.length;
  }
  return {
    rowPtr,
    indices: Int32Array.from(indices),
    values: Float32Array.from(values),
    numRows: rows,
    numCols: cols,
  };
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    const tol = 1e-5 * Math.max(1, Math.abs(b[i]!));
    assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `${what}[${i}]: ${a[i]} against ${b[i]}`);
  }
}

function same(host: StepResult, ops: StepResult, what: string): void {
  assert.equal(host.correct, ops.correct, `${what}: correct`);
  close([host.loss], [ops.loss], `${what}: loss`);
  if (ops.logits) close(host.logits!, ops.logits, `${what}: logits`);
  if (ops.grads) {
    for (const k of ['hiddenRows', 'hiddenBias', 'outputKernel', 'outputBias'] as const)
      close(host.grads![k], ops.grads[k], `${what}: ${k}`);
  }
}

describe('the host training step', () => {
  before(async () => {
    await initBackend('cpu');
  });

  it('gives the ops step loss, counts, logits and gradients: single- and multi-label, weights, dropout; gathered rows and the SIMD table alike', async () => {
    const rng = new Rng(9);
    for (let trial = 0; trial < 24; trial++) {
      const h = 1 + Math.floor(rng.next() * 24);
      const c = 2 + Math.floor(rng.next() * 6);
      const cols = 50 + Math.floor(rng.next() * 200);
      const rows = 20;
      const x = matrix(rng, rows, cols);
      const multi = trial % 2 === 1;
      const y = Int32Array.from({ length: rows }, () => (multi ? -1 : Math.floor(rng.next() * c)));
      const targets = multi
        ? Uint8Array.from({ length: rows * c }, () => (rng.next() < 0.3 ? 1 : 0))
        : undefined;
      const order = rng.shuffle(Int32Array.from({ length: rows }, (_, i) => i));
      const batch = buildBatch(
        x,
        { y, classes: c, ...(targets ? { targets } : {}) },
        order,
        0,
        1 + (trial % rows),
        new BatchScratch(cols),
      );
      const table = Float32Array.from({ length: batch.unique.length * h }, () => rng.next() - 0.5);
      const params = {
        hiddenBias: Float32Array.from({ length: h }, () => (rng.next() - 0.5) * 0.2),
        outputKernel: Float32Array.from({ length: h * c }, () => rng.next() - 0.5),
        outputBias: Float32Array.from({ length: c }, () => (rng.next() - 0.5) * 0.2),
      };
      const cw =
        trial % 3 === 0
          ? Float32Array.from({ length: multi ? 2 * c : c }, () => 0.5 + rng.next())
          : undefined;
      const mask = trial % 4 < 2 ? dropoutMask(rng, batch.size * h, 0.5) : undefined;
      const dims = { hiddenUnits: h, numClasses: c };
      for (const train of [true, false]) {
        const mode = {
          train,
          ...(mask && train ? { dropoutMask: mask } : {}),
          ...(cw ? { classWeights: cw } : {}),
        };
        const ops = await runStep(batch, table, params, dims, mode);
        const what = `trial ${trial} train ${train}`;
        same(hostStep(batch, gatheredLayer(table, h), params, dims, mode), ops, `${what} gathered`);
        const inPlace = tableWith(table, batch.unique, cols, h);
        assert.ok(inPlace.simd, 'the table is in WebAssembly memory');
        same(hostStep(batch, inPlace.layer(batch), params, dims, mode), ops, `${what} in place`);
      }
    }
  });

  it('batches built with one reused scratch equal batches built each with a fresh one', () => {
    const rng = new Rng(4);
    const x = matrix(rng, 60, 120);
    const y = Int32Array.from({ length: 60 }, (_, i) => i % 3);
    const order = rng.shuffle(Int32Array.from({ length: 60 }, (_, i) => i));
    const reused = new BatchScratch(120);
    // Batch sizes that go up and down, so a wide batch's cells are reused by a narrower one.
    for (const [start, end] of [
      [0, 20],
      [20, 23],
      [23, 50],
      [50, 51],
      [51, 60],
    ] as const) {
      const a = buildBatch(x, { y, classes: 3 }, order, start, end, reused);
      const b = buildBatch(x, { y, classes: 3 }, order, start, end, new BatchScratch(120));
      assert.deepEqual(
        { ...a, ids: [...a.ids], weights: [...a.weights] },
        { ...b, ids: [...b.ids], weights: [...b.weights] },
      );
      assert.ok(
        reused.slot.every((v) => v === -1),
        'the slot map is all -1 again',
      );
    }
  });

  it('allocates no tensors', () => {
    const before = tf.memory().numTensors;
    const rng = new Rng(1);
    const x = matrix(rng, 8, 30);
    const batch = buildBatch(
      x,
      { y: new Int32Array(8), classes: 2 },
      Int32Array.from({ length: 8 }, (_, i) => i),
      0,
      8,
      new BatchScratch(30),
    );
    const dims = { hiddenUnits: 4, numClasses: 2 };
    const params = {
      hiddenBias: new Float32Array(4),
      outputKernel: new Float32Array(8).fill(0.1),
      outputBias: new Float32Array(2),
    };
    const rows = new Float32Array(batch.unique.length * 4).fill(0.2);
    hostStep(batch, gatheredLayer(rows, 4), params, dims, { train: true });
    hostStep(batch, tableWith(rows, batch.unique, 30, 4).layer(batch), params, dims, { train: true });
    assert.equal(tf.memory().numTensors, before);
  });
});
