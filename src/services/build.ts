import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createBulk, type BulkConfig, type BulkSetup, type BulkTuning } from '../bulk/index.js';
import type { Config } from '../config/index.js';
import type { ServiceDeps } from '../contract/index.js';
import type { Logger } from '../log/index.js';
import type { Metrics } from '../metrics/index.js';
import { currentBackend, deserializeArtefact } from '../model/index.js';
import {
  BullJobService,
  createTrainQueue,
  liveTrainingThreads,
  JobStore,
  RedisDatasetStore,
  SearchStore,
  TrainingWorker,
  type DatasetLimits,
  type ThreadOptions,
  type TrainJobData,
  type WorkerTuning,
} from '../queue/index.js';
import { createRedis, makeKeys, PubSubHub, RedisHealth, RedisMemory, type Keys } from '../redis/index.js';
import { ModelRegistry, VersionPins } from '../registry/index.js';
import { InferencePool, ModelServer, type ArtefactLoader } from '../serving/index.js';

/** Settings the services read from the config. */
export type ServicesConfig = Pick<
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
  | 'SERVING_MAX_MODELS'
  | 'SERVING_MEMORY_MB'
  | 'INFERENCE_THREADS'
  | 'REGISTRY_POLL_MS'
  | 'KEEP_JOBS'
  | 'DATASET_TTL_S'
  | 'CHECKPOINT_EVERY_MS'
  | 'TRAINING_NICE'
  | 'JOB_LOCK_MS'
  | 'JOB_STALLED_CHECK_MS'
  | 'JOB_MAX_STALLS'
  | keyof BulkConfig
>;

/** How to build the services of one process. */
export interface ServicesOptions {
  config: ServicesConfig;
  redisUrl: string;
  logger: Logger;
  /** Run a training worker in this process (roles `worker` and `all`). */
  worker: boolean;
  /** Serve classifications (roles `api` and `all`): `start` subscribes and preloads models. Default true. */
  serving?: boolean;
  /** Artefact loader; by default models load into `INFERENCE_THREADS` threads (or this one, with 0). */
  loadArtefact?: ArtefactLoader;
  /** Training-thread overrides (tests inject a fake entry). */
  thread?: ThreadOptions;
  /** Lock/stall settings of the training worker, over the config's (tests shorten them). */
  workerTuning?: WorkerTuning;
  /** Lock/stall settings of the bulk worker over the config's, and test hooks. */
  bulkTuning?: BulkTuning;
  /** Where the services count what they do (`GET /metrics`); none by default. */
  metrics?: Metrics;
}

/** Everything built, with one `start` and one `close`. */
export interface Services {
  deps: ServiceDeps;
  keys: Keys;
  redis: Redis;
  registry: ModelRegistry;
  datasets: RedisDatasetStore;
  jobStore: JobStore;
  jobs: BullJobService;
  /** Bulk classification jobs: the service, its store and queue, and the worker (roles worker/all). */
  bulk: BulkSetup;
  /** The BullMQ queue of training jobs (for inspection; submit through `jobs`). */
  queue: Queue<TrainJobData>;
  classifier: ModelServer;
  /** The inference threads serving models, when serving with `INFERENCE_THREADS` > 0. */
  inference?: InferencePool;
  worker?: TrainingWorker;
  /** Subscribes the model server (and preloads models) and starts the worker. */
  start(): Promise<void>;
  /** Worker first (grace period for a running job), then serving, queue and connections. */
  close(graceMs?: number): Promise<void>;
}

function datasetLimits(c: ServicesConfig): DatasetLimits {
  return {
    minPerLabel: c.MIN_PER_LABEL,
    maxLabels: c.MAX_LABELS,
    maxTextBytes: c.MAX_TEXT_BYTES,
    maxDocuments: c.MAX_DOCUMENTS,
  };
}

/**
 * SERVING_MEMORY_MB is what the whole process may use: loaded models get what is left of it beside
 * the process's resident memory once it is up (threads started, no model yet), at least 1 byte (so
 * one model is always held). Undefined when 0 (no bound).
 */
function servingMemoryBudget(mb: number): { measureBase(): void; modelBytes(): number } | undefined {
  if (mb <= 0) return undefined;
  let base: number | undefined;
  return {
    measureBase: () => void (base = process.memoryUsage.rss()),
    modelBytes: () => Math.max(1, mb * 1024 * 1024 - (base ?? process.memoryUsage.rss())),
  };
}

/** The inference threads, when this process serves and no loader was injected. */
function inferencePool(o: ServicesOptions): InferencePool | undefined {
  const c = o.config;
  if (!(o.serving ?? true) || o.loadArtefact || c.INFERENCE_THREADS <= 0) return undefined;
  return new InferencePool({
    threads: c.INFERENCE_THREADS,
    backend: c.TEXTCLF_BACKEND,
    webgpuAdapter: c.WEBGPU_ADAPTER,
    logger: o.logger,
  });
}

/**
 * The training worker on connections of its own: BullMQ blocks on one, and the other carries the
 * worker's own writes, which wait out a Redis restart instead of failing the training (API requests,
 * on the client connection, fail fast instead).
 */
function trainingWorker(
  o: ServicesOptions,
  keys: Keys,
  hub: PubSubHub,
): { worker: TrainingWorker; connections: Redis[] } {
  const c = o.config;
  const connection = createRedis(o.redisUrl, 'worker', o.logger);
  const patient = createRedis(o.redisUrl, 'worker', o.logger);
  const resourceLimits =
    c.WORKER_MAX_MEMORY_MB > 0 ? { maxOldGenerationSizeMb: c.WORKER_MAX_MEMORY_MB } : undefined;
  const worker = new TrainingWorker({
    connection,
    keys,
    jobs: new JobStore(patient, keys, c.KEEP_JOBS),
    datasets: new RedisDatasetStore(
      patient,
      keys,
      datasetLimits(c),
      c.DATASET_TTL_S,
      new RedisMemory(patient),
    ),
    registry: new ModelRegistry(patient, keys, c.KEEP_VERSIONS),
    search: new SearchStore(patient, keys),
    hub,
    backend: c.TEXTCLF_BACKEND,
    webgpuAdapter: c.WEBGPU_ADAPTER,
    checkpointEveryMs: c.CHECKPOINT_EVERY_MS,
    threadNice: c.TRAINING_NICE,
    concurrency: c.WORKER_CONCURRENCY,
    logger: o.logger,
    thread: { ...(resourceLimits ? { resourceLimits } : {}), ...o.thread },
    tuning: {
      lockDurationMs: c.JOB_LOCK_MS,
      stalledIntervalMs: c.JOB_STALLED_CHECK_MS,
      maxStalledCount: c.JOB_MAX_STALLS,
      ...o.workerTuning,
    },
    ...(o.metrics ? { metrics: o.metrics } : {}),
  });
  return { worker, connections: [connection, patient] };
}

/** Gauges read at scrape time: the training queue by state, and texts in the inference threads. */
function sampleGauges(
  metrics: Metrics,
  jobs: BullJobService,
  inference: InferencePool | undefined,
  memory: RedisMemory,
): void {
  metrics.sampled(
    'textclf_redis_memory_bytes',
    "Redis's memory: used, and max (its maxmemory; absent when none is set)",
    ['kind'],
    async () => {
      const m = await memory.status();
      const used = { labels: { kind: 'used' }, value: m.usedBytes };
      return m.maxBytes === null ? [used] : [used, { labels: { kind: 'max' }, value: m.maxBytes }];
    },
    'max',
  );
  metrics.sampled(
    'textclf_queue_jobs',
    'Worker jobs by queue (training, classify: bulk jobs) and state (the same in every process: aggregated as the max)',
    ['queue', 'state'],
    async () => {
      const { queues } = await jobs.depth();
      const states = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;
      return Object.entries(queues).flatMap(([queue, counts]) =>
        states.map((state) => ({ labels: { queue, state }, value: counts[state] })),
      );
    },
    'max',
  );
  metrics.sampled(
    'textclf_training_threads',
    'Training threads alive in this process (0 whenever no job runs)',
    [],
    async () => [{ labels: {}, value: liveTrainingThreads() }],
  );
  if (inference) {
    metrics.sampled(
      'textclf_inference_queue_texts',
      'Texts asked of the inference threads and not yet answered',
      [],
      async () => [{ labels: {}, value: inference.textsInFlight() }],
    );
  }
}

/**
 * Builds the Redis-backed implementations of `ServiceDeps` for one process (and a training worker
 * when asked) on their connections: commands, pub/sub, and the worker's own two.
 */
export function createServices(o: ServicesOptions): Services {
  const { config: c, logger } = o;
  const keys = makeKeys(c.REDIS_PREFIX);
  const redis = createRedis(o.redisUrl, 'client', logger);
  const hub = new PubSubHub(createRedis(o.redisUrl, 'subscriber', logger), logger);
  const registry = new ModelRegistry(redis, keys, c.KEEP_VERSIONS);
  const memory = new RedisMemory(redis);
  const datasets = new RedisDatasetStore(redis, keys, datasetLimits(c), c.DATASET_TTL_S, memory);
  const jobStore = new JobStore(redis, keys, c.KEEP_JOBS);
  const queue = createTrainQueue(redis, keys);
  const retry = { attempts: c.JOB_ATTEMPTS, backoffMs: c.JOB_BACKOFF_MS };
  const bulk = createBulk({
    ...{ config: c, redisUrl: o.redisUrl, redis, keys, registry, memory, logger, worker: o.worker },
    ...(o.bulkTuning ? { tuning: o.bulkTuning } : {}),
  });
  const jobs = new BullJobService(queue, jobStore, hub, keys, retry, logger, memory, registry, bulk.queue);
  const inference = inferencePool(o);
  const load =
    o.loadArtefact ?? (inference ? (bytes, reread) => inference.load(bytes, reread) : deserializeArtefact);
  const budget = servingMemoryBudget(c.SERVING_MEMORY_MB);
  const serverOptions = {
    pinnedCacheSize: c.PINNED_CACHE_SIZE,
    maxModels: c.SERVING_MAX_MODELS,
    ...(budget ? { maxModelBytes: budget.modelBytes } : {}),
    pollMs: c.REGISTRY_POLL_MS,
    eager: true,
    ...(o.metrics ? { metrics: o.metrics } : {}),
  };
  const pins = new VersionPins(redis, keys);
  const classifier = new ModelServer(registry, hub, keys, load, serverOptions, logger, pins);
  // /readyz reports the backend that classifies: the inference threads' when they serve.
  const backend = () => (inference ? inference.backend : currentBackend());
  const health = new RedisHealth(redis, keys, backend, undefined, memory);
  if (o.metrics) sampleGauges(o.metrics, jobs, inference, memory);
  const trainer = o.worker ? trainingWorker(o, keys, hub) : undefined;
  const worker = trainer?.worker;
  return {
    deps: { jobs, datasets, registry, classifier, health, bulk: bulk.jobs },
    ...{ keys, redis, registry, datasets, jobStore, jobs, bulk, queue, classifier },
    ...(inference ? { inference } : {}),
    ...(worker ? { worker } : {}),
    async start() {
      await inference?.started();
      budget?.measureBase();
      if (o.serving ?? true) await classifier.start();
      worker?.start();
      await worker?.waitUntilReady();
      await bulk.start();
    },
    async close(graceMs = 30_000) {
      await Promise.all([worker?.close(graceMs), bulk.close(graceMs)]);
      await classifier.close();
      await inference?.close();
      await jobs.close();
      await hub.close();
      for (const conn of trainer?.connections ?? []) await conn.quit().catch(() => conn.disconnect());
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
