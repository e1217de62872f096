/** A whole search in this process, one trial after another (the CLI; the service fans out as jobs). */
import type { AutotuneReport, SearchProgress } from '../contract/index.js';
import { AppError } from '../errors/index.js';
import { articleLabels, isMultiLabel, totalCharacters, type Article } from '../text/index.js';
import { resolveTrainOptions, type DataKind, type TrainOptionsInput } from '../training/index.js';
import type { SearchedOption } from './space.js';
import {
  assertSearchable,
  best,
  firstRung,
  nextRung,
  repeatsFor,
  searchSettings,
  type TrialResult,
} from './plan.js';
import { searchProgress, searchReport } from './report.js';
import { boundedTrial } from './run.js';
import { finalOptions, runTrial } from './trial.js';

export interface SearchHooks {
  signal?: AbortSignal;
  /** Called after every trial. */
  onTrial?(result: TrialResult, progress: SearchProgress): void;
}

/** The chosen options (to train the version with) and the search's report. */
export interface SearchOutcome {
  options: TrainOptionsInput;
  report: AutotuneReport;
}

/** Number of distinct labels in a data set. */
const labelCount = (data: readonly Article[]): number => new Set(data.flatMap(articleLabels)).size;

/** What a search's plan depends on in the data set: its size, its labels and its texts' length. */
export interface SearchData extends DataKind {
  documents: number;
  /** Number of distinct labels. */
  labels: number;
  multiLabel: boolean;
}

/**
 * Checks a search's settings against the data set and fills their defaults.
 * @throws AppError INVALID_OPTIONS (ranges, metric for the data set's kind, too small to hold out)
 */
export function planSearch(given: TrainOptionsInput, data: SearchData) {
  const { documents, labels, multiLabel } = data;
  const resolved = resolveTrainOptions(given, data);
  if (!resolved.autotune) throw new AppError('INVALID_OPTIONS', 'no autotune settings in the options');
  assertSearchable(documents, labels, resolved.validationSplit);
  const validationRows = Math.floor(documents * resolved.validationSplit);
  return {
    settings: { ...searchSettings(resolved.autotune, multiLabel), minGain: 1 / validationRows },
    repeats: repeatsFor(documents, resolved.validationSplit),
    seed: resolved.seed,
    // What configuration 0 trains with: the other configurations are drawn around it.
    defaults: resolved as Partial<Record<SearchedOption, unknown>>,
  };
}

/** Searches `given.autotune`'s space on `articles`; CANCELLED when `hooks.signal` aborts. */
export async function searchInProcess(
  articles: readonly Article[],
  given: TrainOptionsInput,
  hooks: SearchHooks = {},
): Promise<SearchOutcome> {
  const { settings, repeats, seed, defaults } = planSearch(given, {
    documents: articles.length,
    labels: labelCount(articles),
    multiLabel: isMultiLabel(articles),
    characters: totalCharacters(articles),
  });
  const deadline = Date.now() + settings.budgetSeconds * 1000;
  const results: TrialResult[] = [];
  let queued = 0;
  for (let rung = 0, specs = firstRung(given, settings, seed, defaults); specs.length > 0; rung++) {
    queued += specs.length;
    for (const spec of specs) {
      const run = (signal: AbortSignal) =>
        runTrial(articles, given, spec, settings.metric, { signal, deadline });
      const r = await boundedTrial(spec, deadline, run, hooks.signal);
      if (r.status === 'cancelled') throw new AppError('CANCELLED', 'autotune cancelled');
      results.push(r);
      hooks.onTrial?.(r, searchProgress(settings, results, queued));
    }
    specs = nextRung(results, rung, repeats);
  }
  return {
    options: finalOptions(given, best(results, settings.minGain)?.options ?? {}),
    report: searchReport(settings, repeats, results),
  };
}
