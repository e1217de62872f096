/**
 * The search space of autotune: every option that moved accuracy in our measurements, each with
 * the values a trial may draw. Options the user gave are fixed; trial 0 is the defaults themselves,
 * so the search never ranks below them on its own validation data.
 */
import type { TrainOptionsInput } from '../training/index.js';
import { Rng } from '../training/index.js';

/** One dimension: a finite set of values (a log scale is written out as steps). */
interface Dimension {
  name: SearchedOption;
  values: readonly (number | boolean | string)[];
}

/** The options autotune searches (a subset of the training options). */
export type SearchedOption =
  | 'hiddenUnits'
  | 'learningRate'
  | 'dropout'
  | 'batchSize'
  | 'ngramMax'
  | 'minDf'
  | 'maxFeatures'
  | 'stem'
  | 'stopWords'
  | 'cjkCharBigrams'
  | 'punctuation'
  | 'classWeight';

/**
 * The dimensions. Epochs are not drawn: each trial early-stops on its validation loss, which is
 * the epoch count the final training uses.
 */
export const SEARCH_SPACE: readonly Dimension[] = [
  // 0: no hidden layer, a linear model (dropout then does not apply).
  { name: 'hiddenUnits', values: [0, 16, 32, 64, 128, 256] },
  // Above 0.008 early stopping often picks epoch 1, and a one-epoch refit from scratch lands far
  // from the snapshot the trial scored (sms-spam: validation 0.985, refit test 0.958).
  { name: 'learningRate', values: [0.001, 0.002, 0.003, 0.005, 0.008] },
  { name: 'dropout', values: [0, 0.2, 0.35, 0.5, 0.65] },
  { name: 'batchSize', values: [16, 32, 64, 128] },
  { name: 'ngramMax', values: [1, 2, 3] },
  { name: 'minDf', values: [1, 2, 3] },
  { name: 'maxFeatures', values: [50_000, 100_000, 200_000, 400_000] },
  { name: 'stem', values: [true, false] },
  { name: 'stopWords', values: [true, false] },
  { name: 'cjkCharBigrams', values: [true, false] },
  { name: 'punctuation', values: [true, false] },
  { name: 'classWeight', values: ['none', 'balanced'] },
];

/** Options a trial draws: the searched ones the user did not give. */
export type TrialOptions = Partial<Pick<TrainOptionsInput, SearchedOption>>;

/** The searched dimensions that are free (not in `given`). */
export function freeDimensions(given: TrainOptionsInput): readonly Dimension[] {
  return SEARCH_SPACE.filter((d) => !(d.name in given) || given[d.name] === undefined);
}

/** A key that is the same for equal configurations (to skip drawing one twice). */
const configKey = (o: TrialOptions): string =>
  JSON.stringify(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

/** The chance that a configuration keeps a dimension at its default value. */
const KEEP_DEFAULT = 0.5;

/**
 * `n` distinct configurations drawn with `seed`: the first is `{}` (the defaults), each other one
 * changes a random subset of the free dimensions away from `defaults` (each kept with probability
 * 1/2, at least one changed) and lists only what it changed. Drawing near the defaults rather than
 * uniformly matters with a few dozen trials: in 5-fold CV on the shared sets single changes moved
 * accuracy by tenths of a point, while most uniform draws combine several harmful ones.
 */
export function sampleConfigs(
  given: TrainOptionsInput,
  n: number,
  seed: number,
  defaults: Partial<Record<SearchedOption, unknown>> = {},
): TrialOptions[] {
  const free = freeDimensions(given);
  const rng = new Rng(seed ^ 0x2545f491);
  const out: TrialOptions[] = [{}];
  const seen = new Set([configKey({})]);
  for (let tries = 0; out.length < n && tries < n * 50; tries++) {
    const c: Record<string, unknown> = {};
    for (const d of free) {
      const others = d.values.filter((v) => v !== defaults[d.name]);
      if (others.length > 0 && rng.next() >= KEEP_DEFAULT)
        c[d.name] = others[Math.floor(rng.next() * others.length)];
    }
    const key = configKey(c as TrialOptions);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c as TrialOptions);
  }
  return out;
}
