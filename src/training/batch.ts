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
 * Builds a batch from rows `order[start..end)` of `x`. `slot` is scratch of length numCols, all -1
 * on entry and restored to -1 on exit, so building a batch costs its non-zeros, not the vocabulary.
 */
export function buildBatch(
  x: CsrMatrix,
  t: BatchTargets,
  order: ArrayLike<number>,
  start: number,
  end: number,
  slot: Int32Array,
): Batch {
  const size = end - start;
  let width = 1;
  for (let i = start; i < end; i++) {
    const r = order[i]!;
    width = Math.max(width, x.rowPtr[r + 1]! - x.rowPtr[r]!);
  }
  const ids = new Int32Array(size * width);
  const weights = new Float32Array(size * width);
  const labels = new Int32Array(size);
  const lengths = new Int32Array(size);
  const targets = t.targets ? new Float32Array(size * t.classes) : undefined;
  let count = 0;
  const seen: number[] = [];
  for (let b = 0; b < size; b++) {
    const r = order[start + b]!;
    labels[b] = t.y[r]!;
    if (targets)
      for (let j = 0; j < t.classes; j++) targets[b * t.classes + j] = t.targets![r * t.classes + j]!;
    for (let k = x.rowPtr[r]!; k < x.rowPtr[r + 1]!; k++) {
      const id = x.indices[k]!;
      if (slot[id]! < 0) {
        slot[id] = count++;
        seen.push(id);
      }
    }
  }
  // Rows in ascending order: the gather and the optimizer update then walk the large parameter
  // arrays front to back instead of jumping around (measured ~1.5x faster on thucnews).
  const unique = Int32Array.from(seen).sort();
  for (let i = 0; i < unique.length; i++) slot[unique[i]!] = i;
  for (let b = 0; b < size; b++) {
    const r = order[start + b]!;
    const from = x.rowPtr[r]!;
    lengths[b] = x.rowPtr[r + 1]! - from;
    for (let k = from; k < x.rowPtr[r + 1]!; k++) {
      ids[b * width + (k - from)] = slot[x.indices[k]!]!;
      weights[b * width + (k - from)] = x.values[k]!;
    }
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
