/** One document's TF-IDF row: its features counted as they come, then weighed and normalised. */
import { doubled } from './arrays.js';
import type { SparseVector } from './types.js';

/** `1 + ln(count)` for the small counts nearly every term has, computed once. */
const SUBLINEAR = Float64Array.from({ length: 64 }, (_, c) => 1 + Math.log(c));

function sublinear(count: number): number {
  return count < 64 ? SUBLINEAR[count]! : 1 + Math.log(count);
}

/**
 * Known terms are counted by feature id straight away, in a scratch array the size of the
 * vocabulary (reset by each row taken; transforming is synchronous, so one per vectoriser is
 * safe): no per-document map on the serving hot path, and no arrays per row when a fit writes a
 * million rows into its matrix.
 */
export class RowBuilder {
  /** Per-feature counts of the document in progress; all zero between rows. */
  private readonly counts: Int32Array;
  /** Feature ids counted so far in the document in progress. */
  private touched = new Int32Array(256);
  private touchedCount = 0;
  /** The row's weights in float64 before normalising (reused). */
  private weights = new Float64Array(256);

  constructor(
    private readonly idf: Float64Array,
    private readonly sublinearTf: boolean,
  ) {
    this.counts = new Int32Array(idf.length);
  }

  /** Counts one occurrence of feature `id`. */
  count(id: number): void {
    if (this.counts[id] === 0) {
      if (this.touchedCount === this.touched.length) this.touched = doubled(this.touched);
      this.touched[this.touchedCount++] = id;
    }
    this.counts[id]! += 1;
  }

  /** The row of the features counted since the last row, in arrays of its own; resets the counts. */
  take(): SparseVector {
    const n = this.touchedCount;
    const out = { indices: new Int32Array(n), values: new Float32Array(n) };
    this.writeInto(out.indices, out.values, 0);
    return out;
  }

  /**
   * Writes the row at `at` in `indices` and `values` (ids ascending, tf × idf computed in float64,
   * L2-normalised); resets the counts. Returns its length.
   */
  writeInto(indices: Int32Array, values: Float32Array, at: number): number {
    const { counts, idf } = this;
    const n = this.touchedCount;
    const ids = this.touched.subarray(0, n).sort();
    this.touchedCount = 0;
    if (this.weights.length < n) this.weights = new Float64Array(n * 2);
    const weights = this.weights;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      const count = counts[id]!;
      counts[id] = 0;
      const w = (this.sublinearTf ? sublinear(count) : count) * idf[id]!;
      weights[i] = w;
      sumSq += w * w;
    }
    const norm = Math.sqrt(sumSq);
    indices.set(ids, at);
    for (let i = 0; i < n; i++) values[at + i] = weights[i]! / norm;
    return n;
  }

  /** Bytes of the list of touched ids (it grows with the longest document seen). */
  touchedBytes(): number {
    return this.touched.byteLength;
  }
}
