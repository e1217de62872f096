/**
 * Every Redis key and pub/sub channel the service uses, built from one prefix so several
 * deployments (or tests) can share a Redis. BullMQ keys use the same prefix via its `prefix` option.
 */
export interface Keys {
  prefix: string;
  /** BullMQ queue name for training jobs (keys `<prefix>:train:*`). */
  queueName: string;
  dataset(hash: string): string;
  datasetMeta(hash: string): string;
  job(jobId: string): string;
  jobCheckpoint(jobId: string): string;
  /** A job's per-epoch progress, oldest first (a list), for curves drawn after the fact. */
  jobHistory(jobId: string): string;
  /** An autotune job's trials as they end (a hash: trial id → result) and its deadline. */
  jobSearch(jobId: string): string;
  jobsAll: string;
  jobsByModel(model: string): string;
  models: string;
  model(model: string): string;
  versions(model: string): string;
  version(model: string, version: number): string;
  artefact(model: string, version: number): string;
  /** Holders pinning a version (in-flight requests), holder → expiry ms. */
  pins(model: string, version: number): string;
  /** The shadow version's report (a hash of counts), for the run of the shadow set now. */
  shadowReport(model: string): string;
  staging(jobId: string): string;
  jobChannel(jobId: string): string;
  modelChannel: string;
}

/** Builds the key set for `prefix`. */
export function makeKeys(prefix: string): Keys {
  const p = prefix;
  return {
    prefix: p,
    queueName: 'train',
    dataset: (h) => `${p}:dataset:${h}`,
    datasetMeta: (h) => `${p}:dataset:${h}:meta`,
    job: (id) => `${p}:job:${id}`,
    jobCheckpoint: (id) => `${p}:job:${id}:checkpoint`,
    jobHistory: (id) => `${p}:job:${id}:history`,
    jobSearch: (id) => `${p}:job:${id}:search`,
    jobsAll: `${p}:jobs`,
    jobsByModel: (m) => `${p}:jobs:model:${m}`,
    models: `${p}:models`,
    model: (m) => `${p}:model:${m}`,
    versions: (m) => `${p}:model:${m}:versions`,
    version: (m, v) => `${p}:model:${m}:v:${v}`,
    artefact: (m, v) => `${p}:model:${m}:artefact:${v}`,
    pins: (m, v) => `${p}:model:${m}:pins:${v}`,
    shadowReport: (m) => `${p}:model:${m}:shadow`,
    staging: (id) => `${p}:staging:${id}`,
    jobChannel: (id) => `${p}:events:job:${id}`,
    modelChannel: `${p}:events:models`,
  };
}
