/** The training step's sparse loops in WebAssembly SIMD, over a hidden table kept in the module's memory. */
import { readFileSync } from 'node:fs';
import type { AdamConfig } from '../adam.js';
import type { Batch } from '../batch.js';

/** What `sparse.wat` exports; pointers are byte offsets into the table's memory. */
interface SparseExports {
  uniform(...args: number[]): number;
  forward(...args: number[]): void;
  accumulate(...args: number[]): void;
  adam(...args: number[]): void;
}

/** The parts of the WebAssembly API used here (the project's TypeScript libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PAGE = 65536;
/** wasm32's largest memory: 4 GiB. Tables that do not fit (with their scratch) stay in JavaScript. */
const MAX_PAGES = 65536;
/** Scratch reserved up front, so that typical batches never grow the memory. */
const INITIAL_SCRATCH = 4 << 20;

let compiled: object | null | undefined;
let wanted = process.env.TEXTCLF_SPARSE_KERNELS !== 'js';

/**
 * Chooses where the hidden table's loops run for tables made from now on: `wasm` (SIMD, the
 * default) or `js` (plain loops over a Float32Array; also what runs where WebAssembly SIMD does
 * not). `TEXTCLF_SPARSE_KERNELS=js` chooses `js` for a whole process. For benchmarks and tests.
 */
export function useSparseKernels(kind: 'wasm' | 'js'): void {
  wanted = kind === 'wasm';
}

/** The compiled module, or undefined when it is switched off or cannot compile here (no SIMD). */
function sparseModule(): object | undefined {
  if (!wanted) return undefined;
  if (compiled === undefined) {
    try {
      compiled = new wasmApi.Module(readFileSync(new URL('./sparse.wasm', import.meta.url)));
    } catch {
      compiled = null;
    }
  }
  return compiled ?? undefined;
}

const align16 = (n: number) => (n + 15) & ~15;

/** Where one step's arrays sit in the scratch after the table (byte offsets). */
interface StepLayout {
  unique: number;
  ids: number;
  weights: number;
  lengths: number;
  bias: number;
  pre: number;
  dPre: number;
  grad: number;
  end: number;
}

/**
 * A hidden table in a WebAssembly memory of its own, with the SIMD loops that read and write it
 * in place: a batch's rows are never gathered into a copy. The table sits at the start of the
 * memory and each step's arrays after it, so growing the scratch never moves the table (growing
 * does detach earlier views: {@link WasmTable.data} makes a fresh one when needed).
 */
export class WasmTable {
  private readonly memory: WasmMemory;
  private readonly k: SparseExports;
  private readonly tableBytes: number;
  private readonly length: number;
  private view: Float32Array;
  private at?: StepLayout;

  /** A zeroed table of `length` floats, or undefined when the kernels are off or it cannot fit. */
  static create(length: number): WasmTable | undefined {
    const module = sparseModule();
    const tableBytes = align16(length * 4);
    const pages = Math.ceil((tableBytes + INITIAL_SCRATCH) / PAGE);
    if (!module || pages > MAX_PAGES) return undefined;
    return new WasmTable(module, length, tableBytes, pages);
  }

  private constructor(module: object, length: number, tableBytes: number, pages: number) {
    this.memory = new wasmApi.Memory({ initial: pages, maximum: MAX_PAGES });
    this.k = new wasmApi.Instance(module, { env: { memory: this.memory } })
      .exports as unknown as SparseExports;
    this.tableBytes = tableBytes;
    this.length = length;
    this.view = new Float32Array(this.memory.buffer, 0, length);
  }

  /** The table's floats (a view, made afresh after the memory grew). */
  get data(): Float32Array {
    // A view of a buffer detached by `grow` reads as empty: its length is not to be trusted.
    if (this.view.buffer !== this.memory.buffer)
      this.view = new Float32Array(this.memory.buffer, 0, this.length);
    return this.view;
  }

  /**
   * Sets the first `units` floats of each of `rows` rows (`stride` floats apart) uniform in
   * [-limit, limit) from mulberry32 at `state`, as `Rng.next()` would, in row-major order.
   * @returns the generator's state after the last draw
   */
  uniform(rows: number, units: number, stride: number, limit: number, state: number): number {
    return this.k.uniform(0, rows, units, stride * 4, limit, state | 0) >>> 0;
  }

  /** Lays out `batch`'s arrays in the scratch (growing the memory if they do not fit) and copies them in. */
  private load(batch: Batch, units: number, bias: Float32Array): StepLayout {
    const cells = batch.size * batch.width;
    const rowBytes = units * 4;
    let p = this.tableBytes;
    const next = (bytes: number) => {
      const at = p;
      p += align16(bytes);
      return at;
    };
    const at: StepLayout = {
      unique: next(batch.unique.length * 4),
      ids: next(cells * 4),
      weights: next(cells * 4),
      lengths: next(batch.size * 4),
      bias: next(rowBytes),
      pre: next(batch.size * rowBytes),
      dPre: next(batch.size * rowBytes),
      grad: next(batch.unique.length * rowBytes),
      end: p,
    };
    const short = at.end - this.memory.buffer.byteLength;
    if (short > 0) this.memory.grow(Math.ceil(short / PAGE));
    const buf = this.memory.buffer;
    new Int32Array(buf, at.unique, batch.unique.length).set(batch.unique);
    new Int32Array(buf, at.ids, cells).set(batch.ids);
    new Float32Array(buf, at.weights, cells).set(batch.weights);
    new Int32Array(buf, at.lengths, batch.size).set(batch.lengths);
    new Float32Array(buf, at.bias, units).set(bias);
    return (this.at = at);
  }

  /**
   * Pre-activations of `batch` ([size, units]: each document's weighted kernel rows plus `bias`),
   * as a view into the memory, valid until the next call.
   */
  forward(batch: Batch, bias: Float32Array, units: number, stride: number): Float32Array {
    const at = this.load(batch, units, bias);
    this.k.forward(
      0,
      stride * 4,
      units,
      at.unique,
      at.ids,
      at.weights,
      at.lengths,
      batch.width,
      batch.size,
      at.bias,
      at.pre,
    );
    return new Float32Array(this.memory.buffer, at.pre, batch.size * units);
  }

  /**
   * The gradient of each of the batch's rows (`batch.unique` order) from the pre-activations'
   * gradient `dPre`, after {@link forward} on the same batch; a view into the memory.
   */
  backward(batch: Batch, dPre: Float32Array, units: number): Float32Array {
    const at = this.at!;
    new Float32Array(this.memory.buffer, at.dPre, batch.size * units).set(dPre);
    this.k.accumulate(
      at.grad,
      batch.unique.length,
      units,
      at.ids,
      at.weights,
      at.lengths,
      batch.width,
      batch.size,
      at.dPre,
    );
    return new Float32Array(this.memory.buffer, at.grad, batch.unique.length * units);
  }

  /**
   * Lazy Adam on rows `unique` of a table whose rows are `[kernel | m | v]`: `grad` (one row per
   * entry of `unique`) is used in place when it is {@link backward}'s view, else copied in.
   * `lr` carries Adam's bias corrections.
   */
  adam(cfg: AdamConfig, lr: number, unique: Int32Array, grad: Float32Array, units: number): void {
    let at = this.at;
    const inPlace = at && grad.buffer === this.memory.buffer && grad.byteOffset === at.grad;
    if (!inPlace) {
      const cells = unique.length * units;
      const need = align16(this.tableBytes + unique.length * 4) + cells * 4;
      const short = need - this.memory.buffer.byteLength;
      if (short > 0) this.memory.grow(Math.ceil(short / PAGE));
      const base = this.tableBytes;
      at = { ...(at ?? ({} as StepLayout)), unique: base, grad: align16(base + unique.length * 4) };
      new Int32Array(this.memory.buffer, at.unique, unique.length).set(unique);
      new Float32Array(this.memory.buffer, at.grad, cells).set(grad);
      this.at = undefined;
    }
    this.k.adam(0, units, at!.unique, unique.length, at!.grad, lr, cfg.beta1, cfg.beta2, cfg.epsilon);
  }
}
