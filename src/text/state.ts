import { AppError } from '../errors/index.js';
import type { ResolvedVectorizerOptions } from './options.js';

/** The saved form of a vectoriser: plain JSON, stored inside the model artefact. */
export interface VectorizerState {
  version: 1;
  options: ResolvedVectorizerOptions;
  numDocuments: number;
  /** Feature id `i` is `terms[i]`. */
  terms: string[];
  /** idf of feature `i`. */
  idf: number[];
}

function corrupt(problem: string): AppError {
  return new AppError('ARTEFACT_CORRUPT', `Invalid vectorizer state: ${problem}`);
}

/** Checks the shape of a saved state (it comes from a file or Redis, so it is not trusted). */
export function parseVectorizerState(state: unknown): VectorizerState {
  if (typeof state !== 'object' || state === null) throw corrupt('not an object');
  const s = state as Partial<Record<keyof VectorizerState, unknown>>;
  if (s.version !== 1) throw corrupt(`unsupported version ${String(s.version)}`);
  if (typeof s.options !== 'object' || s.options === null) throw corrupt('missing options');
  if (typeof s.numDocuments !== 'number' || !Number.isInteger(s.numDocuments) || s.numDocuments < 0)
    throw corrupt('numDocuments must be a non-negative integer');
  if (!Array.isArray(s.terms) || !s.terms.every((t) => typeof t === 'string'))
    throw corrupt('terms must be an array of strings');
  if (!Array.isArray(s.idf) || !s.idf.every((v) => typeof v === 'number' && Number.isFinite(v)))
    throw corrupt('idf must be an array of finite numbers');
  if (s.idf.length !== s.terms.length) throw corrupt('terms and idf differ in length');
  if (new Set(s.terms).size !== s.terms.length) throw corrupt('duplicate terms');
  return s as VectorizerState;
}
