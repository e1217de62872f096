import type { AdamConfig } from './adam.js';
import type { Batch } from './batch.js';
import { WasmTable } from './kernels/index.js';
import type { Rng } from './rng.js';
import { gatheredLayer, type SparseLayer } from './sparse-layer.js';

/**
 * The hidden kernel during training, with its Adam moments interleaved per row:
 * `[kernel(units) | m(units) | v(units)]`. A batch touches a few thousand scattered rows of a
 * table that can be hundreds of MB; keeping each row's three parts together makes every touched
 * row one contiguous block instead of three cache-missing ones.
 *
 * The table lives in a WebAssembly memory where it can ({@link WasmTable}): a step's sparse loops
 * then run there in SIMD, on the rows where they are. Otherwise (too large for wasm32's 4 GiB, or
 * the kernels switched off) it is a plain Float32Array and the loops are JavaScript.
 */
export class HiddenTable {
  readonly stride: number;
  private readonly wasm?: WasmTable;
  private readonly plain?: Float32Array;

  constructor(
    readonly rows: number,
    readonly units: number,
    data?: Float32Array,
  ) {
    this.stride = units * 3;
    const length = rows * this.stride;
    if (data && data.length !== length) throw new Error('hidden table has the wrong size');
    this.wasm = WasmTable.create(length);
    if (this.wasm) {
      if (data) this.wasm.data.set(data);
    } else {
      this.plain = data ?? new Float32Array(length);
    }
  }

  /** The table's floats, row after row (a view of the WebAssembly memory where it lives there). */
  get data(): Float32Array {
    return this.wasm ? this.wasm.data : this.plain!;
  }

  /** Whether a step's loops run in WebAssembly SIMD on this table. */
  get simd(): boolean {
    return this.wasm !== undefined;
  }

  /** A table whose kernel is uniform in [-limit, limit] and whose moments are zero. */
  static init(rows: number, units: number, limit: number, rng: Rng): HiddenTable {
    const t = new HiddenTable(rows, units);
    if (t.wasm) {
      rng.resume(t.wasm.uniform(rows, units, t.stride, limit, rng.snapshot));
      return t;
    }
    const data = t.data;
    for (let r = 0; r < rows; r++) {
      const base = r * t.stride;
      for (let j = 0; j < units; j++) data[base + j] = (rng.next() * 2 - 1) * limit;
    }
    return t;
  }

  /** Kernel rows `unique` as a compact [unique.length, units] matrix. */
  gather(unique: Int32Array): Float32Array {
    const { units, stride, data } = this;
    const out = new Float32Array(unique.length * units);
    for (let r = 0; r < unique.length; r++) {
      const from = unique[r]! * stride;
      const to = r * units;
      for (let j = 0; j < units; j++) out[to + j] = data[from + j]!;
    }
    return out;
  }

  /** The sparse layer over `batch`'s rows: in place in SIMD, or over a gathered copy. */
  layer(batch: Batch): SparseLayer {
    const { wasm, units, stride } = this;
    if (!wasm) return gatheredLayer(this.gather(batch.unique), units);
    return {
      forward: (b, bias) => wasm.forward(b, bias, units, stride),
      backward: (b, dPre) => wasm.backward(b, dPre, units),
    };
  }

  /**
   * Lazy Adam on the rows a batch touched (as TensorFlow's LazyAdamOptimizer): `grad` holds one
   * row per entry of `unique`; rows not in the batch keep their moments untouched.
   */
  update(cfg: AdamConfig, t: number, unique: Int32Array, grad: Float32Array): void {
    const { beta1: b1, beta2: b2, epsilon: eps } = cfg;
    const lr = (cfg.learningRate * Math.sqrt(1 - Math.pow(b2, t))) / (1 - Math.pow(b1, t));
    if (this.wasm) return this.wasm.adam(cfg, lr, unique, grad, this.units);
    const { units, stride } = this;
    const data = this.plain!;
    for (let r = 0; r < unique.length; r++) {
      const w = unique[r]! * stride;
      const m = w + units;
      const v = m + units;
      const g0 = r * units;
      for (let j = 0; j < units; j++) {
        const g = grad[g0 + j]!;
        const mj = (data[m + j] = b1 * data[m + j]! + (1 - b1) * g);
        const vj = (data[v + j] = b2 * data[v + j]! + (1 - b2) * g * g);
        data[w + j]! -= (lr * mj) / (Math.sqrt(vj) + eps);
      }
    }
  }

  /** The kernel as a [rows, units] matrix (into `out` when given). */
  kernel(out: Float32Array = new Float32Array(this.rows * this.units)): Float32Array {
    const { units, stride, data } = this;
    for (let r = 0; r < this.rows; r++) {
      const from = r * stride;
      const to = r * units;
      for (let j = 0; j < units; j++) out[to + j] = data[from + j]!;
    }
    return out;
  }
}
