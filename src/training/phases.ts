import { AdamSlot, DEFAULT_ADAM } from './adam.js';
import { encodeCheckpoint, type TrainState } from './checkpoint.js';
import type { Features } from './features.js';
import { paramSource, predictRows, runEpoch, type EpochContext, type ParamSource } from './loop.js';
import type { TrainOptions } from './options.js';
import { initParams, snapshotParams } from './params.js';
import { Rng } from './rng.js';
import { validateSelected, type Validated } from './validation.js';
import type { EpochProgress, EpochTiming, TrainHooks } from './train.js';

/** Validation loss must fall by more than this to count as an improvement for early stopping. */
const MIN_IMPROVEMENT = 1e-4;

/** What the select and refit phases share: the data, its split, and how an epoch is reported. */
export interface TrainingRun {
  ctx: EpochContext;
  options: TrainOptions;
  shape: { vocabularySize: number; hiddenUnits: number; numClasses: number; output: 'softmax' | 'sigmoid' };
  labels: string[];
  /** Every row in the seeded shuffle order: the refit phase trains on all of them. */
  order: Int32Array;
  /** The head of `order` (`validationSplit` of it), held out by the select phase. */
  valRows: Int32Array;
  /** The rest of `order`: what the select phase trains on. */
  trainRows: Int32Array;
  /** Records the epoch in the state's history, then calls the progress and checkpoint hooks. */
  epochDone(state: TrainState, progress: EpochProgress, timing: EpochTiming): Promise<void>;
}

/**
 * `balanced` class weights, as scikit-learn defines them: n / (classes × n_c), so every class
 * carries the same total weight in the loss however rare it is.
 */
function balancedWeights(y: Int32Array, classes: number): Float32Array {
  const counts = new Float64Array(classes);
  for (const l of y) counts[l]! += 1;
  return Float32Array.from(counts, (n) => (n > 0 ? y.length / (classes * n) : 0));
}

/**
 * `balanced` for a multi-label set: each label is its own binary problem, so its positives weigh
 * n / (2 n_pos) and its negatives n / (2 n_neg) (`[pos..., neg...]`, see `StepMode`).
 */
function balancedLabelWeights(targets: Uint8Array, classes: number): Float32Array {
  const n = targets.length / classes;
  const pos = new Float64Array(classes);
  targets.forEach((t, k) => (pos[k % classes]! += t));
  const w = new Float32Array(2 * classes);
  for (let j = 0; j < classes; j++) {
    w[j] = pos[j]! > 0 ? n / (2 * pos[j]!) : 1;
    w[classes + j] = n - pos[j]! > 0 ? n / (2 * (n - pos[j]!)) : 1;
  }
  return w;
}

function classWeights(features: Features, options: TrainOptions): Float32Array | undefined {
  if (options.classWeight !== 'balanced') return undefined;
  const c = features.labels.length;
  return features.targets ? balancedLabelWeights(features.targets, c) : balancedWeights(features.y, c);
}

/** Sets up the shared parts of a run: network shape, seeded split and the epoch context. */
export function planRun(features: Features, options: TrainOptions, hooks: TrainHooks): TrainingRun {
  const { x, y, labels, targets } = features;
  const v = Math.max(1, features.vectorizer.size);
  const h = options.hiddenUnits;
  const c = labels.length;
  const order = new Rng(options.seed).shuffle(Int32Array.from({ length: y.length }, (_, i) => i));
  const nVal = Math.floor(y.length * options.validationSplit);
  const cw = classWeights(features, options);
  const ctx: EpochContext = {
    x,
    y,
    ...(targets ? { targets } : {}),
    dims: { hiddenUnits: h, numClasses: c },
    slot: new Int32Array(v).fill(-1),
    adam: { ...DEFAULT_ADAM, learningRate: options.learningRate },
    batchSize: options.batchSize,
    dropout: options.dropout,
    signal: hooks.signal,
    ...(cw ? { classWeights: cw } : {}),
  };
  const epochDone = async (state: TrainState, progress: EpochProgress, timing: EpochTiming) => {
    state.history.push(progress);
    await hooks.onEpochEnd?.(progress, timing);
    if (hooks.onCheckpoint) await hooks.onCheckpoint(encodeCheckpoint(state), state.history.length);
  };
  const output = targets ? ('sigmoid' as const) : ('softmax' as const);
  const shape = { vocabularySize: v, hiddenUnits: h, numClasses: c, output };
  return {
    ctx,
    options,
    shape,
    labels,
    order,
    valRows: order.slice(0, nVal),
    trainRows: order.slice(nVal),
    epochDone,
  };
}

/** The state at the start of a phase: seeded parameters, zeroed optimiser, empty history. */
export function freshState(run: TrainingRun, phase: TrainState['phase']): TrainState {
  const { options } = run;
  const { vocabularySize: v, hiddenUnits: h, numClasses: c } = run.shape;
  return {
    phase,
    epoch: 0,
    step: 0,
    rng: new Rng(options.seed ^ 0x5bd1e995).snapshot,
    ...initParams(v, h, c, new Rng(options.seed + 1)),
    slots: [new AdamSlot(h), new AdamSlot(h * c), new AdamSlot(c)],
    best: undefined,
    bestLoss: Infinity,
    bestEpoch: 0,
    wait: 0,
    history: [],
    docsSeen: 0,
    trainMs: 0,
  };
}

/** Reads the weights being trained in place, with no snapshot copy. */
function tableSource(state: TrainState): ParamSource {
  return { gather: (unique) => state.hidden.gather(unique), dense: state.dense };
}

/**
 * Bookkeeping that closes every epoch of either phase, so a checkpoint resumes after it.
 * @returns the epoch's training time in ms
 */
function closeEpoch(state: TrainState, epoch: number, rng: Rng, startedAt: number): number {
  const ms = performance.now() - startedAt;
  state.trainMs += ms;
  state.epoch = epoch;
  state.rng = rng.snapshot;
  return ms;
}

/**
 * Early stopping: keeps a copy of the parameters at a new best validation loss, else counts one
 * more epoch without improvement.
 * @returns whether patience has run out
 */
function trackBest(state: TrainState, valLoss: number, epoch: number, patience: number): boolean {
  if (valLoss < state.bestLoss - MIN_IMPROVEMENT) {
    state.bestLoss = valLoss;
    state.bestEpoch = epoch;
    state.best = snapshotParams(state.hidden, state.dense, state.best);
    state.wait = 0;
    return false;
  }
  return ++state.wait > patience;
}

/** One select epoch: train on the split, score the held-out rows, report. @returns whether to stop */
async function selectEpoch(run: TrainingRun, state: TrainState, rng: Rng, epoch: number): Promise<boolean> {
  const { ctx, options, trainRows } = run;
  const t0 = performance.now();
  const fit = await runEpoch(ctx, trainRows, state.hidden, state.dense, state.slots, rng, () => ++state.step);
  const val = await predictRows(ctx, run.valRows, tableSource(state));
  state.docsSeen += trainRows.length;
  const stop = trackBest(state, val.loss, epoch, options.patience);
  const ms = closeEpoch(state, epoch, rng, t0);
  // Persisted so that resuming from a checkpoint taken after early stopping trains no further select epochs.
  state.stopped = stop || epoch === options.epochs;
  const progress: EpochProgress = {
    epoch,
    epochs: options.epochs,
    phase: 'select',
    ...fit,
    valLoss: val.loss,
    valAccuracy: val.accuracy,
  };
  await run.epochDone(state, progress, { seconds: ms / 1000, documents: trainRows.length });
  return stop;
}

/**
 * Scores the selected model (the best epoch's snapshot, if any) on the validation rows, fitting
 * its calibration and (multi-label) thresholds there.
 */
async function evaluateSelected(run: TrainingRun, state: TrainState): Promise<Validated> {
  const { ctx, valRows } = run;
  const params = state.best ? paramSource(state.best, run.shape.hiddenUnits) : tableSource(state);
  const val = await predictRows(ctx, valRows, params);
  const c = run.shape.numClasses;
  const truth = {
    y: Int32Array.from(valRows, (r) => ctx.y[r]!),
    ...(ctx.targets ? { targets: gatherTargets(ctx.targets, valRows, c) } : {}),
  };
  return validateSelected(val.logits, truth, run.labels);
}

function gatherTargets(targets: Uint8Array, rows: Int32Array, c: number): Uint8Array {
  const out = new Uint8Array(rows.length * c);
  rows.forEach((r, i) => out.set(targets.subarray(r * c, (r + 1) * c), i * c));
  return out;
}

/** The head parts a validation fitted, as the state carries them (into the refit, through checkpoints). */
function headOf(v: Validated): TrainState['head'] {
  return {
    ...(v.calibration ? { calibration: v.calibration } : {}),
    ...(v.thresholds ? { thresholds: v.thresholds } : {}),
  };
}

/** Starts the refit phase from scratch, carrying over what the result reports. */
function startRefit(run: TrainingRun, state: TrainState, validated: Validated): TrainState {
  const carry = {
    history: state.history,
    docsSeen: state.docsSeen,
    trainMs: state.trainMs,
    refitEpochs: Math.max(1, state.bestEpoch),
    evaluation: validated.evaluation,
    head: headOf(validated),
  };
  // Release the select phase's arrays first: the hidden kernel and its moments dominate memory.
  state.best = undefined;
  state.slots = [];
  return { ...freshState(run, 'refit'), ...carry };
}

/**
 * The `select` phase: trains on the split with early stopping on the validation loss, from
 * `state.epoch` on (0 unless resumed), then evaluates the selected model on the validation rows.
 * @returns a fresh `refit` state when `options.refit`, else `state` itself marked `done` with the
 *   selected parameters as `best`
 */
export async function selectPhase(run: TrainingRun, state: TrainState): Promise<TrainState> {
  const rng = Rng.restore(state.rng);
  let stop = state.stopped ?? false;
  for (let epoch = state.epoch + 1; epoch <= run.options.epochs && !stop; epoch++) {
    stop = await selectEpoch(run, state, rng, epoch);
  }
  const validated = await evaluateSelected(run, state);
  if (run.options.refit) return startRefit(run, state, validated);
  return Object.assign(state, {
    phase: 'done' as const,
    best: state.best ?? snapshotParams(state.hidden, state.dense),
    evaluation: validated.evaluation,
    head: headOf(validated),
  });
}

/**
 * The `refit` phase: trains on every document, from `state.epoch` on, for the epoch count the
 * select phase chose (`options.epochs` when there was no validation split).
 */
export async function refitPhase(run: TrainingRun, state: TrainState): Promise<void> {
  const { ctx, order } = run;
  const epochs = run.valRows.length > 0 ? (state.refitEpochs ?? run.options.epochs) : run.options.epochs;
  const rng = Rng.restore(state.rng);
  for (let epoch = state.epoch + 1; epoch <= epochs; epoch++) {
    const t0 = performance.now();
    const fit = await runEpoch(ctx, order, state.hidden, state.dense, state.slots, rng, () => ++state.step);
    state.docsSeen += order.length;
    const ms = closeEpoch(state, epoch, rng, t0);
    const timing = { seconds: ms / 1000, documents: order.length };
    await run.epochDone(state, { epoch, epochs, phase: 'refit', ...fit }, timing);
  }
}
