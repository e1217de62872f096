import type { JobView, VersionDetail, VersionSummary } from '../contract/index.js';
import type { components, operations } from '../contract/index.js';

/** Schema types generated from openapi.yaml. */
export type Schemas = components['schemas'];
export type QueryOf<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>;
export type PathOf<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['path']>;

/** A job record as the contract shows it: only the documented fields, whatever the store keeps. */
export function toJob(v: JobView): Schemas['Job'] {
  const job: Schemas['Job'] = {
    jobId: v.jobId,
    model: v.model,
    status: v.status,
    progress: v.progress,
    datasetHash: v.datasetHash,
    documents: v.documents,
    attempts: v.attempts,
    createdAt: v.createdAt,
  };
  if (v.version !== undefined) job.version = v.version;
  if (v.error !== undefined) job.error = v.error;
  if (v.startedAt !== undefined) job.startedAt = v.startedAt;
  if (v.finishedAt !== undefined) job.finishedAt = v.finishedAt;
  if (v.search !== undefined) job.search = v.search;
  return job;
}

export function toVersionSummary(v: VersionSummary): Schemas['VersionSummary'] {
  const out: Schemas['VersionSummary'] = {
    model: v.model,
    version: v.version,
    createdAt: v.createdAt,
    labels: v.labels,
    isLatest: v.isLatest,
  };
  if (v.accuracy !== undefined) out.accuracy = v.accuracy;
  if (v.macroF1 !== undefined) out.macroF1 = v.macroF1;
  if (v.multiLabel !== undefined) out.multiLabel = v.multiLabel;
  return out;
}

export function toVersionDetail(v: VersionDetail): Schemas['VersionDetail'] {
  const out: Schemas['VersionDetail'] = {
    ...toVersionSummary(v),
    options: v.options,
    vocabularySize: v.vocabularySize,
    backend: v.backend,
    dataset: { hash: v.dataset.hash, documents: v.dataset.documents },
    trainSeconds: v.trainSeconds,
    checksum: v.checksum,
    evaluation: v.evaluation ?? {},
  };
  if (v.jobId !== undefined) out.jobId = v.jobId;
  if (v.lineage !== undefined) out.lineage = v.lineage;
  if (v.autotune !== undefined) out.autotune = v.autotune;
  return out;
}

export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);
