import * as tf from '@tensorflow/tfjs';
import { sparseLinear } from '../model/index.js';
import type { DenseParams } from './params.js';
import type { Batch } from './batch.js';

export interface StepResult {
  loss: number;
  /** Documents right: argmax = label, or (multi-label) every label's logit on the right side of 0. */
  correct: number;
  /** Gradients: gathered hidden-kernel rows [unique, units], then the dense parameters. */
  grads?: {
    hiddenRows: Float32Array;
    hiddenBias: Float32Array;
    outputKernel: Float32Array;
    outputBias: Float32Array;
  };
  /** Output logits [size, classes] (forward-only calls): the head turns them into probabilities. */
  logits?: Float32Array;
}

/** The network's widths, and whether its hidden layer is linear (no ReLU: `hiddenUnits: 0`). */
export interface Dims {
  hiddenUnits: number;
  numClasses: number;
  linear?: boolean;
}

/** What a step is asked to do besides the batch and the parameters. */
export interface StepMode {
  train: boolean;
  dropoutMask?: Float32Array;
  /**
   * Loss weights: per class for a single-label batch; for a multi-label one, per label the weight of
   * a positive then of a negative target (`[pos_0..pos_c-1, neg_0..neg_c-1]`).
   */
  classWeights?: Float32Array;
}

/** The loss of a batch given its logits: softmax cross-entropy, or one binary cross-entropy per label. */
function batchLoss(batch: Batch, logits: tf.Tensor, c: number, cw?: Float32Array): tf.Scalar {
  if (batch.targets) {
    const targets = tf.tensor2d(batch.targets, [batch.size, c]);
    // Each (document, label) term weighted by its label's weight for a positive or a negative target.
    const weights = cw
      ? tf.tensor2d(
          Float32Array.from(batch.targets, (t, k) => (t > 0 ? cw[k % c]! : cw[c + (k % c)]!)),
          [batch.size, c],
        )
      : undefined;
    return tf.losses.sigmoidCrossEntropy(targets, logits, weights) as tf.Scalar;
  }
  const labels = tf.oneHot(tf.tensor1d(batch.labels, 'int32'), c);
  // Each document's loss weighted by its class's weight (a weighted mean over the batch).
  const sampleWeights = cw ? tf.tensor1d(Float32Array.from(batch.labels, (l) => cw[l]!)) : undefined;
  return tf.losses.softmaxCrossEntropy(labels, logits, sampleWeights) as tf.Scalar;
}

/** Per document, 1 when the prediction is right: argmax = label, or every label decided right at 0.5. */
function rightTensor(batch: Batch, logits: tf.Tensor, c: number): tf.Tensor {
  if (batch.targets) {
    const truth = tf.greater(tf.tensor2d(batch.targets, [batch.size, c]), 0.5);
    return tf.cast(tf.all(tf.equal(tf.greater(logits, 0), truth), 1), 'int32');
  }
  return tf.cast(tf.equal(tf.argMax(logits, 1), tf.tensor1d(batch.labels, 'int32')), 'int32');
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
  mode: StepMode,
): Promise<StepResult> {
  const { hiddenUnits: h, numClasses: c } = dims;
  let kept: tf.Tensor[] | undefined;
  tf.tidy(() => {
    const ids = tf.tensor2d(batch.ids, [batch.size, batch.width], 'int32');
    const weights = tf.tensor2d(batch.weights, [batch.size, batch.width]);
    const mask = mode.dropoutMask ? tf.tensor2d(mode.dropoutMask, [batch.size, h]) : undefined;
    const inputs = [
      tf.tensor2d(hiddenRows, [batch.unique.length, h]),
      tf.tensor1d(params.hiddenBias),
      tf.tensor2d(params.outputKernel, [h, c]),
      tf.tensor1d(params.outputBias),
    ] as const;
    let logitsKept: tf.Tensor | undefined;
    const lossOf = (table: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor): tf.Scalar => {
      const pre = tf.add(sparseLinear(ids, weights, table as tf.Tensor2D), b1);
      let hidden = dims.linear ? pre : tf.relu(pre);
      if (mask) hidden = tf.mul(hidden, mask);
      const logits = tf.add(tf.matMul(hidden as tf.Tensor2D, w2 as tf.Tensor2D), b2);
      logitsKept = tf.keep(logits);
      return batchLoss(batch, logits, c, mode.classWeights);
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
    kept = [rightTensor(batch, logits, c), loss, ...(grads ?? [logits.clone()])].map((t) => tf.keep(t));
    tf.dispose(logits);
  });
  // Read back asynchronously: the webgpu backend cannot read device memory synchronously under Node.
  const values = await Promise.all(kept!.map((t) => t.data()));
  tf.dispose(kept!);
  const [right, lossValue, ...rest] = values as [Int32Array, Float32Array, ...Float32Array[]];
  let correct = 0;
  for (let i = 0; i < batch.size; i++) correct += right[i]!;
  const result: StepResult = { loss: lossValue[0]!, correct };
  if (mode.train) {
    const [g0, g1, g2, g3] = rest;
    result.grads = { hiddenRows: g0!, hiddenBias: g1!, outputKernel: g2!, outputBias: g3! };
  } else {
    result.logits = rest[0]!;
  }
  return result;
}
