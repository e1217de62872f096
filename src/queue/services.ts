import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { currentBackend, deserializeArtefact, InferencePool } from '../model/index.js';
import { HotClassifier, type ArtefactLoader } from './classifier.js';
import { RedisDatasetStore } from './dataset-store.js';
import { RedisHealth } from './health.js';
import { BullJobService, createTrainQueue, type TrainJobData } from './job-service.js';
import { JobStore } from './job-store.js';
import { makeKeys, type Keys } from './keys.js';
import { VersionPins } from './pins.js';
import { PubSubHub } from './pubsub.js';
import { createRedis } from './redis.js';
import { ModelRegistry } from './registry.js';
import type { ThreadOptions } from './thread-runner.js';
import { TrainingWorker, type WorkerTuning } from './training-worker.js';
import type { ServiceDeps } from './types.js';

/** Settings the queue layer reads from the config. */
export type QueueConfig = Pick<
  Config,
  | 'REDIS_PREFIX'
  | 'TEXTCLF_BACKEND'
  | 'WEBGPU_ADAPTER'
  | 'KEEP_VERSIONS'
  | 'WORKER_CONCURRENCY'
  | 'MAX_TEXT_BYTES'
  | 'MAX_LABELS'
  | 'MAX_DOCUMENTS'
  | 'MIN_PER_LABEL'
  | 'JOB_ATTEMPTS'
  | 'JOB_BACKOFF_MS'
  | 'WORKER_MAX_MEMORY_MB'
  | 'PINNED_CACHE_SIZE'
  | 'INFERENCE_THREADS'
  | 'REGISTRY_POLL_MS'
  | 'KEEP_JOBS'
  | 'DATASET_TTL_S'
  | 'CHECKPOINT_EVERY_MS'
  | 'TRAINING_NICE'
>;

/** How to build the services. */
export interface QueueServicesOptions {
  config: QueueConfig;
  redisUrl: string;
  logger: Logger;
  /** Run a training worker in this process. */
  worker: boolean;
  /** Serve classifications (API role): `start` subscribes the classifier and preloads models. Default true. */
  serving?: boolean;
  /** Artefact loader; by default models load into `INFERENCE_THREADS` threads (or this one, with 0). */
  loadArtefact?: ArtefactLoader;
  /** Training-thread overrides (tests inject a fake entry). */
  thread?: ThreadOptions;
  /** Lock/stall settings of the training worker (tests shorten them). */
  workerTuning?: WorkerTuning;
}

/** Everything built, with one `start` and one `close`. */
export interface QueueServices {
  deps: ServiceDeps;
  keys: Keys;
  redis: Redis;
  registry: ModelRegistry;
  datasets: RedisDatasetStore;
  jobStore: JobStore;
  jobs: BullJobService;
  /** The BullMQ queue of training jobs (for inspection; submit through `jobs`). */
  queue: Queue<TrainJobData>;
  classifier: HotClassifier;
  /** The inference threads serving models, when serving with `INFERENCE_THREADS` > 0. */
  inference?: InferencePool;
  worker?: TrainingWorker;
  /** Subscribes the classifier (and preloads models) and starts the worker. */
  start(): Promise<void>;
  /** Worker first (grace period for a running job), then serving, queue and connections. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Builds the Redis-backed implementations of `ServiceDeps` (and a training worker when asked)
 * on three connections: commands, pub/sub, and BullMQ's blocking worker connection.
 */
export function createQueueServices(o: QueueServicesOptions): QueueServices {
  const { config: c, logger } = o;
  const keys = makeKeys(c.REDIS_PREFIX);
  const redis = createRedis(o.redisUrl, 'client', logger);
  const hub = new PubSubHub(createRedis(o.redisUrl, 'subscriber', logger), logger);
  const registry = new ModelRegistry(redis, keys, c.KEEP_VERSIONS);
  const limits = {
    minPerLabel: c.MIN_PER_LABEL,
    maxLabels: c.MAX_LABELS,
    maxTextBytes: c.MAX_TEXT_BYTES,
    maxDocuments: c.MAX_DOCUMENTS,
  };
  const datasets = new RedisDatasetStore(redis, keys, limits, c.DATASET_TTL_S);
  const jobStore = new JobStore(redis, keys, c.KEEP_JOBS);
  const queue = createTrainQueue(redis, keys);
  const jobs = new BullJobService(
    queue,
    jobStore,
    hub,
    keys,
    { attempts: c.JOB_ATTEMPTS, backoffMs: c.JOB_BACKOFF_MS },
    logger,
  );
  const inference =
    (o.serving ?? true) && !o.loadArtefact && c.INFERENCE_THREADS > 0
      ? new InferencePool({
          threads: c.INFERENCE_THREADS,
          backend: c.TEXTCLF_BACKEND,
          webgpuAdapter: c.WEBGPU_ADAPTER,
          logger,
        })
      : undefined;
  const classifier = new HotClassifier(
    registry,
    hub,
    keys,
    o.loadArtefact ?? (inference ? (bytes) => inference.load(bytes) : deserializeArtefact),
    { pinnedCacheSize: c.PINNED_CACHE_SIZE, pollMs: c.REGISTRY_POLL_MS, eager: true },
    logger,
    new VersionPins(redis, keys),
  );
  // /readyz reports the backend that classifies: the inference threads' when they serve.
  const health = new RedisHealth(redis, keys, () => (inference ? inference.backend : currentBackend()));
  const workerConnections: Redis[] = [];
  let worker: TrainingWorker | undefined;
  if (o.worker) {
    const workerConnection = createRedis(o.redisUrl, 'worker', logger);
    // The worker's own writes wait out a Redis restart instead of failing the training (API
    // requests, on `redis`, fail fast instead).
    const patient = createRedis(o.redisUrl, 'worker', logger);
    workerConnections.push(workerConnection, patient);
    const resourceLimits =
      c.WORKER_MAX_MEMORY_MB > 0 ? { maxOldGenerationSizeMb: c.WORKER_MAX_MEMORY_MB } : undefined;
    worker = new TrainingWorker({
      connection: workerConnection,
      keys,
      jobs: new JobStore(patient, keys, c.KEEP_JOBS),
      datasets: new RedisDatasetStore(patient, keys, limits, c.DATASET_TTL_S),
      registry: new ModelRegistry(patient, keys, c.KEEP_VERSIONS),
      hub,
      backend: c.TEXTCLF_BACKEND,
      webgpuAdapter: c.WEBGPU_ADAPTER,
      checkpointEveryMs: c.CHECKPOINT_EVERY_MS,
      threadNice: c.TRAINING_NICE,
      concurrency: c.WORKER_CONCURRENCY,
      logger,
      thread: { ...(resourceLimits ? { resourceLimits } : {}), ...o.thread },
      ...(o.workerTuning ? { tuning: o.workerTuning } : {}),
    });
  }
  return {
    deps: { jobs, datasets, registry, classifier, health },
    keys,
    redis,
    registry,
    datasets,
    jobStore,
    jobs,
    queue,
    classifier,
    ...(inference ? { inference } : {}),
    ...(worker ? { worker } : {}),
    async start() {
      await inference?.started();
      if (o.serving ?? true) await classifier.start();
      worker?.start();
      await worker?.waitUntilReady();
    },
    async close(graceMs = 30_000) {
      await worker?.close(graceMs);
      await classifier.close();
      await inference?.close();
      await jobs.close();
      await hub.close();
      for (const conn of workerConnections) await conn.quit().catch(() => conn.disconnect());
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
