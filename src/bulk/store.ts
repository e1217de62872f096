import type { Redis } from 'ioredis';
import type { BulkJobView, BulkOptions, JobStatus } from '../contract/index.js';
import { AppError } from '../errors/index.js';
import { getLargeBuffer, isOutOfMemory, redisCommand, refusedForMemory } from '../redis/index.js';
import { BULK_COMMIT_CHUNK, BULK_PIN, BULK_UPDATE } from './commands.js';
import type { BulkKeys } from './keys.js';

/**
 * How long a bulk job that has not ended keeps its record, its texts, its results so far and the
 * pin of its version (refreshed when a worker starts it): a job not started within this is lost.
 */
export const HOLD_MS = 7 * 24 * 3600 * 1000;
/** A finished job's record outlives its results by this, so an expired result reads 410, not 404. */
const RECORD_GRACE_MS = 7 * 24 * 3600 * 1000;
/** Keys deleted per UNLINK. */
const UNLINK_BATCH = 500;

/** What a new job's record is made from. */
export interface NewBulkJob {
  jobId: string;
  model: string;
  version: number;
  total: number;
  chunks: number;
  options: BulkOptions;
}

const now = (): string => new Date().toISOString();

/**
 * Bulk jobs in Redis: a record (a hash) per job, its input and result chunks (gzipped values of
 * `BULK_CHUNK_LINES` lines each, one key per chunk, never one large value), and its pin on the
 * version. Status changes are conditional (update.lua): terminal statuses are sticky.
 */
export class BulkStore {
  private readonly updateCmd;
  private readonly commitCmd;
  private readonly pinCmd;

  constructor(
    private readonly redis: Redis,
    readonly keys: BulkKeys,
    /** How long a succeeded job's results stay readable. */
    readonly resultsTtlMs: number,
  ) {
    this.updateCmd = redisCommand<(string | number)[]>(redis, BULK_UPDATE);
    this.commitCmd = redisCommand<number>(redis, BULK_COMMIT_CHUNK);
    this.pinCmd = redisCommand<number>(redis, BULK_PIN);
  }

  /** Writes a new `queued` record. */
  async create(job: NewBulkJob): Promise<Record<string, string>> {
    const at = now();
    const rec: Record<string, string> = {
      jobId: job.jobId,
      model: job.model,
      version: String(job.version),
      status: 'queued',
      total: String(job.total),
      chunks: String(job.chunks),
      processed: '0',
      doneChunks: '0',
      starts: '0',
      chunkWrites: '0',
      options: JSON.stringify(job.options),
      createdAt: at,
      updatedAt: at,
    };
    const key = this.keys.job(job.jobId);
    await this.redis.multi().hset(key, rec).pexpire(key, HOLD_MS).exec();
    return rec;
  }

  /** The record's fields. AppError JOB_NOT_FOUND. */
  async getRaw(jobId: string): Promise<Record<string, string>> {
    const rec = await this.redis.hgetall(this.keys.job(jobId));
    if (!rec.status) throw notFound(jobId);
    return rec;
  }

  /** Sets fields unless the job is terminal; the record after it either way. */
  async update(
    jobId: string,
    fields: Record<string, string>,
  ): Promise<{ applied: boolean; rec: Record<string, string> }> {
    const args = Object.entries({ ...fields, updatedAt: now() }).flat();
    const res = await this.updateCmd(this.keys.job(jobId), ...args);
    if (res[0] === -1) throw notFound(jobId);
    const rec: Record<string, string> = {};
    for (let i = 1; i + 1 < res.length; i += 2) rec[String(res[i])] = String(res[i + 1]);
    return { applied: res[0] === 1, rec };
  }

  /** Stores input chunk `n` (kept for {@link HOLD_MS}). AppError STORAGE_FULL when Redis refuses it. */
  async writeInput(jobId: string, n: number, bytes: Buffer): Promise<void> {
    try {
      await this.redis.set(this.keys.input(jobId, n), bytes, 'PX', HOLD_MS);
    } catch (err) {
      if (isOutOfMemory(err)) throw refusedForMemory("the bulk job's texts", bytes.length);
      throw err;
    }
  }

  async readInput(jobId: string, n: number): Promise<Buffer | undefined> {
    return getLargeBuffer(this.redis, this.keys.input(jobId, n));
  }

  async readOutput(jobId: string, n: number): Promise<Buffer | undefined> {
    return getLargeBuffer(this.redis, this.keys.output(jobId, n));
  }

  /** Stores result chunk `n` and records `n + 1` chunks done; false when the job is no longer running. */
  async commitChunk(jobId: string, n: number, bytes: Uint8Array, processed: number): Promise<boolean> {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const k = this.keys;
    const args = [buf, HOLD_MS, n + 1, processed, now()];
    return (await this.commitCmd(k.job(jobId), k.output(jobId, n), ...args)) === 1;
  }

  /** A worker took the job: its record, texts, results so far and pin get {@link HOLD_MS} again. */
  async keepAlive(rec: Record<string, string>): Promise<void> {
    const { jobId, chunks } = fields(rec);
    const pipe = this.redis.pipeline().pexpire(this.keys.job(jobId), HOLD_MS);
    for (let n = 0; n < chunks; n++) {
      pipe.pexpire(this.keys.input(jobId, n), HOLD_MS).pexpire(this.keys.output(jobId, n), HOLD_MS);
    }
    await pipe.exec();
    await this.pin(rec.model ?? '', Number(rec.version), jobId, HOLD_MS);
  }

  /**
   * Marks the job succeeded: its results expire `resultsTtlMs` from now (`expiresAt`), its texts and
   * its pin go. False when it had ended meanwhile (cancelled): then its chunks go too.
   */
  async succeed(rec: Record<string, string>): Promise<boolean> {
    const { jobId, chunks } = fields(rec);
    const finishedAt = new Date();
    const expiresAt = new Date(finishedAt.getTime() + this.resultsTtlMs).toISOString();
    const res = await this.update(jobId, {
      status: 'succeeded',
      finishedAt: finishedAt.toISOString(),
      expiresAt,
    });
    if (!res.applied) {
      await this.release(res.rec);
      return false;
    }
    const pipe = this.redis.pipeline();
    for (let n = 0; n < chunks; n++) pipe.pexpire(this.keys.output(jobId, n), this.resultsTtlMs);
    pipe.pexpire(this.keys.job(jobId), this.resultsTtlMs + RECORD_GRACE_MS);
    await pipe.exec();
    await this.dropChunks(jobId, chunks, ['input']);
    await this.unpin(rec);
    return true;
  }

  /**
   * Ends a job that did not succeed (`failed` or `cancelled`) unless it had ended already; either way
   * its chunks and its pin go. Returns whether this call ended it, and the record.
   */
  async end(
    jobId: string,
    status: Extract<JobStatus, 'failed' | 'cancelled'>,
    error?: string,
  ): Promise<{ applied: boolean; rec: Record<string, string> }> {
    const res = await this.update(jobId, { status, finishedAt: now(), ...(error ? { error } : {}) });
    if (res.applied || res.rec.status !== 'succeeded') await this.release(res.rec);
    return res;
  }

  /** Drops the chunks and the pin of a job that did not succeed; its record expires in a while. */
  async release(rec: Record<string, string>): Promise<void> {
    const { jobId, chunks } = fields(rec);
    await this.dropChunks(jobId, chunks, ['input', 'output']);
    await this.redis.pexpire(this.keys.job(jobId), RECORD_GRACE_MS);
    await this.unpin(rec);
  }

  /** Deletes a job's chunks `0..chunks-1` of the given kinds. */
  async dropChunks(jobId: string, chunks: number, kinds: ('input' | 'output')[]): Promise<void> {
    const keys: string[] = [];
    for (let n = 0; n < chunks; n++) for (const kind of kinds) keys.push(this.keys[kind](jobId, n));
    for (let i = 0; i < keys.length; i += UNLINK_BATCH) {
      await this.redis.unlink(...keys.slice(i, i + UNLINK_BATCH));
    }
  }

  /** Pins `model`@`version` for the job for `ttlMs` (the registry's pin set; retention respects it). */
  async pin(model: string, version: number, jobId: string, ttlMs: number): Promise<void> {
    await this.pinCmd(this.keys.pins(model, version), this.keys.holder(jobId), ttlMs);
  }

  async unpin(rec: Record<string, string>): Promise<void> {
    const key = this.keys.pins(rec.model ?? '', Number(rec.version));
    await this.redis.zrem(key, this.keys.holder(rec.jobId ?? ''));
  }
}

/** The record's id and chunk count. */
export function fields(rec: Record<string, string>): { jobId: string; chunks: number } {
  return { jobId: rec.jobId ?? '', chunks: Number(rec.chunks ?? 0) };
}

function notFound(jobId: string): AppError {
  return new AppError('JOB_NOT_FOUND', `no bulk classification job "${jobId}"`, { jobId });
}

/** The contract's view of a record. */
export function toBulkView(r: Record<string, string>): BulkJobView {
  const view: BulkJobView = {
    jobId: r.jobId ?? '',
    model: r.model ?? '',
    version: Number(r.version ?? 0),
    status: (r.status ?? 'queued') as JobStatus,
    progress: { processed: Number(r.processed ?? 0), total: Number(r.total ?? 0) },
    createdAt: r.createdAt ?? '',
  };
  if (r.startedAt) view.startedAt = r.startedAt;
  if (r.finishedAt) view.finishedAt = r.finishedAt;
  if (r.error) view.error = r.error;
  if (r.expiresAt) view.expiresAt = r.expiresAt;
  return view;
}
