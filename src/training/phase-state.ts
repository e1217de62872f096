/** A phase's state: how one starts (seeded) and how each of its epochs closes. */
import { AdamSlot } from './adam.js';
import type { TrainState } from './checkpoint.js';
import type { TrainingRun } from './phases.js';
import { phaseSeeds } from './refit-runner.js';
import { Rng } from './rng.js';
import type { Validated } from './validation.js';

/** The state at the start of a phase: seeded parameters, zeroed optimiser, empty history. */
export function freshState(run: TrainingRun, phase: TrainState['phase']): TrainState {
  const { options } = run;
  const { hiddenUnits: h, numClasses: c } = run.shape;
  // The same seeds as a parallel refit's (refit-runner.ts), which must start where this one does.
  const seeds = phaseSeeds(options.seed);
  return {
    phase,
    epoch: 0,
    step: 0,
    rng: new Rng(seeds.stream).snapshot,
    ...run.init(new Rng(seeds.params)),
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
 * Bookkeeping that closes every epoch of either phase, so a checkpoint resumes after it.
 * @returns the epoch's training time in ms
 */
export function closeEpoch(state: TrainState, epoch: number, rng: Rng, startedAt: number): number {
  const ms = performance.now() - startedAt;
  state.trainMs += ms;
  state.epoch = epoch;
  state.rng = rng.snapshot;
  return ms;
}

/** The head parts a validation fitted, as the state carries them (into the refit, through checkpoints). */
export function headOf(v: Validated): TrainState['head'] {
  return {
    ...(v.calibration ? { calibration: v.calibration } : {}),
    ...(v.thresholds ? { thresholds: v.thresholds } : {}),
  };
}
