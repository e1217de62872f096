/**
 * One error type for the whole service. Domain code throws `AppError` with a stable `code`;
 * only the API layer maps codes to HTTP statuses (see `src/api/problem.ts`), and the CLI maps
 * them to exit code 2 with one line.
 */

/** Every stable error code, with a one-line description used in docs and problem titles. */
export const ERROR_CODES = {
  INVALID_DATA: 'The training data is invalid',
  INVALID_FILE: 'An input file could not be read or parsed',
  INVALID_OPTIONS: 'Training options are out of range',
  INVALID_REQUEST: 'The request does not match the API contract',
  INVALID_JSON: 'The request body is not valid JSON',
  UNSUPPORTED_MEDIA_TYPE: 'The request content type is not supported',
  PAYLOAD_TOO_LARGE: 'The request or one of its texts is too large',
  TOO_MANY_LABELS: 'The training data has more labels than allowed',
  MODEL_NOT_FOUND: 'No such model (train one first)',
  VERSION_NOT_FOUND: 'No such model version',
  VERSION_IN_USE: 'The version is in use and cannot be deleted',
  SHADOW_NOT_FOUND: 'The model has no shadow version',
  JOB_NOT_FOUND: 'No such job',
  JOB_NOT_CANCELLABLE: 'The job has already finished',
  RESULTS_NOT_READY: 'The bulk job has not succeeded (yet)',
  RESULTS_EXPIRED: "The bulk job's results have expired",
  ARTEFACT_CORRUPT: 'A model artefact failed its integrity check',
  CANCELLED: 'The operation was cancelled',
  UNAUTHORIZED: 'Missing or invalid API key',
  FORBIDDEN: 'The API key lacks the required scope',
  RATE_LIMITED: 'Too many requests',
  NOT_FOUND: 'No such route',
  SERVICE_UNAVAILABLE: 'A dependency (Redis or an inference thread) is unavailable',
  STORAGE_FULL: 'Redis has no room for what would be stored',
  INTERNAL: 'Internal error',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Details that help a client fix its input, e.g. the failing fields or the line of a file. */
export interface ErrorDetails {
  /** Failing fields for validation errors: JSON-pointer-ish path and message. */
  errors?: { path: string; message: string }[];
  /** 1-based line number in an input file or NDJSON stream. */
  line?: number;
  /** File the error refers to (CLI). */
  file?: string;
  [key: string]: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

/** True when `err` is an AppError (also across module copies, e.g. worker threads). */
export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError || (err instanceof Error && err.name === 'AppError' && 'code' in err);
}

/** An error as plain data, for `postMessage` between threads; AppError codes survive the trip. */
export interface SerialError {
  name: string;
  message: string;
  code?: string;
  details?: Record<string, unknown>;
}

/** `err` as plain data (an AppError keeps its code and details). */
export function toSerial(err: unknown): SerialError {
  if (isAppError(err)) return { name: err.name, message: err.message, code: err.code, details: err.details };
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, message: e.message };
}

/** The error again on this side; an AppError keeps its code and details. */
export function fromSerial(e: SerialError): Error {
  if (e.code && e.code in ERROR_CODES) return new AppError(e.code as ErrorCode, e.message, e.details ?? {});
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}
