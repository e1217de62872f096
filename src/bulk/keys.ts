import type { Keys } from '../redis/index.js';

/**
 * The Redis keys of bulk classification jobs, under the service's prefix. They sit apart from the
 * training jobs' (`<prefix>:job:*`) and from BullMQ's queue (`<prefix>:classify:*`), and a job id
 * can never name a chunk: records are `bulk:job:<id>`, chunks `bulk:in:<id>:<n>` / `bulk:out:<id>:<n>`.
 */
export interface BulkKeys {
  prefix: string;
  /** BullMQ queue name (keys `<prefix>:classify:*`). */
  queueName: string;
  /** A job's record (a hash). */
  job(jobId: string): string;
  /** Input chunk `n` of a job: gzipped JSON of its `{id?, text}` items. */
  input(jobId: string, n: number): string;
  /** Result chunk `n` of a job: gzipped NDJSON of its answers. */
  output(jobId: string, n: number): string;
  /** The registry's pin set of a version (holders pinning it), shared with `VersionPins`. */
  pins(model: string, version: number): string;
  /** The job's holder id in a version's pin set. */
  holder(jobId: string): string;
}

export function bulkKeys(keys: Keys): BulkKeys {
  const p = keys.prefix;
  return {
    prefix: p,
    queueName: 'classify',
    job: (id) => `${p}:bulk:job:${id}`,
    input: (id, n) => `${p}:bulk:in:${id}:${n}`,
    output: (id, n) => `${p}:bulk:out:${id}:${n}`,
    pins: (m, v) => keys.pins(m, v),
    holder: (id) => `bulk:${id}`,
  };
}
