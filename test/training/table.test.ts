import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ADAM } from '../../src/training/adam.js';
import { useSparseKernels } from '../../src/training/kernels/index.js';
import { Rng } from '../../src/training/rng.js';
import { HiddenTable } from '../../src/training/table.js';

const adam = { ...DEFAULT_ADAM, learningRate: 0.01 };

/** A table of the given kind with the same seeded start. */
function table(kind: 'wasm' | 'js', rows: number, units: number): HiddenTable {
  useSparseKernels(kind);
  try {
    return HiddenTable.init(rows, units, 0.05, new Rng(3));
  } finally {
    useSparseKernels('wasm');
  }
}

describe('the training table', () => {
  it('starts from the same seeded values as in JavaScript; lazy Adam in SIMD updates the touched rows as the JavaScript loops do, and no others', () => {
    for (const units of [1, 3, 4, 7, 32]) {
      const rows = 50;
      const [simd, plain] = [table('wasm', rows, units), table('js', rows, units)];
      assert.ok(simd.simd && !plain.simd);
      // The same seeded start, drawn in WebAssembly and in JavaScript.
      assert.deepEqual(simd.data, plain.data);
      const start = plain.data.slice();
      const touched = new Set<number>();
      const rng = new Rng(units);
      for (let t = 1; t <= 20; t++) {
        const ids = new Set<number>();
        while (ids.size < 8) ids.add(Math.floor(rng.next() * 40)); // rows 40.. are never touched
        const unique = Int32Array.from([...ids].sort((a, b) => a - b));
        unique.forEach((r) => touched.add(r));
        const grad = Float32Array.from({ length: unique.length * units }, () => rng.next() - 0.5);
        simd.update(adam, t, unique, grad);
        plain.update(adam, t, unique, grad);
      }
      const [a, b] = [simd.data, plain.data];
      for (let i = 0; i < a.length; i++) {
        const tol = 1e-6 + 1e-5 * Math.abs(b[i]!);
        assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `units ${units} [${i}]: ${a[i]} against ${b[i]}`);
        const row = Math.floor(i / simd.stride);
        if (!touched.has(row)) assert.equal(a[i], start[i], `untouched row ${row} is unchanged`);
      }
    }
  });

  it('grows its memory for a batch larger than its scratch, keeping the table; a copy restores it', () => {
    // 200,000 rows of 8 units: a gradient of 6.4 MB, more than the 4 MB scratch reserved up front.
    const [simd, plain] = [table('wasm', 200_000, 8), table('js', 200_000, 8)];
    const view = simd.data;
    const unique = Int32Array.from({ length: 200_000 }, (_, i) => i);
    const rng = new Rng(5);
    const grad = Float32Array.from({ length: unique.length * 8 }, () => rng.next() - 0.5);
    simd.update(adam, 1, unique, grad);
    plain.update(adam, 1, unique, grad);
    assert.notEqual(simd.data, view, 'a new view after the memory grew');
    const [a, b] = [simd.kernel(), plain.kernel()];
    for (let i = 0; i < a.length; i += 97) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-6, `[${i}]`);
    const copy = new HiddenTable(200_000, 8, simd.data.slice());
    assert.deepEqual(copy.kernel(), a);
  });
});
