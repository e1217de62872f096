import { ApiError, apiFetch, type Job } from './api';
import { readEvents } from './sse';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

export function isTerminal(status: string): boolean {
  return TERMINAL.has(status);
}

/**
 * Follows `GET /jobs/{id}/events` until the job is terminal or `signal` aborts: every `status` and
 * `progress` event's `Job` goes to `onJob`. A stream that drops (a proxy timeout, an API process
 * restarting) is reopened after a pause; the server starts each stream with the current state, so
 * nothing is lost but the epochs in between. An API error (404, 401, 403) ends it with `onError`.
 */
export async function watchJob(
  jobId: string,
  onJob: (job: Job) => void,
  onError: (e: unknown) => void,
  signal: AbortSignal,
): Promise<void> {
  let failures = 0;
  while (!signal.aborted) {
    try {
      const done = await streamOnce(jobId, onJob, signal);
      if (done) return;
      failures = 0;
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof ApiError && e.problem.status !== 0 && e.problem.status < 500) {
        onError(e);
        return;
      }
      if (++failures >= 5) {
        onError(e);
        return;
      }
    }
    await sleep(Math.min(10_000, 1000 * 2 ** failures), signal);
  }
}

/** One stream; true once the job reached a terminal state. */
async function streamOnce(jobId: string, onJob: (job: Job) => void, signal: AbortSignal): Promise<boolean> {
  const res = await apiFetch(`/jobs/${encodeURIComponent(jobId)}/events`, {
    headers: { accept: 'text/event-stream' },
    signal,
    cache: 'no-store',
  });
  if (!res.body) throw new Error('the event stream has no body');
  for await (const ev of readEvents(res.body)) {
    if (ev.event !== 'status' && ev.event !== 'progress' && ev.event !== 'end') continue;
    const job = JSON.parse(ev.data) as Job;
    onJob(job);
    if (ev.event === 'end' || isTerminal(job.status)) return true;
  }
  return false;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
