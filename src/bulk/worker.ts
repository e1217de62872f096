import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BackendChoice, WebGpuAdapterChoice } from '../config/index.js';
import type { BulkOptions } from '../contract/index.js';
import { AppError, isAppError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import type { ModelRegistry } from '../registry/index.js';
import { fields, type BulkStore } from './store.js';
import { startBulkThread, type BulkThread } from './thread-runner.js';
import type { BulkJobData } from './upload.js';

/** Errors that retrying cannot fix: the job fails at once. */
const PERMANENT_CODES = new Set([
  'MODEL_NOT_FOUND',
  'VERSION_NOT_FOUND',
  'ARTEFACT_CORRUPT',
  'INVALID_DATA',
  'INVALID_REQUEST',
]);
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
/** How often a bulk job paused for training looks again. */
const YIELD_POLL_MS = 250;

/** BullMQ lock and stall settings (as for training jobs), and test hooks. */
export interface BulkTuning {
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  /** The thread's module (tests). */
  entry?: URL;
  /** Awaited after each stored result chunk (tests: crash a worker, or cancel, after N chunks). */
  afterChunk?: (jobId: string, n: number) => void | Promise<void>;
}

export interface BulkWorkerDeps {
  /** Dedicated connection (BullMQ blocks on it); must have `maxRetriesPerRequest: null`. */
  connection: Redis;
  store: BulkStore;
  registry: ModelRegistry;
  backend: BackendChoice;
  webgpuAdapter?: WebGpuAdapterChoice;
  /** Nice value of the classification thread (19: below serving, and never above training threads). */
  nice: number;
  /** Whether this process is training now: a bulk job waits between chunks until it is not. */
  trainingRunning?: () => boolean;
  logger: Logger;
  tuning?: BulkTuning;
}

type Outcome = 'done' | 'ended' | 'handback';

/**
 * The BullMQ worker of bulk jobs: one job at a time (concurrency 1), on its own queue, so a bulk job
 * never holds up a training job (those have their own queue and worker). A job's version is loaded
 * into a classification thread niced below training; the job goes chunk by chunk, each result chunk
 * stored with the progress in one step, so after a crash (BullMQ's stalled-job recovery) the next
 * worker resumes at the first chunk not stored. On shutdown it stops between chunks and hands the
 * job back to the queue.
 */
export class BulkWorker {
  private worker: Worker<BulkJobData> | undefined;
  private thread: BulkThread | undefined;
  private shuttingDown = false;

  constructor(private readonly deps: BulkWorkerDeps) {}

  start(): void {
    const { connection, store, tuning, logger } = this.deps;
    this.worker = new Worker<BulkJobData>(store.keys.queueName, (job, token) => this.process(job, token), {
      connection,
      prefix: store.keys.prefix,
      concurrency: 1,
      lockDuration: tuning?.lockDurationMs ?? 30_000,
      stalledInterval: tuning?.stalledIntervalMs ?? 30_000,
      maxStalledCount: tuning?.maxStalledCount ?? 2,
    });
    this.worker.on('error', (err) => logger.error({ err }, 'bulk worker error'));
    this.worker.on('failed', (job, err) => {
      logger.warn({ jobId: job?.id, err: err.message }, 'bulk job attempt failed');
      // BullMQ fails a job that lost its worker too often without running our code: record it.
      if (job && (job.deferredFailure || /allowable limit/.test(err.message))) {
        const error = `bulk job lost its worker too often; giving up (${err.message})`;
        store
          .end(job.id as string, 'failed', error)
          .catch((e: unknown) => logger.error({ err: e }, 'record'));
      }
    });
  }

  async waitUntilReady(): Promise<void> {
    await this.worker?.waitUntilReady();
  }

  /** Stops taking jobs; a running one stops after its chunk (the thread is ended after `graceMs`). */
  async close(graceMs: number): Promise<void> {
    this.shuttingDown = true;
    const timer = setTimeout(() => void this.thread?.terminate(), graceMs);
    timer.unref();
    try {
      await this.worker?.close();
    } finally {
      clearTimeout(timer);
      await this.thread?.terminate();
    }
  }

  private async process(job: Job<BulkJobData>, token: string | undefined): Promise<{ status: string }> {
    const jobId = job.id as string;
    const { store, logger } = this.deps;
    const log = logger.child({ jobId, model: job.data.model, version: job.data.version });
    const prev = await store.getRaw(jobId).catch(() => undefined);
    if (!prev) return { status: 'gone' }; // the record expired
    const from = Number(prev.doneChunks ?? 0);
    const start = await store.update(jobId, {
      status: 'running',
      startedAt: prev.startedAt || new Date().toISOString(),
      starts: String(Number(prev.starts ?? 0) + 1),
      error: '',
      ...(from > 0 ? { resumedFrom: String(from) } : {}),
    });
    if (!start.applied) return { status: start.rec.status ?? 'gone' }; // cancelled while queued
    try {
      await store.keepAlive(start.rec);
      if (from > 0) log.info({ chunk: from, chunks: Number(prev.chunks) }, 'resuming bulk job');
      const started = performance.now();
      const outcome = await this.run(start.rec);
      if (outcome === 'handback') return await this.handBack(job, token, log);
      if (outcome === 'ended' || !(await store.succeed(start.rec))) {
        await store.release(start.rec);
        return { status: 'cancelled' };
      }
      const seconds = (performance.now() - started) / 1000;
      log.info({ texts: Number(start.rec.total), seconds }, 'bulk job succeeded');
      return { status: 'succeeded' };
    } catch (err) {
      if (err instanceof WaitingError) throw err;
      return await this.failed(job, token, err, log);
    }
  }

  /** Loads the version into a thread and goes through the chunks not done yet. */
  private async run(rec: Record<string, string>): Promise<Outcome> {
    const thread = await this.openThread(rec);
    this.thread = thread;
    try {
      return await this.chunks(rec, thread);
    } finally {
      this.thread = undefined;
      await thread.terminate();
    }
  }

  private async openThread(rec: Record<string, string>): Promise<BulkThread> {
    const d = this.deps;
    const { bytes, detail } = await d.registry.loadArtefact(rec.model ?? '', Number(rec.version));
    const opts = JSON.parse(rec.options ?? '{}') as BulkOptions;
    const cutOff = opts.minProbability ?? Number(detail.options.minProbability ?? 0);
    const answer = {
      cutOff,
      ...(opts.topK !== undefined ? { topK: opts.topK } : {}),
      ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
    };
    const input = {
      artefact: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      answer,
      backend: d.backend,
      ...(d.webgpuAdapter ? { webgpuAdapter: d.webgpuAdapter } : {}),
      nice: d.nice,
    };
    const thread = startBulkThread(input, d.tuning?.entry);
    try {
      await thread.ready;
    } catch (err) {
      await thread.terminate();
      throw err;
    }
    return thread;
  }

  /**
   * Chunk by chunk from the first not done: the next input is read while this one is classified;
   * each result is stored with the progress (refused once the job is no longer running).
   */
  private async chunks(rec: Record<string, string>, thread: BulkThread): Promise<Outcome> {
    const { store, tuning } = this.deps;
    const { jobId, chunks } = fields(rec);
    let processed = Number(rec.processed ?? 0);
    const read = (n: number) => {
      const p = n < chunks ? store.readInput(jobId, n) : Promise.resolve(undefined);
      p.catch(() => undefined);
      return p;
    };
    let next = read(Number(rec.doneChunks ?? 0));
    for (let n = Number(rec.doneChunks ?? 0); n < chunks; n++) {
      await this.yieldToTraining(jobId);
      if (this.shuttingDown) return 'handback';
      const input = await next;
      if (!input) {
        if (TERMINAL.has((await store.getRaw(jobId)).status ?? '')) return 'ended';
        throw new AppError('INVALID_DATA', `chunk ${n} of the job's texts is gone (expired)`);
      }
      next = read(n + 1);
      const { output, count } = await thread.classify(n, input);
      processed += count;
      if (!(await store.commitChunk(jobId, n, output, processed))) return 'ended';
      await tuning?.afterChunk?.(jobId, n);
    }
    return 'done';
  }

  /** Waits while this process trains (training has priority), checking every {@link YIELD_POLL_MS}. */
  private async yieldToTraining(jobId: string): Promise<void> {
    const busy = this.deps.trainingRunning;
    if (!busy?.()) return;
    this.deps.logger.info({ jobId }, 'bulk job paused while this worker trains');
    while (busy() && !this.shuttingDown) await new Promise((r) => setTimeout(r, YIELD_POLL_MS));
    this.deps.logger.info({ jobId }, 'bulk job resumed');
  }

  /** Shutting down: the job goes back to the queue and resumes from its last stored chunk. */
  private async handBack(job: Job<BulkJobData>, token: string | undefined, log: Logger): Promise<never> {
    await this.deps.store.update(job.id as string, { status: 'queued' });
    if (token) await job.moveToWait(token);
    log.info('worker shutting down: bulk job handed back to the queue');
    throw new WaitingError();
  }

  /** Ended meanwhile, handed back on shutdown, permanent, or retried with backoff. */
  private async failed(
    job: Job<BulkJobData>,
    token: string | undefined,
    err: unknown,
    log: Logger,
  ): Promise<{ status: string }> {
    const { store } = this.deps;
    const jobId = job.id as string;
    const rec = await store.getRaw(jobId).catch(() => undefined);
    if (!rec || TERMINAL.has(rec.status ?? '')) {
      if (rec && rec.status !== 'succeeded') await store.release(rec);
      return { status: rec?.status ?? 'gone' };
    }
    if (this.shuttingDown && token) return this.handBack(job, token, log);
    const message = err instanceof Error ? err.message : String(err);
    const permanent = isAppError(err) && PERMANENT_CODES.has(err.code);
    const final = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (final) await store.end(jobId, 'failed', message);
    else
      await store.update(jobId, {
        status: 'queued',
        error: `attempt ${job.attemptsMade + 1} failed: ${message}; retrying`,
      });
    log.warn({ err: message, permanent, final }, 'bulk job failed');
    throw permanent ? new UnrecoverableError(message) : err instanceof Error ? err : new Error(message);
  }
}
