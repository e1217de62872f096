import { z } from 'zod';

/** TensorFlow.js backends the service knows how to select. `auto` picks the fastest one installed. */
export const BACKENDS = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

/**
 * Which WebGPU adapter `TEXTCLF_BACKEND=webgpu` asks Dawn for: `auto` = the platform's native GPU API
 * (Vulkan/Metal/D3D12); `software` = Dawn's OpenGL backend on Mesa's llvmpipe (CI tests only, ~15× slower
 * than wasm). `auto` backend selection never takes a software adapter, whatever this says.
 */
export const WEBGPU_ADAPTERS = ['auto', 'software'] as const;
export type WebGpuAdapterChoice = (typeof WEBGPU_ADAPTERS)[number];

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

/**
 * The one configuration schema. It is parsed once, in `main` (or the CLI), from the environment;
 * nothing else reads `process.env`.
 */
export const configSchema = z.object({
  ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  // API processes sharing PORT (node:cluster); >1 makes this process their supervisor.
  API_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
  PORT: int(8080, 0),
  HOST: z.string().default('0.0.0.0'),
  REDIS_URL: z.string().url().optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]+$/)
    .default('textclf'),
  DATA_DIR: z.string().default('./data'),
  TEXTCLF_BACKEND: z.enum(BACKENDS).default('auto'),
  WEBGPU_ADAPTER: z.enum(WEBGPU_ADAPTERS).default('auto'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KEEP_VERSIONS: int(10, 1),
  WORKER_CONCURRENCY: int(1, 1),
  MAX_TEXT_BYTES: int(1_000_000, 1),
  MAX_BODY_BYTES: int(50_000_000, 1),
  MAX_LABELS: int(1000, 2),
  MAX_DOCUMENTS: int(1_000_000, 2),
  // Most texts one classify request may ask to explain (explaining costs about one more classify each).
  EXPLAIN_MAX_TEXTS: int(100, 1),
  // Queue / registry / serving (src/queue).
  MIN_PER_LABEL: int(2, 1),
  JOB_ATTEMPTS: int(3, 1),
  JOB_BACKOFF_MS: int(2000, 0),
  SHUTDOWN_GRACE_MS: int(30_000, 0),
  // 0: Node's default. Below 16 MB a thread cannot even start, and Node 24 then aborts the whole
  // process ("GC during deserialization") instead of failing the thread.
  WORKER_MAX_MEMORY_MB: int(0, 0).refine((mb) => mb === 0 || mb >= 16, 'must be 0 (off) or at least 16'),
  PINNED_CACHE_SIZE: int(4, 1),
  // Models whose latest setup one API process keeps loaded; the least recently used beyond it are
  // unloaded and reloaded on their next request. 0: no bound.
  SERVING_MAX_MODELS: int(16, 0),
  SERVING_MEMORY_MB: int(0, 0),
  // Threads of an API process that vectorise and run the network (0: its main thread does).
  INFERENCE_THREADS: z.coerce.number().int().min(0).max(64).default(1),
  REGISTRY_POLL_MS: int(30_000, 0),
  REDIS_SERVER_BIN: z.string().default('redis-server'),
  KEEP_JOBS: int(10_000, 1),
  DATASET_TTL_S: int(7 * 24 * 3600, 0),
  CHECKPOINT_EVERY_MS: int(0, 0),
  TRAINING_NICE: z.coerce.number().int().min(0).max(19).default(10),
  // How fast another worker takes over the job of one that died (BullMQ lock and stall check):
  // within JOB_LOCK_MS + JOB_STALLED_CHECK_MS; JOB_MAX_STALLS such deaths fail the job.
  JOB_LOCK_MS: int(5000, 1000),
  JOB_STALLED_CHECK_MS: int(3000, 500),
  JOB_MAX_STALLS: int(2, 1),
  // Bulk classification jobs (src/bulk): how long a succeeded job's results stay readable, and the
  // lines per stored chunk (the unit of storage, of progress and of resumption after a crash).
  BULK_RESULTS_TTL_S: int(24 * 3600, 1),
  BULK_CHUNK_LINES: z.coerce.number().int().min(1).max(100_000).default(2000),
  // Label values per metric series are bounded (src/metrics): models, and predicted labels per model.
  METRICS_MAX_MODELS: int(100, 1),
  METRICS_MAX_LABELS: int(50, 1),
  // API keys, rate limits and CORS (src/api/security); parsed further there. Empty: off.
  API_KEYS: z.string().default(''),
  API_KEYS_FILE: z.string().optional(),
  RATE_LIMIT_CLASSIFY_PER_MINUTE: int(0, 0),
  RATE_LIMIT_TRAIN_PER_MINUTE: int(60, 0),
  RATE_LIMIT_OTHER_PER_MINUTE: int(0, 0),
  CORS_ORIGINS: z.string().default(''),
});

export type Config = z.infer<typeof configSchema>;

/**
 * Parses the environment into a typed config.
 * @throws Error with one line per invalid variable.
 */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration: ${lines.join('; ')}`);
  }
  return result.data;
}
