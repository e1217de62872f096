/** What a search reports: its progress while it runs, and the table a version keeps. */
import type { AutotuneReport, SearchProgress } from '../contract/index.js';
import { best, type SearchSettings, type TrialResult } from './plan.js';

/** Progress after `results` of `queued` trials ended. */
export function searchProgress(
  settings: SearchSettings,
  results: readonly TrialResult[],
  queued: number,
): SearchProgress {
  return {
    metric: settings.metric,
    trialsDone: results.length,
    trialsTotal: Math.max(queued, results.length),
    bestScore: best(results, settings.minGain)?.score ?? null,
  };
}

/** The report stored with the version: settings, the winner, every trial in the order they were planned. */
export function searchReport(
  settings: SearchSettings,
  repeats: number,
  results: readonly TrialResult[],
): AutotuneReport {
  const table = [...results].sort((a, b) => a.rung - b.rung || a.index - b.index);
  const starts = results.filter((r) => r.startedAt !== undefined);
  const first = Math.min(...starts.map((r) => Date.parse(r.startedAt!)));
  const last = Math.max(...starts.map((r) => Date.parse(r.startedAt!) + r.seconds * 1000));
  const top = best(results, settings.minGain);
  return {
    metric: settings.metric,
    budgetSeconds: settings.budgetSeconds,
    trials: new Set(results.filter((r) => r.rung === 0).map((r) => r.index)).size,
    repeats,
    wallSeconds: starts.length > 0 ? Math.round(last - first) / 1000 : 0,
    best: top ? { index: top.index, options: top.options, score: top.score } : null,
    table,
  };
}
