import * as tf from '@tensorflow/tfjs';
import { sparseLinear } from '../model/index.js';
import type { DenseParams } from './params.js';
import type { Batch } from './batch.js';

export interface StepResult {
  loss: number;
  correct: number;
  /** Gradients: gathered hidden-kernel rows [unique, units], then the dense parameters. */
  grads?: {
    hiddenRows: Float32Array;
    hiddenBias: Float32Array;
    outputKernel: Float32Array;
    outputBias: Float32Array;
  };
  /** Class probabilities [size, classes] (forward-only calls). */
  probabilities?: Float32Array;
}

interface Dims {
  hiddenUnits: number;
  numClasses: number;
}

/**
 * One forward (and, with `train`, backward) pass of the network on a batch, in TensorFlow.js.
 * The hidden kernel enters as the batch's gathered rows so gradients are rows-in-batch × units.
 * `dropoutMask` ([size, hiddenUnits], already scaled by 1/(1-rate)) comes from the trainer's seeded
 * RNG so every backend sees the same mask.
 */
export async function runStep(
  batch: Batch,
  hiddenRows: Float32Array,
  params: DenseParams,
  dims: Dims,
  mode: { train: boolean; dropoutMask?: Float32Array; classWeights?: Float32Array },
): Promise<StepResult> {
  const { hiddenUnits: h, numClasses: c } = dims;
  let kept: tf.Tensor[] | undefined;
  tf.tidy(() => {
    const ids = tf.tensor2d(batch.ids, [batch.size, batch.width], 'int32');
    const weights = tf.tensor2d(batch.weights, [batch.size, batch.width]);
    const labels = tf.oneHot(tf.tensor1d(batch.labels, 'int32'), c);
    const mask = mode.dropoutMask ? tf.tensor2d(mode.dropoutMask, [batch.size, h]) : undefined;
    const cw = mode.classWeights;
    // Each document's loss weighted by its class's weight (a weighted mean over the batch).
    const sampleWeights = cw ? tf.tensor1d(Float32Array.from(batch.labels, (l) => cw[l]!)) : undefined;
    const inputs = [
      tf.tensor2d(hiddenRows, [batch.unique.length, h]),
      tf.tensor1d(params.hiddenBias),
      tf.tensor2d(params.outputKernel, [h, c]),
      tf.tensor1d(params.outputBias),
    ] as const;
    let logitsKept: tf.Tensor | undefined;
    const lossOf = (table: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor): tf.Scalar => {
      let hidden = tf.relu(tf.add(sparseLinear(ids, weights, table as tf.Tensor2D), b1));
      if (mask) hidden = tf.mul(hidden, mask);
      const logits = tf.add(tf.matMul(hidden as tf.Tensor2D, w2 as tf.Tensor2D), b2);
      logitsKept = tf.keep(logits);
      return tf.losses.softmaxCrossEntropy(labels, logits, sampleWeights) as tf.Scalar;
    };
    let loss: tf.Scalar;
    let grads: tf.Tensor[] | undefined;
    if (mode.train) {
      const r = tf.valueAndGrads((...xs: tf.Tensor[]) => lossOf(xs[0]!, xs[1]!, xs[2]!, xs[3]!))([...inputs]);
      loss = r.value;
      grads = r.grads;
    } else {
      loss = lossOf(...inputs);
    }
    const logits = logitsKept!;
    kept = [tf.argMax(logits, 1), loss, ...(grads ?? [tf.softmax(logits)])].map((t) => tf.keep(t));
    tf.dispose(logits);
  });
  // Read back asynchronously: the webgpu backend cannot read device memory synchronously under Node.
  const values = await Promise.all(kept!.map((t) => t.data()));
  tf.dispose(kept!);
  const [predicted, lossValue, ...rest] = values as [Int32Array, Float32Array, ...Float32Array[]];
  let correct = 0;
  for (let i = 0; i < batch.size; i++) if (predicted[i] === batch.labels[i]) correct++;
  const result: StepResult = { loss: lossValue[0]!, correct };
  if (mode.train) {
    const [g0, g1, g2, g3] = rest;
    result.grads = { hiddenRows: g0!, hiddenBias: g1!, outputKernel: g2!, outputBias: g3! };
  } else {
    result.probabilities = rest[0]!;
  }
  return result;
}
