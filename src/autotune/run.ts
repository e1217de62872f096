/** A trial bounded by the search's deadline and its cancellation, whatever runs it (a thread, the CLI). */
import { hostname } from 'node:os';
import { isAppError } from '../errors/index.js';
import type { TrialResult, TrialSpec } from './plan.js';
import type { TrialScore } from './trial.js';

/**
 * How long past the deadline a trial may run before it is aborted: a trial stops at its next
 * epoch's end after the deadline (and keeps its score); only an epoch longer than this is lost.
 */
export const DEADLINE_GRACE_MS = 60_000;

/** This process as a trial table names it. */
export const workerName = (): string => `${hostname()}:${process.pid}`;

/**
 * Runs `run` unless the deadline has passed (`skipped`), aborting it `DEADLINE_GRACE_MS` after
 * the deadline (`timeout`; `run` itself should stop at the deadline with a score) or when `signal`
 * aborts (`cancelled`); any other error is the trial's `failed`, never the
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
  const timer = setTimeout(() => stop.abort('budget spent'), deadline + DEADLINE_GRACE_MS - Date.now());
  const onAbort = () => stop.abort('cancelled');
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const s = await run(stop.signal);
    return { ...base, status: 'done', ...s };
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
