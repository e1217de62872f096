import { AppError } from '../errors/index.js';
import { currentBackend, TextClassifier } from '../model/index.js';
import { tokenize, Vectorizer, type Article } from '../text/index.js';
import { AdamSlot, DEFAULT_ADAM } from './adam.js';
import { decodeCheckpoint, encodeCheckpoint, type TrainState } from './checkpoint.js';
import { evaluateProbabilities, type Evaluation } from './evaluate.js';
import {
  paramSource,
  predictRows,
  runEpoch,
  throwIfAborted,
  yieldToEventLoop,
  type EpochContext,
  type ParamSource,
} from './loop.js';
import { resolveTrainOptions, type TrainOptions } from './options.js';
import { initParams, snapshotParams } from './params.js';
import { Rng } from './rng.js';

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

export interface TrainHooks {
  /** Awaited after every epoch; throwing aborts training. */
  onEpochEnd?(p: EpochProgress): void | Promise<void>;
  /** Checked between batches; an aborted signal ends training with AppError CANCELLED. */
  signal?: AbortSignal;
  /** Bytes from an earlier `onCheckpoint`: training continues after that epoch. */
  resumeFrom?: Uint8Array;
  /** Called after every epoch with the full training state (parameters, optimiser, RNG). */
  onCheckpoint?(bytes: Uint8Array, epoch: number): void | Promise<void>;
}

export interface TrainResult {
  classifier: TextClassifier;
  history: EpochProgress[];
  trainSeconds: number;
  /** Training throughput: documents processed per second over all epochs of both phases. */
  docsPerSecond: number;
  /** Epochs run in total (early stopping may end before `options.epochs`). */
  epochs: number;
  /** Evaluation on the validation split (of the model selected before the refit), when there was one. */
  evaluation?: Evaluation;
  options: TrainOptions;
}

function labelIndex(data: readonly Article[]): { labels: string[]; y: Int32Array } {
  const labels = [...new Set(data.map((a) => a.label))].sort();
  const index = new Map(labels.map((l, i) => [l, i]));
  return { labels, y: Int32Array.from(data, (a) => index.get(a.label)!) };
}

function tableSource(state: TrainState): ParamSource {
  return { gather: (unique) => state.hidden.gather(unique), dense: state.dense };
}

async function evaluateRows(
  ctx: EpochContext,
  rows: Int32Array,
  params: ParamSource,
  labels: string[],
): Promise<Evaluation> {
  const val = await predictRows(ctx, rows, params);
  return evaluateProbabilities(
    val.probabilities,
    Int32Array.from(rows, (r) => ctx.y[r]!),
    labels,
  );
}

function freshState(
  options: TrainOptions,
  v: number,
  h: number,
  c: number,
  phase: TrainState['phase'],
): TrainState {
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

/**
 * Trains a classifier. TF-IDF features feed the sparse network, trained with lazy Adam. With a
 * validation split, a `select` phase trains on the rest with early stopping on the validation
 * loss to find the best epoch count; with `refit` (default) a second phase then retrains from
 * scratch on all documents for that many epochs, so no labelled document is left unused.
 * Progress is reported per epoch; cancellation is honoured between batches; the state after each
 * epoch can be checkpointed and resumed.
 * @throws AppError INVALID_OPTIONS, INVALID_DATA, CANCELLED, ARTEFACT_CORRUPT (bad checkpoint)
 */
export async function train(
  data: readonly Article[],
  opts: Partial<TrainOptions> = {},
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const options = resolveTrainOptions(opts);
  const started = performance.now();
  const { labels, y } = labelIndex(data);
  if (labels.length < 2) throw new AppError('INVALID_DATA', 'training needs at least 2 labels');
  const tokenizer = {
    stem: options.stem,
    stopWords: options.stopWords,
    cjkCharBigrams: options.cjkCharBigrams,
  };
  const tokenLists = data.map((a) => tokenize(a.text, tokenizer));
  await yieldToEventLoop();
  const vectorizer = Vectorizer.fit(tokenLists, {
    ngramMin: options.ngramMin,
    ngramMax: options.ngramMax,
    minDf: Math.min(options.minDf, Math.max(1, Math.floor(data.length / 2))),
    maxFeatures: options.maxFeatures,
    tokenizer,
  });
  const x = vectorizer.transformManyTokens(tokenLists);
  tokenLists.length = 0;
  await yieldToEventLoop();
  throwIfAborted(hooks.signal);

  const v = Math.max(1, vectorizer.size);
  const h = options.hiddenUnits;
  const c = labels.length;
  const order = new Rng(options.seed).shuffle(Int32Array.from({ length: data.length }, (_, i) => i));
  const nVal = Math.floor(data.length * options.validationSplit);
  const valRows = order.slice(0, nVal);
  const trainRows = order.slice(nVal);
  const ctx: EpochContext = {
    x,
    y,
    dims: { hiddenUnits: h, numClasses: c },
    slot: new Int32Array(v).fill(-1),
    adam: { ...DEFAULT_ADAM, learningRate: options.learningRate },
    batchSize: options.batchSize,
    dropout: options.dropout,
    signal: hooks.signal,
  };

  let state = hooks.resumeFrom
    ? decodeCheckpoint(hooks.resumeFrom, { vocabularySize: v, hiddenUnits: h, numClasses: c })
    : freshState(options, v, h, c, nVal > 0 ? 'select' : 'refit');
  let evaluation = state.evaluation as Evaluation | undefined;
  const epochDone = async (progress: EpochProgress) => {
    state.history.push(progress);
    await hooks.onEpochEnd?.(progress);
    if (hooks.onCheckpoint) await hooks.onCheckpoint(encodeCheckpoint(state), state.history.length);
  };

  if (state.phase === 'select') {
    const rng = Rng.restore(state.rng);
    let stop = state.stopped ?? false;
    for (let epoch = state.epoch + 1; epoch <= options.epochs && !stop; epoch++) {
      const t0 = performance.now();
      const fit = await runEpoch(
        ctx,
        trainRows,
        state.hidden,
        state.dense,
        state.slots,
        rng,
        () => ++state.step,
      );
      const val = await predictRows(ctx, valRows, tableSource(state));
      state.docsSeen += trainRows.length;
      if (val.loss < state.bestLoss - 1e-4) {
        state.bestLoss = val.loss;
        state.bestEpoch = epoch;
        state.best = snapshotParams(state.hidden, state.dense, state.best);
        state.wait = 0;
      } else if (++state.wait > options.patience) {
        stop = true;
      }
      state.trainMs += performance.now() - t0;
      state.epoch = epoch;
      state.rng = rng.snapshot;
      state.stopped = stop || epoch === options.epochs;
      await epochDone({
        epoch,
        epochs: options.epochs,
        phase: 'select',
        ...fit,
        valLoss: val.loss,
        valAccuracy: val.accuracy,
      });
    }
    evaluation = await evaluateRows(
      ctx,
      valRows,
      state.best ? paramSource(state.best, h) : tableSource(state),
      labels,
    );
    if (options.refit) {
      // Start over on every document for the epoch count the split chose. The select phase's
      // arrays are released first: the hidden kernel and its moments dominate memory.
      const carry = {
        history: state.history,
        docsSeen: state.docsSeen,
        trainMs: state.trainMs,
        refitEpochs: Math.max(1, state.bestEpoch),
        evaluation,
      };
      state.best = undefined;
      state.slots = [];
      state = { ...freshState(options, v, h, c, 'refit'), ...carry };
    } else {
      Object.assign(state, {
        phase: 'done',
        best: state.best ?? snapshotParams(state.hidden, state.dense),
        evaluation,
      });
    }
  }

  if (state.phase === 'refit') {
    const epochs = nVal > 0 ? (state.refitEpochs ?? options.epochs) : options.epochs;
    const rng = Rng.restore(state.rng);
    for (let epoch = state.epoch + 1; epoch <= epochs; epoch++) {
      const t0 = performance.now();
      const fit = await runEpoch(ctx, order, state.hidden, state.dense, state.slots, rng, () => ++state.step);
      state.docsSeen += order.length;
      state.trainMs += performance.now() - t0;
      state.epoch = epoch;
      state.rng = rng.snapshot;
      await epochDone({ epoch, epochs, phase: 'refit', ...fit });
    }
  }

  const finalParams = state.phase === 'done' ? state.best! : snapshotParams(state.hidden, state.dense);
  const trainSeconds = (performance.now() - started) / 1000;
  const history = state.history;
  const classifier = new TextClassifier(
    vectorizer,
    labels,
    { vocabularySize: v, hiddenUnits: h, numClasses: c, dropout: options.dropout },
    finalParams,
    {
      createdAt: new Date().toISOString(),
      options: { ...options },
      backend: currentBackend() ?? { name: 'unknown', package: 'unknown' },
      vocabularySize: vectorizer.size,
      trainSeconds,
      epochs: history.length,
      dataset: { documents: data.length },
      evaluation,
      history,
    },
  );
  return {
    classifier,
    history,
    trainSeconds,
    docsPerSecond: state.docsSeen / Math.max(1e-9, state.trainMs / 1000),
    epochs: history.length,
    evaluation,
    options,
  };
}
