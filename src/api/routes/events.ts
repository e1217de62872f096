import type { JobEvent, JobView } from '../../contract/index.js';
import type { PathOf } from '../api-types.js';
import { TERMINAL_STATUSES, toJob } from '../api-types.js';
import type { Handler } from '../context.js';

/**
 * `GET /jobs/{jobId}/events`: Server-Sent Events. Subscribes before reading the current state so no
 * change between the two is missed; sends that state first, then every change; ends with
 * `event: end` once the job is terminal. A client that goes away is unsubscribed.
 */
export function jobEventsHandler(heartbeatMs: number): Handler {
  return async (c) => {
    const { jobId } = c.input.path as PathOf<'streamJobEvents'>;
    const { res } = c;
    const backlog: JobEvent[] = [];
    let write: ((e: JobEvent) => void) | null = null;
    const unsubscribe = await c.deps.jobs.subscribe(jobId, (e) => (write ? write(e) : backlog.push(e)));
    let current: JobView;
    try {
      current = await c.deps.jobs.get(jobId); // JOB_NOT_FOUND becomes a normal problem reply
    } catch (e) {
      unsubscribe();
      throw e;
    }

    let seq = 0;
    let closed = false;
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
    heartbeat.unref();
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      if (!res.writableEnded) res.end();
    };
    const send = (event: string, job: JobView) => {
      if (closed) return;
      res.write(`id: ${++seq}\nevent: ${event}\ndata: ${JSON.stringify(toJob(job))}\n\n`);
      if (TERMINAL_STATUSES.has(job.status)) {
        res.write(`event: end\ndata: ${JSON.stringify(toJob(job))}\n\n`);
        close();
      }
    };

    // res 'close' fires on client disconnect as well as after end (req 'close' fires once the request is read).
    res.on('close', close);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no'); // nginx: do not buffer the stream
    res.flushHeaders();

    send('status', current);
    write = (e) => send(e.type, e.job);
    // Changes that arrived while the current state was read may be older than it: skip stale progress.
    const seenEpoch = current.progress?.epoch ?? 0;
    for (const e of backlog.splice(0)) {
      if (e.type === 'progress' && (e.job.progress?.epoch ?? 0) < seenEpoch) continue;
      write(e);
    }
  };
}
