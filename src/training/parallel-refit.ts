/** The refit phase in a second thread while the select phase runs: same weights, less wall time. */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { siblingEntry, spawnThread } from '../common/index.js';
import type { NetworkParams } from '../model/index.js';
import { onHost } from './backend-step.js';
import type { TrainState } from './checkpoint.js';
import type { TrainingRun } from './phases.js';
import type { RefitEpoch, RefitSetup, Verdict } from './refit-runner.js';

/**
 * Most memory a parallel refit may add (its table with Adam's moments, two kept copies and the one
 * sent back: 6 floats a kernel weight); larger models refit after the select phase, as before.
 */
export const PARALLEL_REFIT_MAX_BYTES = 512 << 20;

/**
 * Fewest non-zero features (all documents together) for which a parallel refit is started unless
 * asked for: below it the refit takes about as long as starting a thread (0.3 s under tsx).
 * sms-spam has 120,000-odd, thucnews-titles 300,000-odd, bbc-news 600,000-odd.
 */
export const PARALLEL_REFIT_MIN_NONZEROS = 100_000;

/**
 * Starts the refit beside the select phase when it can run there: a fresh (not incremental) run
 * that refits after a validated select phase it has not finished, on the host loops (the
 * TensorFlow.js backends run their ops on threads or a device of their own), with a second core
 * and room for a second table, on data large enough to be worth a thread (unless `wanted` is true).
 * `wanted: false` (`hooks.parallelRefit`) or `TEXTCLF_PARALLEL_REFIT=0` (a whole process) keeps it
 * sequential.
 * @returns the refit under way, or undefined to refit after the select phase
 */
export function startParallelRefit(
  run: TrainingRun,
  state: TrainState,
  opts: { incremental: boolean; wanted?: boolean },
): ParallelRefit | undefined {
  const { ctx, options, shape } = run;
  const fits =
    options.refit &&
    run.valRows.length > 0 &&
    !opts.incremental &&
    state.phase === 'select' &&
    opts.wanted !== false &&
    process.env.TEXTCLF_PARALLEL_REFIT !== '0' &&
    onHost() &&
    availableParallelism() >= 2 &&
    shape.vocabularySize * shape.hiddenUnits * 6 * 4 <= PARALLEL_REFIT_MAX_BYTES &&
    (opts.wanted === true || ctx.x.indices.length >= PARALLEL_REFIT_MIN_NONZEROS);
  if (!fits) return undefined;
  return ParallelRefit.start({
    x: ctx.x,
    y: ctx.y,
    ...(ctx.targets ? { targets: ctx.targets } : {}),
    dims: ctx.dims,
    adam: ctx.adam,
    batchSize: ctx.batchSize,
    dropout: ctx.dropout,
    ...(ctx.classWeights ? { classWeights: ctx.classWeights } : {}),
    order: run.order,
    vocabularySize: shape.vocabularySize,
    seed: options.seed,
    maxEpochs: options.epochs,
    kernels: state.hidden.simd ? 'wasm' : 'js',
  });
}

/** A refit under way in its thread; the select phase reports each epoch's verdict to it. */
export class ParallelRefit {
  private readonly done: Promise<{ params: NetworkParams; epochs: RefitEpoch[] }>;

  private constructor(private readonly worker: Worker) {
    this.done = new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`refit thread exited with code ${code}`)));
    });
    // Settled by `finish`; a failure before then must not be an unhandled rejection.
    this.done.catch(() => undefined);
  }

  /** Starts the thread; it trains from the first epoch while the select phase runs. */
  static start(setup: RefitSetup): ParallelRefit {
    const entry = siblingEntry(import.meta.url, 'refit-thread');
    return new ParallelRefit(spawnThread(entry, { workerData: setup }));
  }

  /** The select phase's verdict on one of its epochs. */
  verdict(v: Verdict): void {
    this.worker.postMessage(v);
  }

  /**
   * The select phase has stopped: the weights after refit epoch `max(1, bestEpoch)` and the figures
   * of its epochs. Whoever started it ends the thread (`close`), result or not.
   */
  finish(last: Verdict): Promise<{ params: NetworkParams; epochs: RefitEpoch[] }> {
    this.verdict({ ...last, stop: true });
    return this.done;
  }

  /** Ends the thread (cancellation, failure, or after its result). */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
