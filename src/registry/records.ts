/** The registry's records: version metadata and events, script codes as AppErrors, records as contract shapes. */
import type { VersionDetail, VersionSummary } from '../contract/index.js';
import { AppError } from '../errors/index.js';

/** What the worker knows about a trained model besides the artefact bytes. */
export type VersionMeta = Omit<
  VersionDetail,
  'model' | 'version' | 'createdAt' | 'isLatest' | 'checksum' | 'jobId'
>;

/** Pub/sub message on `keys.modelChannel` after every registry change. */
export interface ModelEvent {
  event: 'published' | 'latest' | 'deleted';
  model: string;
  version: number;
  latest?: number;
}

/** Outcome of `publish`. */
export type PublishOutcome =
  { status: 'published' | 'already-published'; version: number } | { status: 'cancelled' };

/** Throws the AppError a script's negative return code stands for (none for other codes). */
export function checkScriptCode(code: number, model: string, version: number): void {
  if (code === -1)
    throw new AppError('MODEL_NOT_FOUND', `no model "${model}": train one first (POST /train)`, { model });
  if (code === -2)
    throw new AppError('VERSION_NOT_FOUND', `model "${model}" has no version ${version}`, {
      model,
      version,
    });
  if (code === -3) {
    throw new AppError('VERSION_IN_USE', `version ${version} of "${model}" is latest; move latest first`, {
      model,
      version,
    });
  }
  if (code === -5 || code === -6) {
    const role = code === -5 ? 'the canary' : 'the shadow';
    throw new AppError(
      'VERSION_IN_USE',
      `version ${version} of "${model}" is ${role}; change it with PUT /models/${model}/alias/latest first`,
      { model, version },
    );
  }
  if (code === -4) {
    throw new AppError(
      'VERSION_IN_USE',
      `version ${version} of "${model}" is in use by an in-flight request; try again shortly`,
      { model, version },
    );
  }
}

export function routeMissing(model: string, version: number, field: string): AppError {
  return new AppError('VERSION_NOT_FOUND', `${field}: model "${model}" has no version ${version}`, {
    model,
    version,
    field,
  });
}

export function toDetail(
  model: string,
  version: number,
  rec: Record<string, string>,
  latest: number | undefined,
): VersionDetail {
  const meta = JSON.parse(rec.meta ?? '{}') as VersionMeta;
  const detail: VersionDetail = {
    ...meta,
    model,
    version,
    createdAt: rec.createdAt ?? '',
    checksum: rec.checksum ?? '',
    isLatest: latest === version,
  };
  if (rec.jobId) detail.jobId = rec.jobId;
  return detail;
}

export function toSummary(d: VersionDetail): VersionSummary {
  const s: VersionSummary = {
    model: d.model,
    version: d.version,
    createdAt: d.createdAt,
    labels: d.labels,
    isLatest: d.isLatest,
  };
  if (d.accuracy !== undefined) s.accuracy = d.accuracy;
  if (d.macroF1 !== undefined) s.macroF1 = d.macroF1;
  if (d.multiLabel !== undefined) s.multiLabel = d.multiLabel;
  return s;
}
