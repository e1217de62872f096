/** A sparse row: feature ids in ascending order with their weights (L2-normalised by the vectoriser). */
export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

/** Compressed sparse rows: row `r` owns `indices/values[rowPtr[r] .. rowPtr[r + 1])`. */
export interface CsrMatrix {
  rowPtr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
  numRows: number;
  numCols: number;
}
