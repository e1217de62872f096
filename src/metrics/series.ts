import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LONG_SECONDS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const SHARES = [0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1];
const PROBABILITIES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1];

/** Requests by operation, method and status. */
export function httpSeries(registers: Registry[]) {
  return {
    http: new Histogram({
      name: 'textclf_http_request_duration_seconds',
      help: 'HTTP requests by operation (openapi.yaml operationId), method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: SECONDS,
      registers,
    }),
  };
}

/** What serving answers: classifications and their drift signals. */
export function servingSeries(registers: Registry[]) {
  return {
    classifications: new Counter({
      name: 'textclf_classifications_total',
      help: 'Texts classified, by model, version and predicted label (labels past the cap: _other)',
      labelNames: ['model', 'version', 'label'],
      registers,
    }),
    topProbability: new Histogram({
      name: 'textclf_top_probability',
      help: 'Probability of the predicted label, per text (drift: falls when traffic leaves the training data)',
      labelNames: ['model', 'version'],
      buckets: PROBABILITIES,
      registers,
    }),
    unknownShare: new Histogram({
      name: 'textclf_unknown_word_share',
      help: "Share of a text's words that are in no vocabulary term, per text (drift: rises when traffic leaves the training data)",
      labelNames: ['model', 'version'],
      buckets: SHARES,
      registers,
    }),
  };
}

/** The models a serving process holds: versions served, loads, swaps, the budget's unloads. */
export function modelSeries(registers: Registry[]) {
  return {
    servedVersion: new Gauge({
      name: 'textclf_served_version',
      help: 'Version served as latest per model (across API processes: the lowest)',
      labelNames: ['model'],
      aggregator: 'min',
      registers,
    }),
    modelLoad: new Histogram({
      name: 'textclf_model_load_seconds',
      help: 'Loading a model version (read, verify, deserialise, warm), by outcome',
      labelNames: ['outcome'],
      buckets: SECONDS,
      registers,
    }),
    modelSwap: new Histogram({
      name: 'textclf_model_swap_seconds',
      help: 'From noticing a new latest version to serving it, per model',
      labelNames: ['model'],
      buckets: SECONDS,
      registers,
    }),
    modelsHeld: new Gauge({
      name: 'textclf_models_held',
      help: 'Models whose latest setup is loaded (summed over API processes; each holds at most SERVING_MAX_MODELS)',
      registers,
    }),
    modelBytes: new Gauge({
      name: 'textclf_model_artefact_bytes',
      help: 'Artefact size of the latest version served per model',
      labelNames: ['model'],
      aggregator: 'max',
      registers,
    }),
    modelMemory: new Gauge({
      name: 'textclf_model_memory_bytes',
      help: 'Estimated memory of the setup served per model (every version, every inference thread), per API process',
      labelNames: ['model'],
      aggregator: 'max',
      registers,
    }),
    servingMemory: new Gauge({
      name: 'textclf_serving_memory_bytes',
      help: 'Estimated memory of all loaded model versions (summed over API processes)',
      registers,
    }),
    servingMemoryLimit: new Gauge({
      name: 'textclf_serving_memory_limit_bytes',
      help: 'What loaded models may take under SERVING_MEMORY_MB (0: no bound; summed over API processes)',
      registers,
    }),
    modelUnloads: new Counter({
      name: 'textclf_model_unloads_total',
      help: 'Latest setups unloaded to stay within SERVING_MAX_MODELS or SERVING_MEMORY_MB (reloaded on the next request), per model',
      labelNames: ['model'],
      registers,
    }),
  };
}

/** What a training worker does: attempts by outcome, epochs, throughput. */
export function trainingSeries(registers: Registry[]) {
  return {
    jobs: new Counter({
      name: 'textclf_training_jobs_total',
      help: 'Training attempts that ended in this worker, by outcome (succeeded, failed, retrying, cancelled, handed back)',
      labelNames: ['outcome'],
      registers,
    }),
    jobSeconds: new Histogram({
      name: 'textclf_training_job_duration_seconds',
      help: 'Training attempts by outcome, from start to end in this worker',
      labelNames: ['outcome'],
      buckets: LONG_SECONDS,
      registers,
    }),
    epochSeconds: new Histogram({
      name: 'textclf_training_epoch_seconds',
      help: 'Training epochs by phase (select, refit), validation scoring excluded',
      labelNames: ['phase'],
      buckets: LONG_SECONDS,
      registers,
    }),
    docsPerSecond: new Gauge({
      name: 'textclf_training_docs_per_second',
      help: "Documents per second of this worker's last epoch, by phase",
      labelNames: ['phase'],
      registers,
    }),
  };
}
