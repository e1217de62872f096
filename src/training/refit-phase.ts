/** The refit phase: retraining on every document for the epoch count the select phase chose, after it or beside it. */
import type { TrainState } from './checkpoint.js';
import { runEpoch } from './epoch.js';
import type { ParallelRefit } from './parallel-refit.js';
import { closeEpoch, freshState, headOf } from './phase-state.js';
import type { TrainingRun } from './phases.js';
import { Rng } from './rng.js';
import type { Validated } from './validation.js';

/**
 * Starts the refit phase from the phase's starting parameters (random, or an incremental run's
 * base), carrying over what the result reports.
 */
export function startRefit(run: TrainingRun, state: TrainState, validated: Validated): TrainState {
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
 * Ends the select phase with a parallel refit's result (see `parallel-refit.ts`): its epochs are
 * reported as the refit's, in order, and the state is `done` with its weights as `best` (and
 * checkpointed so, so a resumed job publishes them without training again). When the refit thread
 * failed, the refit starts here instead, as it would have without one.
 */
export async function adoptParallelRefit(
  run: TrainingRun,
  state: TrainState,
  validated: Validated,
  refit: ParallelRefit,
): Promise<TrainState> {
  let result;
  try {
    result = await refit.finish({ epoch: state.epoch, bestEpoch: state.bestEpoch, stop: true });
  } catch {
    return startRefit(run, state, validated);
  }
  const epochs = result.epochs.length;
  const documents = run.order.length;
  for (const e of result.epochs) {
    state.docsSeen += documents;
    state.trainMs += e.ms;
    const progress = { epoch: e.epoch, epochs, phase: 'refit' as const, loss: e.loss, accuracy: e.accuracy };
    await run.reportEpoch(state, progress, { seconds: e.ms / 1000, documents });
  }
  Object.assign(state, {
    phase: 'done' as const,
    best: result.params,
    refitEpochs: epochs,
    evaluation: validated.evaluation,
    head: headOf(validated),
  });
  await run.checkpoint(state);
  return state;
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
