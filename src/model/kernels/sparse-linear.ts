import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { makeOutput, valuesOf } from './arrays.js';

/** Kernel names; prefixed so they can never clash with TensorFlow.js's own. */
export const SPARSE_LINEAR = 'TextclfSparseLinear';
export const SPARSE_LINEAR_GRAD = 'TextclfSparseLinearGrad';

/**
 * out[b, :] = Σ_l weights[b, l] · table[ids[b, l], :]  — the first layer of a bag-of-words network
 * without ever forming the dense documents × vocabulary matrix. Padding entries have weight 0.
 */
const sparseLinearKernel: KernelFunc = ({ inputs, backend }) => {
  const { ids, weights, table } = inputs as { ids: TensorInfo; weights: TensorInfo; table: TensorInfo };
  const [batch = 0, width = 0] = ids.shape;
  const [rows = 0, units = 0] = table.shape;
  // Typed once so the loops below stay monomorphic.
  const idv = valuesOf(backend, ids) as Int32Array;
  const wv = valuesOf(backend, weights) as Float32Array;
  const tv = valuesOf(backend, table) as Float32Array;
  return makeOutput(backend, [batch, units], 'float32', (o32) => {
    const out = o32 as Float32Array;
    for (let b = 0; b < batch; b++) {
      const o = b * units;
      for (let l = 0; l < width; l++) {
        const w = wv[b * width + l]!;
        if (w === 0) continue;
        const id = idv[b * width + l]!;
        if (id < 0 || id >= rows) continue;
        const r = id * units;
        for (let j = 0; j < units; j++) out[o + j]! += w * tv[r + j]!;
      }
    }
  });
};

/** d table[ids[b, l], :] += weights[b, l] · dy[b, :]  (a transposed sparse product, rows × units). */
const sparseLinearGradKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { ids, weights, dy } = inputs as { ids: TensorInfo; weights: TensorInfo; dy: TensorInfo };
  const rows = (attrs as { rows: number }).rows;
  const [batch = 0, width = 0] = ids.shape;
  const units = dy.shape[1] ?? 0;
  const idv = valuesOf(backend, ids) as Int32Array;
  const wv = valuesOf(backend, weights) as Float32Array;
  const dv = valuesOf(backend, dy) as Float32Array;
  return makeOutput(backend, [rows, units], 'float32', (o32) => {
    const out = o32 as Float32Array;
    for (let b = 0; b < batch; b++) {
      const o = b * units;
      for (let l = 0; l < width; l++) {
        const w = wv[b * width + l]!;
        if (w === 0) continue;
        const id = idv[b * width + l]!;
        if (id < 0 || id >= rows) continue;
        const r = id * units;
        for (let j = 0; j < units; j++) out[r + j]! += w * dv[o + j]!;
      }
    }
  });
};

/**
 * Backends these JS kernels are registered for; they only need readSync and an output allocator.
 * Not webgpu: its readSync needs an OffscreenCanvas, absent in Node; `webgpu-kernels.ts` covers it.
 */
export const KERNEL_BACKENDS = ['cpu', 'wasm', 'tensorflow'] as const;

export function sparseLinearKernelConfigs(): KernelConfig[] {
  return KERNEL_BACKENDS.flatMap((backendName) => [
    { kernelName: SPARSE_LINEAR, backendName, kernelFunc: sparseLinearKernel },
    { kernelName: SPARSE_LINEAR_GRAD, backendName, kernelFunc: sparseLinearGradKernel },
  ]);
}

export const sparseLinearGradConfig: tf.GradConfig = {
  kernelName: SPARSE_LINEAR,
  inputsToSave: ['ids', 'weights', 'table'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
    const [ids, weights, table] = saved as [Tensor, Tensor, Tensor];
    const rows = table.shape[0]!;
    return {
      table: () =>
        tf.engine().runKernel(SPARSE_LINEAR_GRAD, { ids, weights, dy: dy as Tensor }, {
          rows,
        } as unknown as NamedAttrMap) as Tensor,
    };
  },
};

/**
 * Sparse × dense product of a padded bag of features with an embedding table.
 * @param ids int32 [batch, width] feature ids (rows of `table`)
 * @param weights float32 [batch, width] feature weights; 0 marks padding
 * @param table float32 [rows, units]
 * @returns float32 [batch, units]; differentiable with respect to `table`
 */
export function sparseLinear(ids: tf.Tensor2D, weights: tf.Tensor2D, table: tf.Tensor2D): tf.Tensor2D {
  return tf.engine().runKernel(SPARSE_LINEAR, { ids, weights, table }) as tf.Tensor2D;
}
