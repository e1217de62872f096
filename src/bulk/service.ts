import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BulkJobService, BulkJobView, BulkOptions, BulkUpload } from '../contract/index.js';
import { AppError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import type { RedisMemory } from '../redis/index.js';
import type { ModelRegistry } from '../registry/index.js';
import { decodeResults } from './codec.js';
import type { BulkKeys } from './keys.js';
import { fields, toBulkView, type BulkStore } from './store.js';
import { Upload, UPLOAD_PIN_MS, type BulkJobData, type UploadDeps } from './upload.js';

/** A record older than this that still says queued/running is checked against BullMQ on read. */
const RECONCILE_AFTER_MS = 30_000;

/** The BullMQ queue of bulk jobs (keys `<prefix>:classify:*`), apart from the training queue. */
export function createBulkQueue(connection: Redis, keys: BulkKeys): Queue<BulkJobData> {
  return new Queue<BulkJobData>(keys.queueName, { connection, prefix: keys.prefix });
}

/** What the service is built from. */
export interface BulkJobsDeps extends Omit<UploadDeps, 'store' | 'queue'> {
  store: BulkStore;
  queue: Queue<BulkJobData>;
  registry: ModelRegistry;
  memory?: RedisMemory;
  log?: Logger;
}

/**
 * `BulkJobService` on Redis and BullMQ: accepting a job (its version resolved and pinned first, its
 * texts stored in chunks as they arrive, then its record and the BullMQ job), reading and
 * cancelling it, and streaming its results chunk by chunk.
 */
export class BulkJobs implements BulkJobService {
  constructor(private readonly deps: BulkJobsDeps) {}

  async open(model: string, opts: BulkOptions): Promise<BulkUpload> {
    const { registry, store } = this.deps;
    const version = opts.version ?? (await registry.getLatest(model));
    if (version === undefined) {
      throw new AppError('MODEL_NOT_FOUND', `no trained model "${model}": train one first (POST /train)`, {
        model,
      });
    }
    const jobId = randomUUID();
    // Pinned before it is checked: a version that exists after the pin stays until the job ends.
    await store.pin(model, version, jobId, UPLOAD_PIN_MS);
    try {
      const detail = await registry.getVersion(model, version);
      if (opts.threshold !== undefined && !detail.multiLabel) throw singleLabel(model, version);
    } catch (err) {
      await store.unpin({ jobId, model, version: String(version) });
      throw err;
    }
    return new Upload(this.deps, jobId, model, version, opts);
  }

  async get(jobId: string): Promise<BulkJobView> {
    return toBulkView(await this.reconcile(await this.deps.store.getRaw(jobId)));
  }

  /**
   * A job whose workers all died for good (or that BullMQ failed without our worker code running)
   * still reads queued/running: once its record is a while old, BullMQ's verdict is taken.
   */
  private async reconcile(rec: Record<string, string>): Promise<Record<string, string>> {
    if (rec.status !== 'queued' && rec.status !== 'running') return rec;
    if (Date.now() - Date.parse(rec.updatedAt ?? rec.createdAt ?? '') < RECONCILE_AFTER_MS) return rec;
    const jobId = rec.jobId ?? '';
    const state = await this.deps.queue.getJobState(jobId);
    if (state !== 'failed' && state !== 'unknown') return rec;
    const reason = (await this.deps.queue.getJob(jobId))?.failedReason || 'the job was lost by the queue';
    return (await this.deps.store.end(jobId, 'failed', reason)).rec;
  }

  async cancel(jobId: string): Promise<BulkJobView> {
    const { store, queue, log } = this.deps;
    const { applied, rec } = await store.end(jobId, 'cancelled');
    if (!applied) {
      throw new AppError('JOB_NOT_CANCELLABLE', `bulk job "${jobId}" has already ${rec.status}`, { jobId });
    }
    // A queued job leaves the queue; a running one is locked (remove fails): its worker stops at the
    // next chunk, whose result the record no longer takes (commit-chunk.lua).
    await queue
      .remove(jobId)
      .catch((err: unknown) => log?.debug({ err, jobId }, 'bulk job not removable (running)'));
    return toBulkView(rec);
  }

  async results(jobId: string): Promise<AsyncIterable<Uint8Array>> {
    const { store } = this.deps;
    const rec = await store.getRaw(jobId);
    if (rec.status !== 'succeeded') {
      const what =
        rec.status === 'queued' || rec.status === 'running' ? `is ${rec.status}` : `has ${rec.status}`;
      throw new AppError('RESULTS_NOT_READY', `bulk job "${jobId}" ${what}: no results to read`, { jobId });
    }
    const { chunks } = fields(rec);
    const expired = () =>
      new AppError('RESULTS_EXPIRED', `the results of bulk job "${jobId}" expired at ${rec.expiresAt}`, {
        jobId,
      });
    if (rec.expiresAt && Date.parse(rec.expiresAt) <= Date.now()) throw expired();
    // The first chunk is read now, so a job whose results are gone is refused before any answer.
    const first = await store.readOutput(jobId, 0);
    if (!first) throw expired();
    return (async function* () {
      for (let n = 0; n < chunks; n++) {
        const bytes = n === 0 ? first : await store.readOutput(jobId, n);
        if (!bytes) throw expired();
        yield await decodeResults(bytes);
      }
    })();
  }

  /** Closes the queue's use of its connection (the connection is the caller's). */
  async close(): Promise<void> {
    await this.deps.queue.close();
  }
}

function singleLabel(model: string, version: number): AppError {
  const message = `model "${model}" version ${version} is single-label: it takes no threshold (use minProbability)`;
  return new AppError('INVALID_REQUEST', `/query/threshold ${message}`, {
    errors: [{ path: '/query/threshold', message }],
  });
}
