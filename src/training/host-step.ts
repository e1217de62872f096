/** The training step of `step.ts`, computed in plain loops on the host for the cpu and wasm backends. */
import type { Batch } from './batch.js';
import type { Stepper } from './epoch.js';
import type { DenseParams } from './params.js';
import type { SparseLayer } from './sparse-layer.js';
import type { Dims, StepMode, StepResult } from './step.js';

/**
 * {@link runStep}'s forward (and with `mode.train` backward) pass, same loss, gradients and
 * counts, without TensorFlow.js. Why: the network is one sparse layer, a ReLU and a small dense
 * layer, so a batch of short documents is a few thousand multiply-adds, while the ops path
 * dispatches some thirty kernels per step (tensor creation, tape, read-back), and pads every
 * document to the longest in its batch; on the host backends that overhead was most of an epoch.
 * Values are stored in float32 as the kernels store them; a test holds both paths to 1e-5.
 */
export function hostStep(
  batch: Batch,
  sparse: SparseLayer,
  params: DenseParams,
  dims: Dims,
  mode: StepMode,
): StepResult {
  const { hiddenUnits: h, numClasses: c } = dims;
  const pre = sparse.forward(batch, params.hiddenBias);
  const hidden = activate(pre, mode.dropoutMask, dims.linear ?? false);
  const logits = denseLayer(hidden, params.outputKernel, params.outputBias, batch.size, h, c);
  const { loss, dLogits } = lossAndGradient(batch, logits, c, mode.classWeights);
  const correct = countCorrect(batch, logits, c);
  if (!mode.train) return { loss, correct, logits };
  const dense = backward(batch, pre, hidden, dLogits, params, dims, mode.dropoutMask);
  const { dPre, ...grads } = dense;
  return { loss, correct, grads: { ...grads, hiddenRows: sparse.backward(batch, dPre) } };
}

/** The hidden layer from the pre-activations: ReLU (none for a linear model), then the dropout mask. */
function activate(pre: Float32Array, mask: Float32Array | undefined, linear: boolean): Float32Array {
  const hidden = new Float32Array(pre.length);
  for (let i = 0; i < hidden.length; i++) {
    const v = pre[i]! > 0 || linear ? pre[i]! : 0;
    hidden[i] = mask ? v * mask[i]! : v;
  }
  return hidden;
}

/** `x [rows, h] · kernel [h, c] + bias`. */
function denseLayer(
  x: Float32Array,
  kernel: Float32Array,
  bias: Float32Array,
  rows: number,
  h: number,
  c: number,
): Float32Array {
  const out = new Float32Array(rows * c);
  const sums = new Float64Array(c);
  for (let r = 0; r < rows; r++) {
    sums.fill(0);
    // By hidden unit, skipping its zeros (most, after ReLU and dropout): the same sums in the
    // same order as a dot product per class, over contiguous kernel rows.
    for (let j = 0; j < h; j++) {
      const v = x[r * h + j]!;
      if (v === 0) continue;
      for (let k = 0, o = j * c; k < c; k++) sums[k]! += v * kernel[o + k]!;
    }
    for (let k = 0; k < c; k++) out[r * c + k] = sums[k]! + bias[k]!;
  }
  return out;
}

/**
 * The batch's loss as TensorFlow.js's losses reduce it (the weighted sum over the number of
 * non-zero weights, so the plain mean without weights) and its gradient by the logits.
 */
function lossAndGradient(
  batch: Batch,
  logits: Float32Array,
  c: number,
  cw: Float32Array | undefined,
): { loss: number; dLogits: Float32Array } {
  const dLogits = new Float32Array(logits.length);
  let sum = 0;
  let weights = 0;
  for (let b = 0; b < batch.size; b++) {
    if (batch.targets) {
      for (let k = b * c; k < (b + 1) * c; k++) {
        const x = logits[k]!;
        const z = batch.targets[k]!;
        const w = cw ? (z > 0 ? cw[k % c]! : cw[c + (k % c)]!) : 1;
        sum += w * (Math.max(x, 0) - x * z + Math.log1p(Math.exp(-Math.abs(x))));
        dLogits[k] = w * (1 / (1 + Math.exp(-x)) - z);
        if (w !== 0) weights++;
      }
      continue;
    }
    const label = batch.labels[b]!;
    const w = cw ? cw[label]! : 1;
    let max = -Infinity;
    for (let k = 0; k < c; k++) max = Math.max(max, logits[b * c + k]!);
    let total = 0;
    for (let k = 0; k < c; k++) total += Math.exp(logits[b * c + k]! - max);
    sum += w * (max + Math.log(total) - logits[b * c + label]!);
    for (let k = 0; k < c; k++) {
      const p = Math.exp(logits[b * c + k]! - max) / total;
      dLogits[b * c + k] = w * (p - (k === label ? 1 : 0));
    }
    if (w !== 0) weights++;
  }
  const scale = weights > 0 ? 1 / weights : 0;
  for (let i = 0; i < dLogits.length; i++) dLogits[i]! *= scale;
  return { loss: Math.fround(sum * scale), dLogits };
}

/** Documents right: argmax (first of equals) is the label, or every label on the right side of 0. */
function countCorrect(batch: Batch, logits: Float32Array, c: number): number {
  let correct = 0;
  for (let b = 0; b < batch.size; b++) {
    if (batch.targets) {
      let all = true;
      for (let k = b * c; k < (b + 1) * c && all; k++) all = logits[k]! > 0 === batch.targets[k]! > 0.5;
      if (all) correct++;
      continue;
    }
    let best = 0;
    for (let k = 1; k < c; k++) if (logits[b * c + k]! > logits[b * c + best]!) best = k;
    if (best === batch.labels[b]) correct++;
  }
  return correct;
}

/** Gradients of the pre-activations (for the sparse layer), the hidden bias and the output layer. */
function backward(
  batch: Batch,
  pre: Float32Array,
  hidden: Float32Array,
  dLogits: Float32Array,
  params: DenseParams,
  dims: Dims,
  mask: Float32Array | undefined,
): Omit<NonNullable<StepResult['grads']>, 'hiddenRows'> & { dPre: Float32Array } {
  const { hiddenUnits: h, numClasses: c } = dims;
  const { size } = batch;
  const outputKernel = new Float32Array(h * c);
  const outputBias = new Float32Array(c);
  const dPre = new Float32Array(size * h);
  const hiddenBias = new Float32Array(h);
  for (let b = 0; b < size; b++) {
    const g0 = b * c;
    for (let k = 0; k < c; k++) outputBias[k]! += dLogits[g0 + k]!;
    // By hidden unit, skipping the zeros (ReLU and dropout leave most of them): rows of the
    // output kernel are contiguous.
    for (let j = 0; j < h; j++) {
      const x = hidden[b * h + j]!;
      if (x === 0) continue;
      for (let k = 0, o = j * c; k < c; k++) outputKernel[o + k]! += x * dLogits[g0 + k]!;
    }
    for (let j = 0; j < h; j++) {
      if (!dims.linear && !(pre[b * h + j]! > 0)) continue;
      let s = 0;
      for (let k = 0; k < c; k++) s += dLogits[b * c + k]! * params.outputKernel[j * c + k]!;
      const d = mask ? s * mask[b * h + j]! : s;
      dPre[b * h + j] = d;
      hiddenBias[j]! += d;
    }
  }
  return { dPre, hiddenBias, outputKernel, outputBias };
}

/** {@link hostStep} as an epoch's stepper: for a thread that never loads TensorFlow.js. */
export const hostStepper: Stepper = (batch, source, dims, mode) =>
  hostStep(batch, source.layer(batch), source.dense, dims, mode);
