import { Queue, Worker, type Job } from 'bullmq';
import { workerName, type TrialResult } from '../autotune/index.js';
import type { Redis } from 'ioredis';
import type { BackendChoice, WebGpuAdapterChoice } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { Metrics } from '../metrics/index.js';
import type { Keys, PubSubHub } from '../redis/index.js';
import type { ModelRegistry } from '../registry/index.js';
import type { RedisDatasetStore } from './dataset-store.js';
import type { SearchStore } from './search-store.js';
import type { TrainJobData } from './job-service.js';
import type { JobStore } from './job-store.js';
import { CancelWatch } from './cancel-watch.js';
import { gaveUpOnCrashes, handleFailure } from './job-failure.js';
import { JobRecord } from './job-record.js';
import { TRIAL_JOB, type TrialJobData } from './search-flow.js';
import { processTrial, searchStep } from './search-worker.js';
import type { ThreadInput } from './thread-protocol.js';
import { TrialThreads } from './trial-runner.js';
import {
  startTrainingThread,
  type ThreadHandlers,
  type ThreadOptions,
  type TrainedModel,
  type TrainingThread,
} from './thread-runner.js';

/** Everything a training worker needs. */
export interface TrainingWorkerDeps {
  /** Dedicated connection (BullMQ blocks on it); must have `maxRetriesPerRequest: null`. */
  connection: Redis;
  keys: Keys;
  jobs: JobStore;
  datasets: RedisDatasetStore;
  registry: ModelRegistry;
  hub: PubSubHub;
  backend: BackendChoice;
  webgpuAdapter?: WebGpuAdapterChoice;
  /** Least time between stored checkpoints (0: every epoch). */
  checkpointEveryMs?: number;
  /** Nice value of training threads (0: as the process). */
  threadNice?: number;
  concurrency: number;
  logger: Logger;
  /** How often the cancel flag is re-read in case a pub/sub message was missed. */
  cancelPollMs?: number;
  thread?: ThreadOptions;
  /** BullMQ lock and stall detection; see {@link WorkerTuning}. */
  tuning?: WorkerTuning;
  /** Where attempts and epochs are counted. */
  metrics?: Metrics;
  /** Autotune jobs' trial results (on a command connection: not `connection`). */
  search: SearchStore;
}

/**
 * How fast a dead worker's job is taken over: its lock expires after `lockDurationMs` (renewed
 * every half of it while alive), another worker's stall check (every `stalledIntervalMs`) puts the
 * job back in the queue, and after `maxStalledCount` such crashes the job fails.
 */
export interface WorkerTuning {
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
}

/**
 * The BullMQ worker for training jobs. Each job trains in its own worker thread (so the lock is
 * renewed and the process stays responsive), reports per-epoch progress and checkpoints to Redis,
 * stops between batches when cancelled, and publishes the version atomically unless cancelled.
 */
export class TrainingWorker {
  private worker: Worker<TrainJobData | TrialJobData> | undefined;
  private trials: Queue<TrainJobData | TrialJobData> | undefined;
  private readonly active = new Map<string, TrainingThread>();
  private readonly trialThreads: TrialThreads;
  private shuttingDown = false;

  constructor(private readonly deps: TrainingWorkerDeps) {
    this.trialThreads = new TrialThreads({
      backend: deps.backend,
      ...(deps.webgpuAdapter ? { webgpuAdapter: deps.webgpuAdapter } : {}),
      nice: deps.threadNice ?? 0,
    });
  }

  /** Starts taking jobs. */
  start(): void {
    const { connection, keys, concurrency, logger } = this.deps;
    this.worker = new Worker<TrainJobData | TrialJobData>(
      keys.queueName,
      (job, token) => this.process(job, token),
      {
        connection,
        prefix: keys.prefix,
        concurrency,
        // Jobs record who ran them (`processedBy`), named as the trial table names workers.
        name: workerName(),
        // Training runs in its own thread, so this event loop is free to renew the lock on time.
        lockDuration: this.deps.tuning?.lockDurationMs ?? 30_000,
        stalledInterval: this.deps.tuning?.stalledIntervalMs ?? 30_000,
        maxStalledCount: this.deps.tuning?.maxStalledCount ?? 2,
      },
    );
    this.worker.on('error', (err) => logger.error({ err }, 'training worker error'));
    this.worker.on('failed', (job, err) => {
      logger.warn({ jobId: job?.id, err: err.message }, 'training attempt failed');
      if (job && job.name !== TRIAL_JOB && gaveUpOnCrashes(job, err)) void this.recordGaveUp(job, err);
    });
  }

  /**
   * BullMQ fails a job that crashed its workers too often (stall limit) in whichever worker fetches
   * it next, without running our processor: mark the record `failed` now, not on a later read.
   */
  private async recordGaveUp(job: Job<TrainJobData>, err: Error): Promise<void> {
    const jobId = job.id as string;
    const starts = Math.max(job.attemptsStarted, job.attemptsMade);
    try {
      const error = `training crashed or lost its worker ${starts} times; giving up (${err.message})`;
      await new JobRecord(this.deps.jobs, jobId).failed(error, starts);
    } catch (e) {
      this.deps.logger.error({ err: e, jobId }, 'could not record a job that crashed too often as failed');
    }
  }

  /** The queue a parent job adds its next rung of trials to (made on first use). */
  private queue(): Queue<TrainJobData | TrialJobData> {
    const { connection, keys } = this.deps;
    this.trials ??= new Queue(keys.queueName, { connection, prefix: keys.prefix });
    return this.trials;
  }

  /** Resolves once the BullMQ worker is connected and waiting for jobs. */
  async waitUntilReady(): Promise<void> {
    await this.worker?.waitUntilReady();
  }

  /**
   * Stops taking jobs. A running job gets `graceMs` to finish; after that its thread is stopped and
   * the job handed back to the queue (it resumes from its last checkpoint on another worker).
   */
  async close(graceMs: number): Promise<void> {
    this.shuttingDown = true;
    const timer = setTimeout(() => {
      for (const t of this.active.values()) t.cancel('worker shutting down', 5000);
    }, graceMs);
    timer.unref();
    try {
      await this.worker?.close();
      await this.trials?.close();
    } finally {
      clearTimeout(timer);
      await Promise.all([...this.active.values()].map((t) => t.terminate()));
      await this.trialThreads.close();
    }
  }

  /**
   * One job: an autotune trial, or a training job (an autotune one plans its next rung first, or
   * goes on with the winner): mark it running, train in a thread, publish the version (or handle
   * the failure).
   */
  private async process(
    job: Job<TrainJobData | TrialJobData>,
    token: string | undefined,
  ): Promise<{ version?: number; status: string } | TrialResult> {
    if (job.name === TRIAL_JOB) return processTrial(this.deps, this.trialThreads, job as Job<TrialJobData>);
    return this.train(job as Job<TrainJobData>, token);
  }

  private async train(
    job: Job<TrainJobData>,
    token: string | undefined,
  ): Promise<{ version?: number; status: string }> {
    const jobId = job.id as string;
    const record = new JobRecord(this.deps.jobs, jobId);
    const log = this.deps.logger.child({ jobId, model: job.data.model });
    if (job.data.search && !job.data.search.report)
      await searchStep(this.deps, this.queue(), job, token, log);
    // Starts, including those after a crashed worker (a stall does not count as a failed attempt).
    // An autotune job is started once more per rung it waited for: those starts are not attempts.
    const starts = job.attemptsStarted - (job.data.search?.rung ?? 0);
    const start = await record.running(Math.max(job.attemptsMade + 1, starts));
    if (!start.applied) return { status: start.view.status }; // cancelled while queued
    const { hub, keys } = this.deps;
    const watch = await CancelWatch.start(hub, keys, record, this.deps.cancelPollMs ?? 2000);
    let thread: TrainingThread | undefined;
    try {
      thread = await this.startThread(job, record, watch, log);
      this.active.set(jobId, thread);
      await watch.attach(thread);
      return await this.publish(job, record, await thread.result, log);
    } catch (err) {
      return await handleFailure({
        ...{ job, record, token, err, log },
        shuttingDown: this.shuttingDown,
        ended: (outcome) => this.ended(record, outcome),
      });
    } finally {
      await watch.stop();
      this.active.delete(jobId);
      await thread?.terminate();
    }
  }

  /**
   * Loads the dataset (and a checkpoint to resume from, and an incremental job's base artefact:
   * needed on resume too, as it defines the vocabulary) and starts the training thread.
   */
  private async startThread(
    job: Job<TrainJobData>,
    record: JobRecord,
    watch: CancelWatch,
    log: Logger,
  ): Promise<TrainingThread> {
    const d = this.deps;
    const { lineage } = job.data;
    const [dataset, resumeFrom, base] = await Promise.all([
      d.datasets.loadPacked(job.data.datasetHash),
      record.loadCheckpoint(),
      lineage ? d.registry.loadArtefact(job.data.model, lineage.baseVersion) : undefined,
    ]);
    if (resumeFrom) log.info({ epoch: await record.checkpointEpoch() }, 'resuming from checkpoint');
    const input: ThreadInput = {
      dataset,
      datasetHash: job.data.datasetHash,
      options: job.data.options,
      backend: d.backend,
      ...(d.webgpuAdapter ? { webgpuAdapter: d.webgpuAdapter } : {}),
      checkpointEveryMs: d.checkpointEveryMs ?? 0,
      nice: d.threadNice ?? 0,
      ...(resumeFrom ? { resumeFrom: new Uint8Array(resumeFrom) } : {}),
      ...(base && lineage ? { base: new Uint8Array(base.bytes), lineage } : {}),
    };
    return startTrainingThread(input, this.reports(job, record, watch, log), d.thread);
  }

  /** Per-epoch reports from the thread. Best effort: failing to record one must not end the training. */
  private reports(
    job: Job<TrainJobData>,
    record: JobRecord,
    watch: CancelWatch,
    log: Logger,
  ): ThreadHandlers {
    return {
      onProgress: async (progress, timing) => {
        this.deps.metrics?.epoch(progress.phase ?? 'select', timing.seconds, timing.documents);
        try {
          if (!(await record.progress(progress))) watch.cancel();
          await job.updateProgress({ ...progress });
        } catch (err) {
          log.warn({ err }, 'could not record progress');
        }
      },
      onCheckpoint: async (bytes, epoch) => {
        try {
          await record.saveCheckpoint(bytes, epoch);
        } catch (err) {
          log.warn({ err, epoch }, 'could not store checkpoint; a restart resumes from an older one');
        }
      },
    };
  }

  /** Publishes the trained version (the registry's script refuses it if the job was cancelled). */
  private async publish(
    job: Job<TrainJobData>,
    record: JobRecord,
    trained: TrainedModel,
    log: Logger,
  ): Promise<{ version?: number; status: string }> {
    const report = job.data.search?.report;
    const meta = report ? { ...trained.meta, autotune: report } : trained.meta;
    const out = await this.deps.registry.publish(job.data.model, trained.artefact, meta, record.jobId);
    await record.dropCheckpoint();
    await record.announce();
    this.ended(record, out.status === 'cancelled' ? 'cancelled' : 'succeeded');
    if (out.status === 'cancelled') {
      log.info('cancelled before publishing; no version published');
      return { status: 'cancelled' };
    }
    log.info({ version: out.version }, 'model version published');
    return { status: 'succeeded', version: out.version };
  }

  private ended(record: JobRecord, outcome: string): void {
    this.deps.metrics?.jobEnded(outcome, record.seconds);
  }
}
