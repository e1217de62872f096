import { AppError, ERROR_CODES, isAppError, type ErrorCode } from '../../errors/index.js';
import type { SerialError } from './protocol.js';

/** An error as plain data, for `postMessage`. */
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
