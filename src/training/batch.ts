import type { CsrMatrix } from '../text/index.js';

/**
 * One mini-batch in the padded form the network takes, with feature ids renumbered to the rows
 * of the batch's own gathered table (`unique[local] = global id`).
 */
export interface Batch {
  size: number;
  width: number;
  /** Local row ids, int32 [size, width]; padding has weight 0. */
  ids: Int32Array;
  weights: Float32Array;
  /** Non-zeros of each document: row `b` is `ids/weights[b * width .. b * width + lengths[b])`. */
  lengths: Int32Array;
  /** Global feature id of each local row. */
  unique: Int32Array;
  /** Class index per document (-1 in a multi-label batch). */
  labels: Int32Array;
  /** Multi-label batches: multi-hot targets [size, classes] (0/1). */
  targets?: Float32Array;
}

/** What a batch's documents are labelled with: class indices, or multi-hot rows of `classes`. */
export interface BatchTargets {
  y: Int32Array;
  targets?: Uint8Array;
  classes: number;
}

/**
 * What building batches reuses from one to the next: the vocabulary-sized `slot` map (all -1
 * between batches) and arrays that grow to the largest batch. A batch built with it is valid until
 * the next one is built: a loop takes its step on it first.
 */
export class BatchScratch {
  readonly slot: Int32Array;
  private buffers = {
    ids: new Int32Array(0),
    weights: new Float32Array(0),
    seen: new Int32Array(0),
  };

  constructor(numCols: number) {
    this.slot = new Int32Array(numCols).fill(-1);
  }

  /** `n` cells of each reused array, grown (doubling) when short; the cells are not cleared. */
  take(cells: number, distinct: number) {
    const b = this.buffers;
    if (b.ids.length < cells) {
      const n = Math.max(cells, b.ids.length * 2);
      b.ids = new Int32Array(n);
      b.weights = new Float32Array(n);
    }
    if (b.seen.length < distinct) b.seen = new Int32Array(Math.max(distinct, b.seen.length * 2));
    return { ids: b.ids.subarray(0, cells), weights: b.weights.subarray(0, cells), seen: b.seen };
  }
}

/**
 * Builds a batch from rows `order[start..end)` of `x`, in arrays of `scratch` (see there), so
 * building a batch costs its non-zeros, not the vocabulary, and allocates little.
 */
export function buildBatch(
  x: CsrMatrix,
  t: BatchTargets,
  order: ArrayLike<number>,
  start: number,
  end: number,
  scratch: BatchScratch,
): Batch {
  const size = end - start;
  const { rowPtr, indices, values } = x;
  let width = 1;
  let cells = 0;
  for (let i = start; i < end; i++) {
    const r = order[i]!;
    const n = rowPtr[r + 1]! - rowPtr[r]!;
    width = Math.max(width, n);
    cells += n;
  }
  const { slot } = scratch;
  const { ids, weights, seen } = scratch.take(size * width, cells);
  const labels = new Int32Array(size);
  const lengths = new Int32Array(size);
  const targets = t.targets ? new Float32Array(size * t.classes) : undefined;
  let count = 0;
  for (let b = 0; b < size; b++) {
    const r = order[start + b]!;
    labels[b] = t.y[r]!;
    if (targets) targets.set(t.targets!.subarray(r * t.classes, (r + 1) * t.classes), b * t.classes);
    for (let k = rowPtr[r]!; k < rowPtr[r + 1]!; k++) {
      const id = indices[k]!;
      if (slot[id]! < 0) {
        slot[id] = count;
        seen[count++] = id;
      }
    }
  }
  // Rows in ascending order: the gather and the optimizer update then walk the large parameter
  // arrays front to back instead of jumping around (measured ~1.5x faster on thucnews).
  const unique = seen.slice(0, count).sort();
  for (let i = 0; i < unique.length; i++) slot[unique[i]!] = i;
  for (let b = 0; b < size; b++) {
    const r = order[start + b]!;
    const from = rowPtr[r]!;
    const n = rowPtr[r + 1]! - from;
    lengths[b] = n;
    const at = b * width;
    for (let k = 0; k < n; k++) {
      ids[at + k] = slot[indices[from + k]!]!;
      weights[at + k] = values[from + k]!;
    }
    // Padding: weight 0 (and a valid row id) whatever an earlier batch left in these cells.
    ids.fill(0, at + n, at + width);
    weights.fill(0, at + n, at + width);
  }
  for (let i = 0; i < unique.length; i++) slot[unique[i]!] = -1;
  return { size, width, ids, weights, lengths, unique, labels, ...(targets ? { targets } : {}) };
}

/** Copies the rows `unique` of a [rows, units] matrix into a compact [unique.length, units] one. */
export function gatherRows(matrix: Float32Array, units: number, unique: Int32Array): Float32Array {
  const out = new Float32Array(unique.length * units);
  // A plain loop: `set(subarray(...))` allocates a view per row, which dominated on long documents.
  for (let r = 0; r < unique.length; r++) {
    const from = unique[r]! * units;
    const to = r * units;
    for (let j = 0; j < units; j++) out[to + j] = matrix[from + j]!;
  }
  return out;
}
