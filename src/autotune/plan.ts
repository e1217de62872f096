/**
 * The search plan: random configurations raced by successive halving. Rung 0 scores every
 * configuration on one validation split; each later rung gives the best third (and the defaults)
 * another split (the next disjoint validation fold of the same seeded order) and ranks them by
 * their mean over the same folds, so a winner is
 * never chosen on one small split's noise. Big data sets hold enough validation rows for one
 * split to decide: they get one rung (random search).
 */
import type { AutotuneTrial } from '../contract/index.js';
import { AppError } from '../errors/index.js';
import type { AutotuneSettings, TrainOptionsInput } from '../training/index.js';
import { sampleConfigs, type SearchedOption, type TrialOptions } from './space.js';

export type SearchMetric = NonNullable<AutotuneSettings['metric']>;

/** Settings with their defaults filled. */
export interface SearchSettings {
  budgetSeconds: number;
  trials: number;
  metric: SearchMetric;
  /**
   * How much a configuration must beat the defaults by (mean over the same splits) to replace
   * them: one validation document's worth. Less is within one split's noise.
   */
  minGain?: number;
}

/** One trial job: a configuration scored on one split (`repeat`). */
export interface TrialSpec {
  /** `c<index>r<repeat>`: unique in a search, the same when a crashed trial re-runs. */
  id: string;
  /** The configuration's number; 0 is the defaults. */
  index: number;
  options: TrialOptions;
  repeat: number;
  rung: number;
}

/** A trial as it ended (the contract's `AutotuneTrial`, with the options typed). */
export type TrialResult = Omit<AutotuneTrial, 'options'> & { options: TrialOptions };

/** Halving factor: each rung keeps the best third. */
const ETA = 3;
/** With fewer validation rows than this one split is noise (±1 point at 1,000): repeat it. */
export const ONE_SPLIT_ROWS = 1000;
/** Splits (disjoint validation folds) a configuration may get on a small data set. */
const MAX_REPEATS = 4;
/** Validation rows a search needs at the least (and one per label). */
const MIN_VALIDATION_ROWS = 10;

/**
 * Fills the defaults: neither bound given, 24 trials in 10 minutes; a budget alone, 16 trials (so
 * that later rungs fit in it too); a trial count alone, a day.
 */
export function searchSettings(a: AutotuneSettings, multiLabel: boolean): SearchSettings {
  return {
    trials: a.trials ?? (a.budgetSeconds === undefined ? 24 : 16),
    budgetSeconds: a.budgetSeconds ?? (a.trials === undefined ? 600 : 86_400),
    metric: a.metric ?? (multiLabel ? 'microF1' : 'accuracy'),
  };
}

/** How many splits (rungs) a configuration can get on this data set. */
export function repeatsFor(documents: number, validationSplit: number): number {
  return Math.floor(documents * validationSplit) < ONE_SPLIT_ROWS ? MAX_REPEATS : 1;
}

/**
 * Refuses a search whose validation split is too small to rank anything.
 * @throws AppError INVALID_OPTIONS saying how many documents it needs.
 */
export function assertSearchable(documents: number, labels: number, validationSplit: number): void {
  const rows = Math.floor(documents * validationSplit);
  const need = Math.max(MIN_VALIDATION_ROWS, labels);
  if (rows >= need) return;
  const docs = Math.ceil(need / validationSplit);
  const message = `autotune needs at least ${need} validation documents: validationSplit ${validationSplit} of ${documents} holds ${rows}; send at least ${docs} documents or raise validationSplit`;
  throw new AppError('INVALID_OPTIONS', message, { errors: [{ path: 'autotune', message }] });
}

/** Rung 0: `settings.trials` configurations (the defaults first), one split each. */
export function firstRung(
  given: TrainOptionsInput,
  settings: SearchSettings,
  seed: number,
  defaults: Partial<Record<SearchedOption, unknown>> = {},
): TrialSpec[] {
  return sampleConfigs(given, settings.trials, seed, defaults).map((options, index) =>
    spec(index, options, 0, 0),
  );
}

const spec = (index: number, options: TrialOptions, repeat: number, rung: number): TrialSpec => ({
  id: `c${index}r${repeat}`,
  index,
  options,
  repeat,
  rung,
});

/**
 * Whether a result ranks: finished with a score. A trial stopped at the deadline keeps its score
 * in the table but is not compared with those that ran to early stopping.
 */
const counts = (r: TrialResult): boolean => r.status === 'done' && r.score !== undefined && !r.truncated;

/**
 * Each configuration's mean score over its finished splits up to rung `upTo` (so that every
 * configuration ranked at a rung is compared on the same splits), and how many there were.
 */
function scores(
  results: readonly TrialResult[],
  upTo: number,
): Map<number, { mean: number; n: number; options: TrialOptions }> {
  const acc = new Map<number, { sum: number; n: number; options: TrialOptions }>();
  for (const r of results) {
    if (!counts(r) || r.rung > upTo) continue;
    const a = acc.get(r.index) ?? { sum: 0, n: 0, options: r.options };
    a.sum += r.score!;
    a.n += 1;
    acc.set(r.index, a);
  }
  return new Map([...acc].map(([i, a]) => [i, { mean: a.sum / a.n, n: a.n, options: a.options }]));
}

/** The configurations that finished rung `rung`, best mean first (ties: the lower index). */
function ranked(results: readonly TrialResult[], rung: number) {
  const done = new Set(results.filter((r) => r.rung === rung && counts(r)).map((r) => r.index));
  return [...scores(results, rung)]
    .filter(([i]) => done.has(i))
    .sort(([ia, a], [ib, b]) => b.mean - a.mean || ia - ib);
}

/**
 * The trials of rung `rung + 1`: the best third of those that finished rung `rung`, each on its
 * next split, and the defaults (configuration 0) beside them whenever they finished it too, so the
 * winner is always compared with them on the same splits. Empty when the last rung is done or
 * fewer than two would go on (one more split cannot change the winner then).
 */
export function nextRung(results: readonly TrialResult[], rung: number, repeats: number): TrialSpec[] {
  if (rung + 1 >= repeats) return [];
  const order = ranked(results, rung);
  const keep = order.slice(0, Math.ceil(order.length / ETA));
  const defaults = order.find(([i]) => i === 0);
  if (defaults && !keep.includes(defaults)) keep.push(defaults);
  if (keep.length < 2) return [];
  return keep.map(([i, s]) => spec(i, s.options, rung + 1, rung + 1));
}

/**
 * The winner: the best mean at the highest rung where the defaults finished too (the rungs above
 * it compare configurations with each other only), replacing the defaults only when it beats them
 * there by at least `minGain`. Without a finished defaults trial: the best at the highest rung.
 */
export function best(
  results: readonly TrialResult[],
  minGain = 0,
): { index: number; options: TrialOptions; score: number } | undefined {
  const withDefaults = results.some((r) => r.index === 0 && counts(r));
  for (let rung = Math.max(0, ...results.map((r) => r.rung)); rung >= 0; rung--) {
    const order = ranked(results, rung);
    const defaults = order.find(([i]) => i === 0);
    const top = order[0];
    if (!top || (withDefaults && !defaults)) continue;
    const pick = defaults && top[1].mean - defaults[1].mean < minGain ? defaults : top;
    return { index: pick[0], options: pick[1].options, score: pick[1].mean };
  }
  return undefined;
}
