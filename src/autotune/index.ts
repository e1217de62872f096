/** Autotune: the search space, the successive-halving plan, trials, and a search in one process. */
export { SEARCH_SPACE, sampleConfigs, freeDimensions } from './space.js';
export type { SearchedOption, TrialOptions } from './space.js';
export {
  searchSettings,
  repeatsFor,
  assertSearchable,
  firstRung,
  nextRung,
  best,
  ONE_SPLIT_ROWS,
} from './plan.js';
export type { SearchMetric, SearchSettings, TrialSpec, TrialResult } from './plan.js';
export { runTrial, trialOptions, finalOptions } from './trial.js';
export type { TrialScore } from './trial.js';
export { boundedTrial, workerName } from './run.js';
export { searchProgress, searchReport } from './report.js';
export { planSearch, searchInProcess } from './search.js';
export type { SearchHooks, SearchOutcome } from './search.js';
