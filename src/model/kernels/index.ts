import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs';
import { sparseLinearGradConfig, sparseLinearKernelConfigs } from './sparse-linear.js';
import { unsortedSegmentSumWasmConfig } from './unsorted-segment-sum.js';

import { sparseLinear as sparseLinearOp } from './sparse-linear.js';

export { SPARSE_LINEAR, SPARSE_LINEAR_GRAD } from './sparse-linear.js';

let registered = false;

/**
 * Registers this project's kernels with TensorFlow.js (idempotent). Kernels are keyed by backend
 * name, so this may run before the backend is initialised.
 */
export function registerKernels(): void {
  if (registered) return;
  registered = true;
  for (const config of sparseLinearKernelConfigs()) tf.registerKernel(config);
  tf.registerGradient(sparseLinearGradConfig);
  if (!tf.getKernel(unsortedSegmentSumWasmConfig.kernelName, 'wasm'))
    tf.registerKernel(unsortedSegmentSumWasmConfig);
}

/** {@link sparseLinearOp} with this project's kernels registered first. */
export function sparseLinear(ids: tf.Tensor2D, weights: tf.Tensor2D, table: tf.Tensor2D): tf.Tensor2D {
  registerKernels();
  return sparseLinearOp(ids, weights, table);
}
