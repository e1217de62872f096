import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { liveTrainingThreads } from '../queue/index.js';
import { createRedis, type Keys, type RedisMemory } from '../redis/index.js';
import { ModelRegistry } from '../registry/index.js';
import { bulkKeys } from './keys.js';
import { BulkJobs, createBulkQueue } from './service.js';
import { BulkStore } from './store.js';
import type { BulkJobData } from './upload.js';
import { BulkWorker, type BulkTuning } from './worker.js';

/** Settings bulk jobs read from the config. */
export type BulkConfig = Pick<
  Config,
  | 'BULK_RESULTS_TTL_S'
  | 'BULK_CHUNK_LINES'
  | 'JOB_ATTEMPTS'
  | 'JOB_BACKOFF_MS'
  | 'KEEP_VERSIONS'
  | 'TEXTCLF_BACKEND'
  | 'WEBGPU_ADAPTER'
  | 'TRAINING_NICE'
  | 'JOB_LOCK_MS'
  | 'JOB_STALLED_CHECK_MS'
  | 'JOB_MAX_STALLS'
>;

export interface BulkSetupOptions {
  config: BulkConfig;
  redisUrl: string;
  /** The process's command connection (the API side: uploads, reads, the queue). */
  redis: Redis;
  keys: Keys;
  registry: ModelRegistry;
  memory?: RedisMemory;
  logger: Logger;
  /** Run a bulk worker in this process (roles `worker` and `all`). */
  worker: boolean;
  /** Lock/stall settings over the config's, and test hooks. */
  tuning?: BulkTuning;
}

/** Bulk jobs of one process: the service the API calls, and the worker when asked. */
export interface BulkSetup {
  jobs: BulkJobs;
  store: BulkStore;
  queue: Queue<BulkJobData>;
  worker?: BulkWorker;
  start(): Promise<void>;
  /** The worker first (a running job stops after its chunk and goes back to the queue), then the queue. */
  close(graceMs: number): Promise<void>;
}

/**
 * Builds bulk jobs for one process. The worker gets connections of its own, as the training worker
 * does: BullMQ blocks on one, the other carries its writes and waits out a Redis restart.
 */
export function createBulk(o: BulkSetupOptions): BulkSetup {
  const { config: c, logger } = o;
  const keys = bulkKeys(o.keys);
  const ttlMs = c.BULK_RESULTS_TTL_S * 1000;
  const store = new BulkStore(o.redis, keys, ttlMs);
  const queue = createBulkQueue(o.redis, keys);
  const retry = { attempts: c.JOB_ATTEMPTS, backoffMs: c.JOB_BACKOFF_MS };
  const jobs = new BulkJobs({
    store,
    queue,
    registry: o.registry,
    chunkLines: c.BULK_CHUNK_LINES,
    retry,
    log: logger,
    ...(o.memory ? { memory: o.memory } : {}),
  });
  const connections = o.worker
    ? [createRedis(o.redisUrl, 'worker', logger), createRedis(o.redisUrl, 'worker', logger)]
    : [];
  const [connection, patient] = connections;
  const worker =
    connection && patient
      ? new BulkWorker({
          connection,
          store: new BulkStore(patient, keys, ttlMs),
          registry: new ModelRegistry(patient, o.keys, c.KEEP_VERSIONS),
          backend: c.TEXTCLF_BACKEND,
          webgpuAdapter: c.WEBGPU_ADAPTER,
          // The lowest priority: below serving, and never above a training thread.
          nice: c.TRAINING_NICE > 0 ? 19 : 0,
          trainingRunning: () => liveTrainingThreads() > 0,
          logger,
          tuning: {
            lockDurationMs: c.JOB_LOCK_MS,
            stalledIntervalMs: c.JOB_STALLED_CHECK_MS,
            maxStalledCount: c.JOB_MAX_STALLS,
            ...o.tuning,
          },
        })
      : undefined;
  return {
    jobs,
    store,
    queue,
    ...(worker ? { worker } : {}),
    async start() {
      worker?.start();
      await worker?.waitUntilReady();
    },
    async close(graceMs) {
      await worker?.close(graceMs);
      await jobs.close();
      for (const conn of connections) await conn.quit().catch(() => conn.disconnect());
    },
  };
}
