/** A trial bounded by the search's deadline and its cancellation, whatever runs it (a thread, the CLI). */
import { hostname } from 'node:os';
import { isAppError } from '../errors/index.js';
import type { TrialResult, TrialSpec } from './plan.js';
import type { TrialScore } from './trial.js';

/** This process as a trial table names it. */
export const workerName = (): string => `${hostname()}:${process.pid}`;

/**
 * Runs `run` unless the deadline has passed (`skipped`), stopping it at the deadline (`timeout`)
 * or when `signal` aborts (`cancelled`); any other error is the trial's `failed`, never the
 * search's: one bad configuration must not end the others.
 */
export async function boundedTrial(
  spec: TrialSpec,
  deadline: number,
  run: (signal: AbortSignal) => Promise<TrialScore>,
  signal?: AbortSignal,
): Promise<TrialResult> {
  const startedAt = new Date();
  const base = { ...spec, worker: workerName(), startedAt: startedAt.toISOString() };
  if (signal?.aborted) return { ...base, status: 'cancelled', seconds: 0 };
  if (Date.now() >= deadline) return { ...base, status: 'skipped', seconds: 0 };
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort('budget spent'), deadline - Date.now());
  const onAbort = () => stop.abort('cancelled');
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const s = await run(stop.signal);
    return { ...base, status: 'done', score: s.score, epochs: s.epochs, seconds: s.seconds };
  } catch (err) {
    const seconds = (Date.now() - startedAt.getTime()) / 1000;
    if (isAppError(err) && err.code === 'CANCELLED')
      return { ...base, status: signal?.aborted ? 'cancelled' : 'timeout', seconds };
    return { ...base, status: 'failed', seconds, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
