/** The network's inference on host arrays: plain float32 loops, no TensorFlow.js. */
import type { CsrMatrix } from '../text/index.js';

/** The network's weights as host arrays (row-major, in the order of the weight tensors). */
export interface HostWeights {
  hiddenKernel: Float32Array; // [vocabularySize, hiddenUnits]
  hiddenBias: Float32Array; // [hiddenUnits]
  outputKernel: Float32Array; // [hiddenUnits, numClasses]
  outputBias: Float32Array; // [numClasses]
  /** True for a linear model: the hidden layer has no ReLU (`NetworkShape.activation`). */
  linear?: boolean;
}

/**
 * Logits of the network (sparse layer → ReLU → dense) for each row of `x`, row-major [rows,
 * classes]. The hidden layer is accumulated in float32 exactly as the `TextclfSparseLinear` kernel
 * does; a test checks this agrees with the ops. Ids outside the table and zero weights are skipped.
 */
export function logitsOnHost(x: CsrMatrix, w: HostWeights): Float32Array {
  const { hiddenKernel: k1, hiddenBias: b1, outputKernel: k2, outputBias: b2 } = w;
  const units = b1.length;
  const relu = !w.linear;
  const classes = b2.length;
  const rowsInTable = units === 0 ? 0 : k1.length / units;
  const hidden = new Float32Array(units);
  const out = new Float32Array(x.numRows * classes);
  for (let r = 0; r < x.numRows; r++) {
    hidden.fill(0);
    for (let p = x.rowPtr[r]!; p < x.rowPtr[r + 1]!; p++) {
      const v = x.values[p]!;
      const id = x.indices[p]!;
      if (v === 0 || id < 0 || id >= rowsInTable) continue;
      const base = id * units;
      for (let j = 0; j < units; j++) hidden[j]! += v * k1[base + j]!;
    }
    for (let j = 0; j < units; j++) {
      const h = Math.fround(hidden[j]! + b1[j]!);
      hidden[j] = h > 0 || !relu ? h : 0;
    }
    for (let c = 0; c < classes; c++) {
      let s = 0;
      for (let j = 0; j < units; j++) s += hidden[j]! * k2[j * classes + c]!;
      out[r * classes + c] = Math.fround(Math.fround(s) + b2[c]!);
    }
  }
  return out;
}
