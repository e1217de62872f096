import * as tf from '@tensorflow/tfjs';
import type { Stepper } from './epoch.js';
import { hostStep } from './host-step.js';
import { runStep } from './step.js';

/** Whether steps run as the plain loops of `host-step.ts` (cpu, wasm) or as TensorFlow.js ops. */
export const onHost = (): boolean => {
  const name = tf.getBackend();
  return name === 'cpu' || name === 'wasm';
};

/**
 * One step on the batch's rows of the hidden kernel: on the host backends through the source's
 * sparse layer (in place in SIMD for a training table), for TensorFlow.js ops gathered (in
 * ascending row order, which the memory prefetcher follows).
 */
export const stepOnBackend: Stepper = (batch, source, dims, mode) =>
  onHost()
    ? hostStep(batch, source.layer(batch), source.dense, dims, mode)
    : runStep(batch, source.gather(batch.unique), source.dense, dims, mode);
