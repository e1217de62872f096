/** One trial: train a configuration's select phase on one seeded split and score its validation. */
import { AppError } from '../errors/index.js';
import type { Article } from '../text/index.js';
import { train, type TrainOptionsInput } from '../training/index.js';
import type { SearchMetric, TrialSpec } from './plan.js';

/** What a finished trial measured. */
export interface TrialScore {
  score: number;
  epochs: number;
  seconds: number;
  /** Stopped at the search's deadline before early stopping ended it (scored on its best epoch so far). */
  truncated?: boolean;
}

/** The options a trial trains with: the fixed ones and the drawn ones, no refit. */
export function trialOptions(given: TrainOptionsInput, spec: TrialSpec): TrainOptionsInput {
  const { autotune: _search, ...fixed } = given;
  // The refit phase cannot change a validation score: trials skip it. The seed stays the user's:
  // a trial's split is a fold of the same order (`validationFold`), disjoint from the others.
  return { ...fixed, ...spec.options, refit: false };
}

/** The options the version is trained with once the search chose `best` (its seed is the user's). */
export function finalOptions(given: TrainOptionsInput, best: TrialSpec['options']): TrainOptionsInput {
  const { autotune: _search, ...fixed } = given;
  return { ...fixed, ...best };
}

/** The metric from a validation evaluation (single- or multi-label). */
function metricOf(evaluation: unknown, metric: SearchMetric): number {
  const value = (evaluation as Record<string, unknown> | undefined)?.[metric];
  if (typeof value !== 'number') throw new AppError('INTERNAL', `the trial's evaluation has no ${metric}`);
  return value;
}

/**
 * Runs `spec` on `articles`: early stopping on its validation split decides the epochs, the
 * selected model's validation `metric` is the score. Past `deadline` it stops after the epoch
 * running then and is scored on its best epoch so far (`truncated`).
 * @throws AppError CANCELLED when `signal` aborts
 */
export async function runTrial(
  articles: readonly Article[],
  given: TrainOptionsInput,
  spec: TrialSpec,
  metric: SearchMetric,
  bounds: { signal?: AbortSignal; deadline?: number } = {},
): Promise<TrialScore> {
  const started = performance.now();
  let truncated = false;
  const stopEarly = () => (truncated = bounds.deadline !== undefined && Date.now() >= bounds.deadline);
  const r = await train(articles, trialOptions(given, spec), {
    ...(bounds.signal ? { signal: bounds.signal } : {}),
    stopEarly,
    validationFold: spec.repeat,
  });
  try {
    return {
      score: metricOf(r.evaluation, metric),
      epochs: r.epochs,
      seconds: (performance.now() - started) / 1000,
      ...(truncated ? { truncated } : {}),
    };
  } finally {
    r.classifier.dispose();
  }
}
