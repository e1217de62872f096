/** What happens to a training attempt that threw: cancelled, handed back, retried, or failed for good. */
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { isAppError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import type { TrainJobData } from './job-service.js';
import type { JobRecord } from './job-record.js';

/** Errors that retrying cannot fix: fail the job at once. */
export const PERMANENT_CODES = new Set([
  'INVALID_DATA',
  'INVALID_OPTIONS',
  'INVALID_REQUEST',
  'TOO_MANY_LABELS',
  'PAYLOAD_TOO_LARGE',
  'STORAGE_FULL',
  // An incremental job's base version was deleted (retention) before the job ran.
  'VERSION_NOT_FOUND',
  'MODEL_NOT_FOUND',
]);

/** True for BullMQ's own verdict on a job that stalled (its worker died) or started too often. */
export function gaveUpOnCrashes(job: Job, err: Error): boolean {
  return Boolean(job.deferredFailure) || /allowable limit/.test(err.message);
}

/** A failed attempt and how the worker counts it. */
export interface FailedAttempt {
  job: Job<TrainJobData>;
  record: JobRecord;
  token: string | undefined;
  err: unknown;
  log: Logger;
  /** The worker is closing: a stopped job goes back to the queue rather than failing. */
  shuttingDown: boolean;
  /** Counts the attempt's outcome (metrics). */
  ended(outcome: string): void;
}

/** Classifies a failure: cancelled, handed back on shutdown, permanent, or retried with backoff. */
export async function handleFailure(f: FailedAttempt): Promise<{ status: string }> {
  const { job, record, token, err, log } = f;
  if ((await record.view()).status === 'cancelled') {
    f.ended('cancelled');
    await record.dropCheckpoint();
    log.info('training cancelled');
    return { status: 'cancelled' };
  }
  const message = err instanceof Error ? err.message : String(err);
  if (f.shuttingDown && isAppError(err) && err.code === 'CANCELLED' && token) {
    f.ended('handed-back');
    await record.requeued();
    await job.moveToWait(token);
    log.info('worker shutting down: job handed back to the queue');
    throw new WaitingError();
  }
  // An unusable checkpoint would fail every retry the same way: the next attempt starts afresh.
  if (isAppError(err) && err.code === 'ARTEFACT_CORRUPT') await record.dropCheckpoint();
  const permanent = isAppError(err) && PERMANENT_CODES.has(err.code);
  const final = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  f.ended(final ? 'failed' : 'retrying');
  if (final) await record.failed(message);
  else await record.requeued(`attempt ${job.attemptsMade + 1} failed: ${message}; retrying`);
  log.warn({ err: message, permanent, final }, 'training failed');
  throw permanent ? new UnrecoverableError(message) : err instanceof Error ? err : new Error(message);
}
