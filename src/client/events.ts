/**
 * Server-Sent Events for the client: a small `text/event-stream` reader (WHATWG streams and
 * `TextDecoder` only, so it runs in browsers too) and the job events of `GET /jobs/{jobId}/events`.
 */
import type { components } from '../contract/index.js';

type Job = components['schemas']['Job'];

/** The statuses a job does not leave. */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

/** One dispatched SSE message: its `event` name (default `message`), `data` and last `id`. */
export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

/** One event of a job's stream: `status` (first, and on status changes), `progress`, then `end`. */
export interface JobEvent {
  event: 'status' | 'progress' | 'end' | (string & {});
  job: Job;
}

/**
 * Reads an event stream into messages, as the HTML standard's parsing rules say: lines end in
 * `\n`, `\r\n` or `\r`; `:` lines are comments (keep-alives); a blank line dispatches the fields
 * gathered since the last one; `data` lines are joined with `\n`; a message without data is dropped.
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      // A lone `\r` at the end may be the first half of `\r\n`: keep it for the next chunk.
      const lines = buffer.split(/\r\n|\r(?!$)|\n/);
      buffer = done ? '' : (lines.pop() ?? '');
      for (const line of done ? [...lines, ''] : lines) {
        if (line === '') {
          if (data.length > 0)
            yield { event: event || 'message', data: data.join('\n'), ...(id ? { id } : {}) };
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
      }
      if (done) return;
    }
  } finally {
    // Stops the download when the caller leaves the loop early (a `break`, or an error).
    await reader.cancel().catch(() => undefined);
  }
}

/** The stream's messages as job events; messages whose data is not a job are skipped. */
export async function* jobEventsOf(body: ReadableStream<Uint8Array>): AsyncGenerator<JobEvent> {
  for await (const m of readSse(body)) {
    let job: unknown;
    try {
      job = JSON.parse(m.data);
    } catch {
      continue;
    }
    if (job && typeof job === 'object' && 'jobId' in job && 'status' in job)
      yield { event: m.event, job: job as Job };
  }
}

/** How `watchJob` follows a job. */
export interface WatchOptions {
  /** Sees every event (each stream's first one carries the current state). */
  onEvent?(e: JobEvent): void;
  signal?: AbortSignal;
  /** Reopened streams allowed in a row without an event between (default 5). */
  retries?: number;
}

/** The two client calls `watchJob` is made of. */
interface JobSource {
  jobEvents(jobId: string, o: { signal?: AbortSignal }): AsyncIterable<JobEvent>;
  getJob(jobId: string): Promise<Job>;
}

/**
 * The client's `watchJob`: events until a terminal state; a stream that drops before it is
 * reopened after a short wait, unless the job was meanwhile done.
 */
export async function watchJob(api: JobSource, jobId: string, o: WatchOptions): Promise<Job> {
  let failures = 0;
  for (;;) {
    let last: Job | undefined;
    try {
      for await (const e of api.jobEvents(jobId, { signal: o.signal })) {
        failures = 0;
        last = e.job;
        o.onEvent?.(e);
        if (TERMINAL_STATUSES.has(e.job.status)) return e.job;
      }
    } catch (err) {
      // The server's refusals (TextclfError) and the caller's abort are answers; a dropped
      // connection is not.
      if ((err instanceof Error && err.name === 'TextclfError') || o.signal?.aborted) throw err;
      if (++failures > (o.retries ?? 5)) throw err;
    }
    const now = last && TERMINAL_STATUSES.has(last.status) ? last : await api.getJob(jobId);
    if (TERMINAL_STATUSES.has(now.status)) return now;
    await new Promise((r) => setTimeout(r, 500 * Math.min(failures + 1, 4)));
  }
}
