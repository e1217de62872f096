import type { Queue } from 'bullmq';
import type { BulkItem, BulkJobView, BulkOptions, BulkUpload } from '../contract/index.js';
import { AppError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import type { RedisMemory } from '../redis/index.js';
import { encodeItems } from './codec.js';
import { HOLD_MS, toBulkView, type BulkStore } from './store.js';

/** The BullMQ payload of a bulk job: references only; the record holds the rest. */
export interface BulkJobData {
  model: string;
  version: number;
}

/** While the body streams in, the version is pinned this long, renewed every third of it. */
export const UPLOAD_PIN_MS = 60_000;

/** What an upload needs from the service. */
export interface UploadDeps {
  store: BulkStore;
  queue: Queue<BulkJobData>;
  chunkLines: number;
  retry: { attempts: number; backoffMs: number };
  memory?: RedisMemory;
  log?: Logger;
}

/**
 * One bulk job's texts as they arrive: full chunks are gzipped and stored at once, so the API
 * holds about one chunk per upload. The version stays pinned (a short pin, renewed) until `commit`
 * pins it for the queued job, or `abort` releases it. Nothing is queued before `commit`.
 */
export class Upload implements BulkUpload {
  private buffer: BulkItem[] = [];
  private chunks = 0;
  private total = 0;
  private readonly renew: NodeJS.Timeout;
  /** The write in progress, if any: `abort` waits for it, so no chunk lands after the clean-up. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: UploadDeps,
    readonly jobId: string,
    readonly model: string,
    readonly version: number,
    private readonly options: BulkOptions,
  ) {
    const pin = () => deps.store.pin(model, version, jobId, UPLOAD_PIN_MS).catch(() => undefined);
    this.renew = setInterval(() => void pin(), UPLOAD_PIN_MS / 3);
    this.renew.unref();
  }

  write(items: readonly BulkItem[]): Promise<void> {
    for (const item of items) this.buffer.push(item);
    this.writing = (async () => {
      const size = this.deps.chunkLines;
      while (this.buffer.length >= size) await this.store(this.buffer.splice(0, size));
    })();
    return this.writing;
  }

  async commit(): Promise<BulkJobView> {
    if (this.buffer.length > 0) await this.store(this.buffer.splice(0));
    clearInterval(this.renew);
    if (this.total === 0) throw new AppError('INVALID_REQUEST', 'The NDJSON body has no documents');
    const { store, queue, retry } = this.deps;
    const job = { jobId: this.jobId, model: this.model, version: this.version };
    const rec = await store.create({ ...job, total: this.total, chunks: this.chunks, options: this.options });
    try {
      await store.pin(this.model, this.version, this.jobId, HOLD_MS);
      await queue.add(
        'classify',
        { model: this.model, version: this.version },
        {
          jobId: this.jobId,
          attempts: retry.attempts,
          backoff: { type: 'exponential', delay: retry.backoffMs },
          removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
          removeOnFail: { age: 30 * 24 * 3600, count: 1000 },
        },
      );
    } catch (err) {
      await store.end(this.jobId, 'failed', 'could not queue the job').catch(() => undefined);
      throw new AppError('SERVICE_UNAVAILABLE', 'could not queue the bulk job', {}, { cause: err });
    }
    return toBulkView(rec);
  }

  async abort(): Promise<void> {
    clearInterval(this.renew);
    this.buffer = [];
    await this.writing.catch(() => undefined);
    const { store } = this.deps;
    await store.dropChunks(this.jobId, this.chunks, ['input']);
    await store.unpin({ jobId: this.jobId, model: this.model, version: String(this.version) });
  }

  private async store(items: BulkItem[]): Promise<void> {
    const bytes = await encodeItems(items);
    await this.deps.memory?.ensureRoom(bytes.length, "the bulk job's texts");
    // Counted before the write: a chunk whose write failed half-way is deleted by `abort` too.
    const n = this.chunks++;
    await this.deps.store.writeInput(this.jobId, n, bytes);
    this.total += items.length;
  }
}
