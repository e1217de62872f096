import { randomUUID } from 'node:crypto';
import { Queue, type FlowProducer } from 'bullmq';
import type { Redis } from 'ioredis';
import type {
  components,
  DatasetRef,
  JobEvent,
  JobProgress,
  JobService,
  JobView,
  ModelRegistryReader,
  QueueDepth,
  TrainBase,
  TrainingOptionsInput,
} from '../contract/index.js';
import { AppError, isAppError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import type { Keys, PubSubHub, RedisMemory } from '../redis/index.js';
import { carryOptions, resolveTrainOptions } from '../training/index.js';
import { toView, type JobStore } from './job-store.js';
import { workerQueueDepth } from './depth.js';
import {
  addSearchFlow,
  largestSearched,
  planSubmittedSearch,
  searchFlowProducer,
  type SearchState,
} from './search-flow.js';
import { trainingBytesBound } from './storage-estimate.js';

/** Counts of a queue this process does not have: nothing in any state. */
const NO_QUEUE: Pick<Queue, 'getJobCounts'> = { getJobCounts: async () => ({}) };

/** Where a version trained on top of another comes from (`baseVersion`). */
export type Lineage = components['schemas']['VersionLineage'];

/** The BullMQ payload: references only, never the articles. */
export interface TrainJobData {
  model: string;
  datasetHash: string;
  options: TrainingOptionsInput;
  /** Incremental jobs: the base version (its weights are the start), the chunks, the additions. */
  lineage?: Lineage;
  /** Autotune jobs: where the search stands (its trials are child jobs, `search-flow.ts`). */
  search?: SearchState;
}

/** Retry policy for transient failures. */
export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
}

/** The lineage a version trained on `dataset` on top of `base` records. */
function lineageOf(base: TrainBase, dataset: DatasetRef): Lineage {
  return {
    baseVersion: base.version,
    datasetChunks: dataset.chunks ?? [dataset.hash],
    documentsAdded: dataset.documents - base.documents,
  };
}

/** A record older than this that still says queued/running is checked against BullMQ on read. */
const RECONCILE_AFTER_MS = 30_000;

/**
 * Creates the BullMQ queue for training jobs. Keys live under `<prefix>:train:*`.
 */
export function createTrainQueue(connection: Redis, keys: Keys): Queue<TrainJobData> {
  return new Queue<TrainJobData>(keys.queueName, { connection, prefix: keys.prefix });
}

/**
 * JobService on BullMQ plus our own job records. Submitting writes the record first, then adds
 * the BullMQ job with the same id; cancelling marks the record `cancelled` (final), removes a
 * waiting job, and tells a running worker through pub/sub.
 */
export class BullJobService implements JobService {
  private flows: FlowProducer | undefined;

  constructor(
    private readonly queue: Queue<TrainJobData>,
    private readonly store: JobStore,
    private readonly hub: PubSubHub,
    private readonly keys: Keys,
    private readonly retry: RetryPolicy,
    private readonly log?: Logger,
    /** Refuses a job whose model could not be stored (STORAGE_FULL) before it is queued. */
    private readonly memory?: RedisMemory,
    /** Where `resolveBase` finds base versions (incremental training). */
    private readonly registry?: Pick<ModelRegistryReader, 'getVersion'>,
    /** The bulk classification queue: its jobs run on the workers too, so `depth` counts them. */
    private readonly classifyQueue?: Pick<Queue, 'getJobCounts'>,
  ) {}

  async resolveBase(
    model: string,
    version: number,
    options: TrainingOptionsInput,
    multiLabel: boolean,
  ): Promise<TrainBase> {
    if (!this.registry) throw new Error('BullJobService has no registry for base versions');
    const detail = await this.registry.getVersion(model, version).catch((err: unknown) => {
      if (!isAppError(err) || err.code !== 'MODEL_NOT_FOUND') throw err;
      throw new AppError('VERSION_NOT_FOUND', `model "${model}" has no version ${version}`, {
        model,
        version,
      });
    });
    const base = { options: detail.options, multiLabel: detail.multiLabel ?? false };
    const carried = carryOptions(base, options, multiLabel, `version ${version} of "${model}"`);
    return {
      version,
      datasetHash: detail.dataset.hash,
      documents: detail.dataset.documents,
      options: carried,
    };
  }

  async submit(
    model: string,
    dataset: DatasetRef,
    given: TrainingOptionsInput,
    base?: TrainBase,
  ): Promise<JobView> {
    const options = base?.options ?? given;
    // AppError INVALID_OPTIONS before anything is queued.
    const { multiLabel, documents, characters } = dataset;
    const resolved = resolveTrainOptions(options, { multiLabel, documents, characters });
    const search = resolved.autotune ? planSubmittedSearch(options, dataset, base !== undefined) : undefined;
    const bound = trainingBytesBound(search ? largestSearched(resolved, options) : resolved, dataset);
    await this.memory?.ensureRoom(bound, 'the model these options allow');
    const jobId = randomUUID();
    const view = await this.store.create({
      jobId,
      model,
      datasetHash: dataset.hash,
      documents: dataset.documents,
      options,
    });
    try {
      const data = {
        model,
        datasetHash: dataset.hash,
        options,
        ...(base ? { lineage: lineageOf(base, dataset) } : {}),
      };
      const opts = {
        jobId,
        attempts: this.retry.attempts,
        backoff: { type: 'exponential', delay: this.retry.backoffMs },
        removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
        removeOnFail: { age: 30 * 24 * 3600, count: 1000 },
      };
      if (search)
        await addSearchFlow(
          this.flow(),
          this.queue,
          { data: { ...data, search: search.state }, opts },
          search.trials,
        );
      else await this.queue.add('train', data, opts);
    } catch (err) {
      await this.store.update(jobId, {
        status: 'failed',
        error: 'could not queue the job',
        finishedAt: new Date().toISOString(),
      });
      throw new AppError('SERVICE_UNAVAILABLE', 'could not queue the training job', {}, { cause: err });
    }
    return view;
  }

  async get(jobId: string): Promise<JobView> {
    const raw = await this.store.getRaw(jobId);
    return this.reconcile(toView(raw), raw.updatedAt);
  }

  history(jobId: string): Promise<JobProgress[]> {
    return this.store.history(jobId);
  }

  async list(filter: { model?: string; limit?: number }): Promise<JobView[]> {
    return this.store.list(filter);
  }

  async cancel(jobId: string): Promise<JobView> {
    const now = new Date().toISOString();
    const { applied, view } = await this.store.update(jobId, {
      cancelRequested: '1',
      status: 'cancelled',
      finishedAt: now,
    });
    if (!applied)
      throw new AppError('JOB_NOT_CANCELLABLE', `job "${jobId}" has already ${view.status}`, {
        jobId,
        status: view.status,
      });
    // A waiting or delayed job is removed; an active one is locked (remove fails) and its worker
    // stops on the pub/sub event `update` just sent, or at the latest when it tries to publish.
    // An autotune job waiting on running trials is not removable: its queued trials go, and the
    // running ones stop on the same event (they watch their parent's record).
    const removed = await this.queue.remove(jobId).catch((err: unknown) => {
      this.log?.debug({ err, jobId }, 'job not removable (running)');
      return 0;
    });
    if (removed !== 1)
      await (await this.queue.getJob(jobId))?.removeUnprocessedChildren().catch(() => undefined);
    return view;
  }

  /** Jobs by state, straight from BullMQ's own keys (prioritized and delayed sit apart from the wait list). */
  async depth(): Promise<QueueDepth> {
    return workerQueueDepth({ training: this.queue, classify: this.classifyQueue ?? NO_QUEUE });
  }

  async subscribe(jobId: string, listener: (e: JobEvent) => void): Promise<() => void> {
    await this.store.get(jobId); // JOB_NOT_FOUND before subscribing
    const off = await this.hub.on(this.keys.jobChannel(jobId), (msg) =>
      listener(JSON.parse(msg) as JobEvent),
    );
    return () => void off();
  }

  /** The flow producer autotune jobs are added with (made on first use). */
  private flow(): FlowProducer {
    this.flows ??= searchFlowProducer(this.queue);
    return this.flows;
  }

  /** Closes the queue's connection use (the connection itself belongs to the caller). */
  async close(): Promise<void> {
    await this.flows?.close();
    await this.queue.close();
  }

  /**
   * A job whose worker died for good (stalled too often) is failed by BullMQ without our worker
   * code running; bring the record in line when it is read.
   */
  private async reconcile(view: JobView, updatedAt: string | undefined): Promise<JobView> {
    if (view.status !== 'queued' && view.status !== 'running') return view;
    if (Date.now() - Date.parse(updatedAt ?? view.createdAt) < RECONCILE_AFTER_MS) return view;
    const state = await this.queue.getJobState(view.jobId);
    if (state === 'failed' || state === 'unknown') {
      const job = await this.queue.getJob(view.jobId);
      const reason = job?.failedReason || 'the job was lost by the queue';
      const res = await this.store.update(view.jobId, {
        status: 'failed',
        error: reason,
        finishedAt: new Date().toISOString(),
      });
      return res.view;
    }
    return view;
  }
}
