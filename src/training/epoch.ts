/** One epoch of training and batched prediction over a CSR matrix, with whichever step the context gives (no TensorFlow.js here). */
import { AppError } from '../errors/index.js';
import type { NetworkParams } from '../model/index.js';
import type { CsrMatrix } from '../text/index.js';
import { updateDense, type AdamConfig, type AdamSlot } from './adam.js';
import { buildBatch, gatherRows, type Batch, type BatchScratch, type BatchTargets } from './batch.js';
import { dropoutMask, type DenseParams } from './params.js';
import type { Rng } from './rng.js';
import type { Dims, StepMode, StepResult } from './step.js';
import { gatheredLayer, type SparseLayer } from './sparse-layer.js';
import type { HiddenTable } from './table.js';

/** Longest stretch the loop may hold the event loop before yielding (ms). */
const YIELD_EVERY_MS = 20;

export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AppError('CANCELLED', 'training was cancelled');
}

/**
 * One forward (and, training, backward) step on a batch: the host loops (`hostStep`) or the
 * TensorFlow.js ops (`stepOnBackend` picks by backend).
 */
export type Stepper = (
  batch: Batch,
  source: ParamSource,
  dims: Dims,
  mode: StepMode,
) => Promise<StepResult> | StepResult;

/** What one epoch needs besides the parameters. */
export interface EpochContext {
  /** How a batch's step runs. */
  step: Stepper;
  x: CsrMatrix;
  y: Int32Array;
  /** Multi-label sets: multi-hot targets [documents, classes]. */
  targets?: Uint8Array;
  dims: Dims;
  /** What building batches reuses (see `BatchScratch`). */
  scratch: BatchScratch;
  adam: AdamConfig;
  batchSize: number;
  dropout: number;
  /** Loss weights in training steps (`classWeight: balanced`, see `StepMode`); none: all 1. */
  classWeights?: Float32Array;
  signal?: AbortSignal;
}

/**
 * One pass over `rows` in shuffled mini-batches: forward and backward in TensorFlow.js, then lazy
 * Adam on the touched hidden-kernel rows and dense Adam on the rest. Yields to the event loop
 * every few milliseconds and stops between batches when the signal aborts.
 * @returns mean training loss and accuracy; `step` is advanced in place via the callback.
 */
export async function runEpoch(
  ctx: EpochContext,
  rows: Int32Array,
  hidden: HiddenTable,
  p: DenseParams,
  slots: AdamSlot[],
  rng: Rng,
  nextStep: () => number,
): Promise<{ loss: number; accuracy: number }> {
  const h = ctx.dims.hiddenUnits;
  // Shuffle a fresh copy so an epoch's order depends only on the RNG state (resumable).
  const order = rng.shuffle(rows.slice());
  let lossSum = 0;
  let correct = 0;
  let lastYield = performance.now();
  for (let start = 0; start < order.length; start += ctx.batchSize) {
    throwIfAborted(ctx.signal);
    const end = Math.min(order.length, start + ctx.batchSize);
    const batch = buildBatch(ctx.x, batchTargets(ctx), order, start, end, ctx.scratch);
    const mask = dropoutMask(rng, batch.size * h, ctx.dropout);
    const r = await ctx.step(batch, tableSource(hidden, p), ctx.dims, {
      train: true,
      dropoutMask: mask,
      ...(ctx.classWeights ? { classWeights: ctx.classWeights } : {}),
    });
    const g = r.grads!;
    const t = nextStep();
    hidden.update(ctx.adam, t, batch.unique, g.hiddenRows);
    updateDense(ctx.adam, t, p.hiddenBias, g.hiddenBias, slots[0]!);
    // A linear model's output layer is a fixed identity (see `HiddenActivation`): not trained.
    if (!ctx.dims.linear) {
      updateDense(ctx.adam, t, p.outputKernel, g.outputKernel, slots[1]!);
      updateDense(ctx.adam, t, p.outputBias, g.outputBias, slots[2]!);
    }
    lossSum += r.loss * batch.size;
    correct += r.correct;
    if (performance.now() - lastYield > YIELD_EVERY_MS) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  }
  // At least one turn per epoch, however short the epoch (the host step never awaits anything).
  await yieldToEventLoop();
  const n = Math.max(1, order.length);
  return { loss: lossSum / n, accuracy: correct / n };
}

/** Where a forward pass reads weights: the training table, or plain trained parameters. */
export interface ParamSource {
  /** The batch's kernel rows as a compact matrix (for the TensorFlow.js ops). */
  gather(unique: Int32Array): Float32Array;
  /** The sparse layer over the batch's rows (for the host step). */
  layer(batch: Batch): SparseLayer;
  dense: DenseParams;
}

export function paramSource(p: NetworkParams, units: number): ParamSource {
  const gather = (unique: Int32Array) => gatherRows(p.hiddenKernel, units, unique);
  return { gather, layer: (batch) => gatheredLayer(gather(batch.unique), units), dense: p };
}

/** The weights being trained, read in place in the table (no snapshot copy). */
export function tableSource(hidden: HiddenTable, dense: DenseParams): ParamSource {
  return { gather: (unique) => hidden.gather(unique), layer: (batch) => hidden.layer(batch), dense };
}

/** The labels of the context's documents, as batches take them. */
function batchTargets(ctx: EpochContext): BatchTargets {
  return { y: ctx.y, classes: ctx.dims.numClasses, ...(ctx.targets ? { targets: ctx.targets } : {}) };
}

/** Forward pass over `rows` in batches: loss, accuracy and row-major output logits. */
export async function predictRows(
  ctx: EpochContext,
  rows: Int32Array,
  params: ParamSource,
): Promise<{ loss: number; accuracy: number; logits: Float32Array }> {
  const { dims } = ctx;
  const logits = new Float32Array(rows.length * dims.numClasses);
  let loss = 0;
  let correct = 0;
  for (let start = 0; start < rows.length; start += 512) {
    throwIfAborted(ctx.signal);
    const end = Math.min(rows.length, start + 512);
    const batch = buildBatch(ctx.x, batchTargets(ctx), rows, start, end, ctx.scratch);
    const r = await ctx.step(batch, params, dims, { train: false });
    loss += r.loss * batch.size;
    correct += r.correct;
    logits.set(r.logits!, start * dims.numClasses);
    await yieldToEventLoop();
  }
  return { loss: loss / rows.length, accuracy: correct / rows.length, logits };
}
