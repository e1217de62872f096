import { DEFAULT_ADAM } from './adam.js';
import { BatchScratch } from './batch.js';
import { classWeights } from './class-weights.js';
import { encodeCheckpoint, type TrainState } from './checkpoint.js';
import { stepOnBackend } from './backend-step.js';
import type { Features } from './features.js';
import {
  paramSource,
  predictRows,
  runEpoch,
  tableSource,
  type EpochContext,
  type ParamSource,
} from './epoch.js';
import type { TrainOptions } from './options.js';
import { initParams, snapshotParams } from './params.js';
import type { ParallelRefit } from './parallel-refit.js';
import { closeEpoch, headOf } from './phase-state.js';
import { adoptParallelRefit, startRefit } from './refit-phase.js';
import { Rng } from './rng.js';
import { validateSelected, type Validated } from './validation.js';
import type { EpochProgress, EpochTiming, TrainHooks } from './train.js';

/** Validation loss must fall by more than this to count as an improvement for early stopping. */
const MIN_IMPROVEMENT = 1e-4;

/** What the select and refit phases share: the data, its split, and how an epoch is reported. */
export interface TrainingRun {
  ctx: EpochContext;
  options: TrainOptions;
  shape: {
    vocabularySize: number;
    hiddenUnits: number;
    numClasses: number;
    output: 'softmax' | 'sigmoid';
    activation?: 'linear';
  };
  labels: string[];
  /** Every row in the seeded shuffle order: the refit phase trains on all of them. */
  order: Int32Array;
  /** The head of `order` (`validationSplit` of it), held out by the select phase. */
  valRows: Int32Array;
  /** The rest of `order`: what the select phase trains on. */
  trainRows: Int32Array;
  /** Records the epoch in the state's history, then calls the progress and checkpoint hooks. */
  epochDone(state: TrainState, progress: EpochProgress, timing: EpochTiming): Promise<void>;
  /** {@link TrainingRun.epochDone} without the checkpoint. */
  reportEpoch(state: TrainState, progress: EpochProgress, timing: EpochTiming): Promise<void>;
  /** Hands the state to the checkpoint hook (when one is due). */
  checkpoint(state: TrainState): Promise<void>;
  /** A phase's starting parameters: seeded random ones, or (incremental runs) the base's extended. */
  init(rng: Rng): Pick<TrainState, 'hidden' | 'dense'>;
  /** Checked after each select epoch: true ends the phase there (`hooks.stopEarly`). */
  stopEarly?: () => boolean;
}

/** Starting parameters from a seeded RNG (an incremental run's: the base's, extended). */
export type ParamInit = (rng: Rng) => Pick<TrainState, 'hidden' | 'dense'>;

/** How a run reports an epoch: into the state's history and the progress hook, then the checkpoint hook. */
function epochReporting(hooks: TrainHooks): Pick<TrainingRun, 'epochDone' | 'reportEpoch' | 'checkpoint'> {
  const reportEpoch = async (state: TrainState, progress: EpochProgress, timing: EpochTiming) => {
    state.history.push(progress);
    await hooks.onEpochEnd?.(progress, timing);
  };
  const checkpoint = async (state: TrainState) => {
    const epoch = state.history.length;
    if (hooks.onCheckpoint && (hooks.checkpointDue?.(epoch) ?? true))
      await hooks.onCheckpoint(encodeCheckpoint(state), epoch);
  };
  const epochDone = async (state: TrainState, progress: EpochProgress, timing: EpochTiming) => {
    await reportEpoch(state, progress, timing);
    await checkpoint(state);
  };
  return { epochDone, reportEpoch, checkpoint };
}

/**
 * Sets up the shared parts of a run: network shape, seeded split and the epoch context; `init`
 * gives each phase its starting parameters (fresh random ones by default).
 */
export function planRun(
  features: Features,
  options: TrainOptions,
  hooks: TrainHooks,
  init?: ParamInit,
): TrainingRun {
  const { x, y, labels, targets } = features;
  const v = Math.max(1, features.vectorizer.size);
  const c = labels.length;
  // hiddenUnits 0: a linear model, one sparse column per class (see `HiddenActivation`).
  const linear = options.hiddenUnits === 0;
  const h = linear ? c : options.hiddenUnits;
  const order = new Rng(options.seed).shuffle(Int32Array.from({ length: y.length }, (_, i) => i));
  const nVal = Math.floor(y.length * options.validationSplit);
  const cw = classWeights(features, options);
  const ctx: EpochContext = {
    step: stepOnBackend,
    x,
    y,
    ...(targets ? { targets } : {}),
    dims: { hiddenUnits: h, numClasses: c, ...(linear ? { linear } : {}) },
    scratch: new BatchScratch(v),
    adam: { ...DEFAULT_ADAM, learningRate: options.learningRate },
    batchSize: options.batchSize,
    // Dropout acts on the hidden layer, which a linear model does not have.
    dropout: linear ? 0 : options.dropout,
    signal: hooks.signal,
    ...(cw ? { classWeights: cw } : {}),
  };
  const output = targets ? ('sigmoid' as const) : ('softmax' as const);
  const shape = {
    vocabularySize: v,
    hiddenUnits: h,
    numClasses: c,
    output,
    ...(linear ? { activation: 'linear' as const } : {}),
  };
  return {
    ctx,
    options,
    shape,
    labels,
    order,
    ...splitRows(order, nVal, hooks.base?.documents ?? 0, hooks.validationFold ?? 0),
    ...epochReporting(hooks),
    init: init ?? ((rng) => initParams(v, h, c, rng, linear)),
    ...(hooks.stopEarly ? { stopEarly: hooks.stopEarly } : {}),
  };
}

/**
 * The validation rows (`n` of them: fold `fold` of the order, the head for fold 0) and the training
 * rows, both in `order`'s order. In an
 * incremental run rows below `from` are the base's data set, which the base has learnt: held-out
 * rows are taken from the additions first (so validation measures what is new, unflattered), but
 * at most half of them, so that the select phase still trains on the rest.
 */
function splitRows(
  order: Int32Array,
  n: number,
  from: number,
  fold: number,
): Pick<TrainingRun, 'valRows' | 'trainRows'> {
  if (from <= 0) {
    // Fold `fold`: the next `n` rows of the same order, so folds are disjoint (as many as fit).
    const start = n > 0 ? (fold % Math.max(1, Math.floor(order.length / n))) * n : 0;
    const valRows = order.slice(start, start + n);
    const trainRows = new Int32Array(order.length - valRows.length);
    trainRows.set(order.subarray(0, start));
    trainRows.set(order.subarray(start + valRows.length), start);
    return { valRows, trainRows };
  }
  const fresh = order.filter((r) => r >= from);
  const seen = order.filter((r) => r < from);
  const k = Math.min(n, Math.floor(fresh.length / 2));
  const valRows = Int32Array.from([...fresh.subarray(0, k), ...seen.subarray(0, n - k)]);
  const held = new Uint8Array(order.length);
  for (const r of valRows) held[r] = 1;
  return { valRows, trainRows: order.filter((r) => !held[r]) };
}

/** Reads the weights being trained in place, with no snapshot copy. */
const stateSource = (state: TrainState): ParamSource => tableSource(state.hidden, state.dense);

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
  const val = await predictRows(ctx, run.valRows, stateSource(state));
  state.docsSeen += trainRows.length;
  // `hooks.stopEarly` (a search's deadline) ends the phase as running out of patience would.
  const stop = trackBest(state, val.loss, epoch, options.patience) || run.stopEarly?.() === true;
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
  const params = state.best ? paramSource(state.best, run.shape.hiddenUnits) : stateSource(state);
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

/**
 * The `select` phase: trains on the split with early stopping on the validation loss, from
 * `state.epoch` on (0 unless resumed), then evaluates the selected model on the validation rows.
 * A `refit` under way in parallel hears each epoch's verdict.
 * @returns with `options.refit`, a fresh `refit` state, or (parallel refit) `state` marked `done`
 *   with the refit's weights as `best`; else `state` marked `done` with the selected parameters
 */
export async function selectPhase(
  run: TrainingRun,
  state: TrainState,
  refit?: ParallelRefit,
): Promise<TrainState> {
  const rng = Rng.restore(state.rng);
  let stop = state.stopped ?? false;
  for (let epoch = state.epoch + 1; epoch <= run.options.epochs && !stop; epoch++) {
    stop = await selectEpoch(run, state, rng, epoch);
    refit?.verdict({ epoch, bestEpoch: state.bestEpoch, stop });
  }
  const validated = await evaluateSelected(run, state);
  if (run.options.refit) {
    return refit ? adoptParallelRefit(run, state, validated, refit) : startRefit(run, state, validated);
  }
  return Object.assign(state, {
    phase: 'done' as const,
    best: state.best ?? snapshotParams(state.hidden, state.dense),
    evaluation: validated.evaluation,
    head: headOf(validated),
  });
}
