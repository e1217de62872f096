import type { JobProgress, JobView } from '../contract/index.js';
import type { JobStore, UpdateResult } from './job-store.js';

const now = (): string => new Date().toISOString();

/**
 * One job's record as the worker moves it through its life: running, progress, checkpoints,
 * requeued, failed, and the announcement of its end. Every change goes through the store's
 * conditional update, so a terminal status (a cancel, a publish) is never overwritten.
 */
export class JobRecord {
  /** When this worker took the job (for the attempt's duration). */
  readonly takenAt = performance.now();

  constructor(
    private readonly store: JobStore,
    readonly jobId: string,
  ) {}

  /** Marks the job running for its `attempts`-th start; false when it was cancelled while queued. */
  async running(attempts: number): Promise<UpdateResult> {
    return this.store.update(this.jobId, {
      status: 'running',
      startedAt: now(),
      attempts: String(attempts),
      error: '',
    });
  }

  /** Records an epoch's figures; false when the job has ended meanwhile (cancelled). */
  async progress(progress: JobProgress): Promise<boolean> {
    const { applied } = await this.store.update(this.jobId, { progress: JSON.stringify(progress) });
    if (applied) await this.store.appendHistory(this.jobId, progress);
    return applied;
  }

  /** Back to `queued`: handed back on shutdown (no error) or waiting for a retry (with its reason). */
  async requeued(error = ''): Promise<void> {
    await this.store.update(this.jobId, { status: 'queued', error });
  }

  /** Final failure; the checkpoint goes, as no attempt will resume from it. */
  async failed(error: string, attempts?: number): Promise<void> {
    await this.store.update(this.jobId, {
      status: 'failed',
      error,
      finishedAt: now(),
      ...(attempts === undefined ? {} : { attempts: String(attempts) }),
    });
    await this.dropCheckpoint();
  }

  /** Seconds since this worker took the job. */
  get seconds(): number {
    return (performance.now() - this.takenAt) / 1000;
  }

  /** The record as it stands. */
  view(): Promise<JobView> {
    return this.store.get(this.jobId);
  }

  /** The epoch of the stored checkpoint, if any (for the log). */
  async checkpointEpoch(): Promise<string | undefined> {
    return (await this.store.getRaw(this.jobId)).checkpointEpoch;
  }

  /** Tells listeners the job's current state (after the registry set it terminal in its script). */
  async announce(): Promise<JobView> {
    const view = await this.view();
    await this.store.publish(this.jobId, { type: 'status', job: view });
    return view;
  }

  saveCheckpoint(bytes: Uint8Array, epoch: number): Promise<void> {
    return this.store.saveCheckpoint(this.jobId, bytes, epoch);
  }

  loadCheckpoint(): Promise<Buffer | undefined> {
    return this.store.loadCheckpoint(this.jobId);
  }

  dropCheckpoint(): Promise<void> {
    return this.store.deleteCheckpoint(this.jobId);
  }
}
