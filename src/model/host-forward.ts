import * as tf from '@tensorflow/tfjs';
import type { CsrMatrix } from '../text/index.js';
import { valuesOf } from './kernels/arrays.js';

/** The four weight tensors of the network: sparse hidden layer and dense output layer. */
export interface NetworkTensors {
  hiddenKernel: tf.Tensor2D;
  hiddenBias: tf.Tensor1D;
  outputKernel: tf.Tensor2D;
  outputBias: tf.Tensor1D;
}

/**
 * The network's inference up to the logits (sparse layer → ReLU → dense) on the weights where they
 * live, for backends that keep tensors in host memory (cpu, wasm), or undefined elsewhere.
 *
 * Why not the ops: for one document the arithmetic is ~30 µs, while creating the input tensors,
 * dispatching five kernels and reading back costs several times that, and classifying one text
 * per request is what a serving process mostly does. The hidden layer is accumulated in float32
 * exactly as the `TextclfSparseLinear` kernel does; a test checks both paths agree.
 * @returns row-major logits [rows, classes] (the head turns them into probabilities)
 */
export function hostLogits(x: CsrMatrix, w: NetworkTensors): Float32Array | undefined {
  // Views without copies on these two; elsewhere a read-back would copy the whole table.
  const name = tf.getBackend();
  if (name !== 'cpu' && name !== 'wasm') return undefined;
  const backend = tf.backend();
  const [k1, b1, k2, b2] = [w.hiddenKernel, w.hiddenBias, w.outputKernel, w.outputBias].map((t) =>
    valuesOf(backend, t),
  ) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const units = b1.length;
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
      hidden[j] = h > 0 ? h : 0;
    }
    for (let c = 0; c < classes; c++) {
      let s = 0;
      for (let j = 0; j < units; j++) s += hidden[j]! * k2[j * classes + c]!;
      out[r * classes + c] = Math.fround(Math.fround(s) + b2[c]!);
    }
  }
  return out;
}
