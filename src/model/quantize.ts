/**
 * int8 weights with one scale per row, as fastText's `.ftz`: the hidden kernel (one row per
 * vocabulary term, most of a model's bytes) is stored as q = round(w / s) with s = max|w| / 127
 * per row, so each row keeps its own range and the error of a weight is at most s / 2.
 */

/** A [rows, units] float32 matrix as int8 values and a float32 scale per row. */
export interface QuantizedRows {
  values: Int8Array;
  scales: Float32Array;
}

/** Quantises each row of a row-major [rows, units] matrix to int8 with its own scale. */
export function quantizeRows(matrix: Float32Array, units: number): QuantizedRows {
  const rows = units === 0 ? 0 : matrix.length / units;
  const values = new Int8Array(matrix.length);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * units;
    let max = 0;
    for (let j = 0; j < units; j++) max = Math.max(max, Math.abs(matrix[base + j]!));
    // An all-zero row (a term never updated) keeps scale 0 and decodes to zeros.
    const scale = max / 127;
    scales[r] = scale;
    if (scale === 0) continue;
    for (let j = 0; j < units; j++) values[base + j] = Math.round(matrix[base + j]! / scale);
  }
  return { values, scales };
}

/** The float32 matrix a {@link QuantizedRows} stands for (each value times its row's scale). */
export function dequantizeRows(q: QuantizedRows, units: number): Float32Array {
  const out = new Float32Array(q.values.length);
  for (let r = 0; r < q.scales.length; r++) {
    const s = q.scales[r]!;
    const base = r * units;
    for (let j = 0; j < units; j++) out[base + j] = q.values[base + j]! * s;
  }
  return out;
}
