/** The hidden layer's sparse half of a training step: documents' weighted kernel rows, and back. */
import type { Batch } from './batch.js';

/**
 * The sparse first layer over one batch's rows of the hidden kernel. `forward` gives the
 * pre-activations [size, units] (each document's weighted rows plus the bias); `backward` turns
 * their gradient into one gradient row per entry of `batch.unique`. Both may return views that
 * stay valid only until the layer's next call.
 */
export interface SparseLayer {
  forward(batch: Batch, bias: Float32Array): Float32Array;
  backward(batch: Batch, dPre: Float32Array): Float32Array;
}

/**
 * The sparse layer as plain loops over the batch's rows gathered into `rows` ([unique.length,
 * units], in `batch.unique` order); products are summed in float32 arrays as the
 * `TextclfSparseLinear` kernel sums them.
 */
export function gatheredLayer(rows: Float32Array, units: number): SparseLayer {
  const h = units;
  return {
    forward({ size, width, ids, weights, lengths }, bias) {
      const pre = new Float32Array(size * h);
      for (let b = 0; b < size; b++) {
        const out = b * h;
        for (let k = b * width, end = k + lengths[b]!; k < end; k++) {
          const w = weights[k]!;
          const row = ids[k]! * h;
          for (let j = 0; j < h; j++) pre[out + j]! += w * rows[row + j]!;
        }
        for (let j = 0; j < h; j++) pre[out + j]! += bias[j]!;
      }
      return pre;
    },
    backward({ size, width, ids, weights, lengths, unique }, dPre) {
      const grad = new Float32Array(unique.length * h);
      for (let b = 0; b < size; b++) {
        for (let k = b * width, end = k + lengths[b]!; k < end; k++) {
          const w = weights[k]!;
          const row = ids[k]! * h;
          for (let j = 0; j < h; j++) grad[row + j]! += w * dPre[b * h + j]!;
        }
      }
      return grad;
    },
  };
}
