import type { Redis } from 'ioredis';
import type { JobEvent, JobProgress, JobStatus, JobView, TrainingOptionsInput } from '../contract/index.js';
import { AppError } from '../errors/index.js';
import { getLargeBuffer, luaScript, redisCommand, setLargeBuffer, type Keys } from '../redis/index.js';

/** Statuses a job never leaves. */
export const TERMINAL: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

/** Epochs of progress kept per job (a 500-epoch select phase plus its refit fits). */
const HISTORY_MAX = 1000;

const UPDATE_JOB = luaScript(import.meta.url, './update-job.lua', 'textclfUpdateJob', 1);
const TRIM_JOBS = luaScript(import.meta.url, './trim-jobs.lua', 'textclfTrimJobs', 1);

/** Result of a conditional update. */
export interface UpdateResult {
  applied: boolean;
  view: JobView;
}

/**
 * The service's own job records (a Redis hash per job), independent of BullMQ's bookkeeping so
 * `GET /jobs/{id}` is one HGETALL and history survives BullMQ's clean-up. Every change is also
 * published on the job's channel for SSE listeners.
 */
export class JobStore {
  private readonly updateCmd;
  private readonly trimCmd;
  private created = 0;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    /** Job records kept (newest first); older finished ones are deleted as new jobs arrive. */
    private readonly keepJobs = 10_000,
  ) {
    this.updateCmd = redisCommand<(string | number)[]>(redis, UPDATE_JOB);
    this.trimCmd = redisCommand<number>(redis, TRIM_JOBS);
  }

  /** Writes a new `queued` record and indexes it (all jobs, and per model) by creation time. */
  async create(rec: {
    jobId: string;
    model: string;
    datasetHash: string;
    documents: number;
    options: TrainingOptionsInput;
  }): Promise<JobView> {
    const now = new Date();
    const fields = {
      jobId: rec.jobId,
      model: rec.model,
      status: 'queued',
      datasetHash: rec.datasetHash,
      documents: String(rec.documents),
      options: JSON.stringify(rec.options),
      attempts: '0',
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    // Creation time orders the indexes; the fraction keeps jobs created in the same millisecond by
    // this process in creation order (a double holds ms since 1970 plus three decimals exactly).
    const score = now.getTime() + (this.created++ % 1000) / 1000;
    await this.redis
      .multi()
      .hset(this.keys.job(rec.jobId), fields)
      .zadd(this.keys.jobsAll, score, rec.jobId)
      .zadd(this.keys.jobsByModel(rec.model), score, rec.jobId)
      .exec();
    await this.trim();
    return toView(fields);
  }

  /** Deletes the oldest finished records beyond the history limit; returns how many. */
  async trim(batch = 100): Promise<number> {
    return this.trimCmd(this.keys.jobsAll, this.keepJobs, this.keys.prefix, batch);
  }

  /** The record, or AppError JOB_NOT_FOUND. */
  async get(jobId: string): Promise<JobView> {
    return toView(await this.getRaw(jobId));
  }

  /** Raw hash fields (options, cancel flag, checkpoint epoch...). AppError JOB_NOT_FOUND. */
  async getRaw(jobId: string): Promise<Record<string, string>> {
    const rec = await this.redis.hgetall(this.keys.job(jobId));
    if (!rec.status) throw new AppError('JOB_NOT_FOUND', `no job "${jobId}"`, { jobId });
    return rec;
  }

  /** Newest first, optionally for one model. */
  async list(filter: { model?: string; limit?: number }): Promise<JobView[]> {
    const limit = Math.max(1, Math.min(filter.limit ?? 50, 1000));
    const index = filter.model ? this.keys.jobsByModel(filter.model) : this.keys.jobsAll;
    const ids = await this.redis.zrevrange(index, 0, limit - 1);
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.keys.job(id));
    const res = (await pipe.exec()) ?? [];
    return res.flatMap(([, rec]) => {
      const r = rec as Record<string, string>;
      return r.status ? [toView(r)] : [];
    });
  }

  /** Sets fields unless the job is terminal; publishes the new view when applied. */
  async update(jobId: string, fields: Record<string, string>): Promise<UpdateResult> {
    const args = Object.entries({ ...fields, updatedAt: new Date().toISOString() }).flat();
    const res = await this.updateCmd(this.keys.job(jobId), ...args);
    if (res[0] === -1) throw new AppError('JOB_NOT_FOUND', `no job "${jobId}"`, { jobId });
    const rec: Record<string, string> = {};
    for (let i = 1; i + 1 < res.length; i += 2) rec[String(res[i])] = String(res[i + 1]);
    const view = toView(rec);
    const applied = res[0] === 1;
    if (applied) await this.publish(jobId, { type: 'progress' in fields ? 'progress' : 'status', job: view });
    return { applied, view };
  }

  /** Appends one epoch's progress to the job's history (the last HISTORY_MAX epochs are kept). */
  async appendHistory(jobId: string, progress: JobProgress): Promise<void> {
    const key = this.keys.jobHistory(jobId);
    await this.redis.multi().rpush(key, JSON.stringify(progress)).ltrim(key, -HISTORY_MAX, -1).exec();
  }

  /** Every epoch's progress so far, oldest first. AppError JOB_NOT_FOUND. */
  async history(jobId: string): Promise<JobProgress[]> {
    const [exists, items] = await Promise.all([
      this.redis.exists(this.keys.job(jobId)),
      this.redis.lrange(this.keys.jobHistory(jobId), 0, -1),
    ]);
    if (!exists) throw new AppError('JOB_NOT_FOUND', `no job "${jobId}"`, { jobId });
    return items.map((i) => JSON.parse(i) as JobProgress);
  }

  /** Publishes an event on the job's channel. */
  async publish(jobId: string, event: JobEvent): Promise<void> {
    await this.redis.publish(this.keys.jobChannel(jobId), JSON.stringify(event));
  }

  /** Stores the latest per-epoch checkpoint with the job (for resuming after a crash). */
  async saveCheckpoint(jobId: string, bytes: Uint8Array, epoch: number): Promise<void> {
    // In slices: a checkpoint is several times the model, and one SET copies it twice over.
    await setLargeBuffer(this.redis, this.keys.jobCheckpoint(jobId), bytes, (tx) =>
      tx.hset(this.keys.job(jobId), 'checkpointEpoch', String(epoch)),
    );
  }

  /** The stored checkpoint, if any. */
  async loadCheckpoint(jobId: string): Promise<Buffer | undefined> {
    return getLargeBuffer(this.redis, this.keys.jobCheckpoint(jobId));
  }

  /** Drops the checkpoint once the job is final. */
  async deleteCheckpoint(jobId: string): Promise<void> {
    await this.redis
      .multi()
      .del(this.keys.jobCheckpoint(jobId))
      .hdel(this.keys.job(jobId), 'checkpointEpoch')
      .exec();
  }
}

/** Builds the public view from the hash fields. */
export function toView(r: Record<string, string>): JobView {
  const view: JobView = {
    jobId: r.jobId ?? '',
    model: r.model ?? '',
    status: (r.status ?? 'queued') as JobStatus,
    progress: r.progress ? (JSON.parse(r.progress) as JobProgress) : null,
    datasetHash: r.datasetHash ?? '',
    documents: Number(r.documents ?? 0),
    attempts: Number(r.attempts ?? 0),
    createdAt: r.createdAt ?? '',
  };
  if (r.version) view.version = Number(r.version);
  if (r.error) view.error = r.error;
  if (r.startedAt) view.startedAt = r.startedAt;
  if (r.finishedAt) view.finishedAt = r.finishedAt;
  if (r.search) view.search = JSON.parse(r.search) as JobView['search'];
  return view;
}
