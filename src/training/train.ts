import { currentBackend, TextClassifier } from '../model/index.js';
import { collectCorpus, toCorpus, type Article, type Corpus } from '../text/index.js';
import { carryOptions, type BaseModel } from './base.js';
import { decodeCheckpoint, type TrainState } from './checkpoint.js';
import { extendFeatures, warmParams } from './extend.js';
import type { AnyEvaluation } from './validation.js';
import { fitFeatures, type Features } from './features.js';
import { resolveTrainOptions, type TrainOptions } from './options.js';
import { snapshotParams } from './params.js';
import { startParallelRefit } from './parallel-refit.js';
import { freshState } from './phase-state.js';
import { planRun, selectPhase, type TrainingRun } from './phases.js';
import { refitPhase } from './refit-phase.js';
import type { Rng } from './rng.js';

/** Metrics after one epoch; validation figures are absent without a validation split. */
export interface EpochProgress {
  epoch: number;
  epochs: number;
  /** `select`: training on the split with early stopping; `refit`: retraining on all documents. */
  phase: 'select' | 'refit';
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
}

/** How long an epoch's training took and on how many documents (validation scoring not included). */
export interface EpochTiming {
  seconds: number;
  documents: number;
}

export interface TrainHooks {
  /** Awaited after every epoch; throwing aborts training. */
  onEpochEnd?(p: EpochProgress, timing: EpochTiming): void | Promise<void>;
  /** Checked between batches; an aborted signal ends training with AppError CANCELLED. */
  signal?: AbortSignal;
  /**
   * Checked after each select epoch: true ends the select phase there, keeping the best epoch so
   * far, as if patience had run out (an autotune trial at its search's deadline).
   */
  stopEarly?: () => boolean;
  /**
   * Which disjoint validation window of the seeded order the select phase holds out (0, the
   * default: the head): autotune scores its splits on different folds of the same order.
   */
  validationFold?: number;
  /** Bytes from an earlier `onCheckpoint`: training continues after that epoch. */
  resumeFrom?: Uint8Array;
  /** Called after every epoch with the full training state (parameters, optimiser, RNG). */
  onCheckpoint?(bytes: Uint8Array, epoch: number): void | Promise<void>;
  /**
   * Asked after each epoch before a checkpoint is encoded (several times the model's size): false
   * skips this epoch's. Absent: every epoch.
   */
  checkpointDue?(epoch: number): boolean;
  /** Progress of text -> features: documents tokenised so far of `total`; `(total, total)` once built. */
  onFeatures?(done: number, total: number): void;
  /**
   * Incremental training: start from this model (see `base.ts`). `data` is then everything the new
   * model learns from (the base's data set and the additions); the vocabulary and the labels are
   * the base's extended, both phases start from its weights, and options default to its own.
   */
  base?: BaseModel;
  /**
   * Whether the refit phase may run beside the select phase in a second thread (see
   * `parallel-refit.ts`; the weights are the same either way): false never, true whenever it can,
   * absent when the data are large enough to gain from it.
   */
  parallelRefit?: boolean;
}

export interface TrainResult {
  classifier: TextClassifier;
  history: EpochProgress[];
  trainSeconds: number;
  /** Training throughput: documents processed per second over all epochs of both phases. */
  docsPerSecond: number;
  /** Epochs run in total (early stopping may end before `options.epochs`). */
  epochs: number;
  /** Whether the refit phase ran beside the select phase, in a second thread. */
  parallelRefit: boolean;
  /** Evaluation on the validation split (of the model selected before the refit), when there was one. */
  evaluation?: AnyEvaluation;
  options: TrainOptions;
  /** Incremental runs: the vocabulary terms and the labels the data added to the base's. */
  added?: { terms: number; labels: string[] };
}

/** Wraps the trained parameters in a classifier and gathers the figures the result reports. */
function buildResult(
  documents: number,
  features: Features,
  run: TrainingRun,
  state: TrainState,
  started: number,
  parallelRefit: boolean,
): TrainResult {
  const { options } = run;
  const { vectorizer, labels } = features;
  // `done` means the select phase's parameters are final (no refit); otherwise the last epoch's are.
  const finalParams = state.phase === 'done' ? state.best! : snapshotParams(state.hidden, state.dense);
  const trainSeconds = (performance.now() - started) / 1000;
  const { history } = state;
  const evaluation = state.evaluation as AnyEvaluation | undefined;
  const classifier = new TextClassifier(
    vectorizer,
    labels,
    { ...run.shape, dropout: options.dropout },
    finalParams,
    {
      createdAt: new Date().toISOString(),
      options: { ...options },
      backend: currentBackend() ?? { name: 'unknown', package: 'unknown' },
      vocabularySize: vectorizer.size,
      trainSeconds,
      epochs: history.length,
      dataset: { documents },
      evaluation,
      history,
      ...state.head,
    },
  );
  return {
    classifier,
    history,
    trainSeconds,
    docsPerSecond: state.docsSeen / Math.max(1e-9, state.trainMs / 1000),
    epochs: history.length,
    parallelRefit,
    evaluation,
    options,
    ...(features.added ? { added: features.added } : {}),
  };
}

/**
 * Trains a classifier. TF-IDF features feed the sparse network, trained with lazy Adam. With a
 * validation split, a `select` phase trains on the rest with early stopping on the validation
 * loss to find the best epoch count; with `refit` (default) a second phase then retrains from
 * scratch on all documents for that many epochs, so no labelled document is left unused.
 * Progress is reported per epoch; cancellation is honoured between batches; the state after each
 * epoch can be checkpointed and resumed. With `hooks.base` the run is incremental (see there).
 * `data` may be a {@link Corpus} streamed in batches: only its features are held, not its articles.
 * @throws AppError INVALID_OPTIONS, INVALID_DATA, CANCELLED, ARTEFACT_CORRUPT (bad checkpoint)
 */
export async function train(
  data: readonly Article[] | Corpus,
  opts: Partial<TrainOptions> = {},
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const { base } = hooks;
  const corpus = toCorpus(data);
  const { multiLabel, documents, characters } = corpus;
  const options = base
    ? carryOptions(base, opts, multiLabel)
    : resolveTrainOptions(opts, { multiLabel, documents, characters });
  const started = performance.now();
  // Incremental runs tokenise the documents against the base's vocabulary, all at once.
  const features = base
    ? await extendFeatures(await collectCorpus(corpus), options, base, hooks.signal, hooks.onFeatures)
    : await fitFeatures(corpus, options, hooks.signal, hooks.onFeatures);
  const init = base && ((rng: Rng) => warmParams(base, features, rng));
  const run = planRun(features, options, hooks, init);
  // A checkpoint names its phase, so a resumed run skips whatever phases it had finished.
  let state = hooks.resumeFrom
    ? decodeCheckpoint(hooks.resumeFrom, run.shape)
    : freshState(run, run.valRows.length > 0 ? 'select' : 'refit');
  const refit = startParallelRefit(run, state, { incremental: Boolean(base), wanted: hooks.parallelRefit });
  try {
    if (state.phase === 'select') state = await selectPhase(run, state, refit);
    if (state.phase === 'refit') await refitPhase(run, state);
  } finally {
    await refit?.close();
  }
  // A parallel refit that failed fell back to the sequential refit, which leaves the phase `refit`.
  const parallel = refit !== undefined && state.phase === 'done';
  return buildResult(documents, features, run, state, started, parallel);
}
