import type { Response } from 'express';
import { ERROR_CODES, isAppError, type ErrorCode } from '../errors/index.js';
import type { components } from '../contract/index.js';

export type Problem = components['schemas']['Problem'];

/** Base of the problem `type` URIs; each code gets `<base><code-in-kebab-case>`. */
export const PROBLEM_TYPE_BASE = 'https://textclf.dev/problems/';

const kebab = (code: string): string => code.toLowerCase().replace(/_/g, '-');
const entry = (code: ErrorCode, status: number) => ({ status, type: PROBLEM_TYPE_BASE + kebab(code) });

/** The one map from error code to HTTP status and problem type. Also documented in openapi.yaml. */
export const PROBLEM_MAP: Readonly<Record<ErrorCode, { status: number; type: string }>> = {
  INVALID_DATA: entry('INVALID_DATA', 400),
  INVALID_FILE: entry('INVALID_FILE', 400),
  INVALID_OPTIONS: entry('INVALID_OPTIONS', 400),
  INVALID_REQUEST: entry('INVALID_REQUEST', 400),
  INVALID_JSON: entry('INVALID_JSON', 400),
  UNSUPPORTED_MEDIA_TYPE: entry('UNSUPPORTED_MEDIA_TYPE', 415),
  PAYLOAD_TOO_LARGE: entry('PAYLOAD_TOO_LARGE', 413),
  TOO_MANY_LABELS: entry('TOO_MANY_LABELS', 400),
  MODEL_NOT_FOUND: entry('MODEL_NOT_FOUND', 404),
  VERSION_NOT_FOUND: entry('VERSION_NOT_FOUND', 404),
  VERSION_IN_USE: entry('VERSION_IN_USE', 409),
  SHADOW_NOT_FOUND: entry('SHADOW_NOT_FOUND', 404),
  JOB_NOT_FOUND: entry('JOB_NOT_FOUND', 404),
  JOB_NOT_CANCELLABLE: entry('JOB_NOT_CANCELLABLE', 409),
  RESULTS_NOT_READY: entry('RESULTS_NOT_READY', 409),
  RESULTS_EXPIRED: entry('RESULTS_EXPIRED', 410),
  ARTEFACT_CORRUPT: entry('ARTEFACT_CORRUPT', 500),
  CANCELLED: entry('CANCELLED', 409),
  UNAUTHORIZED: entry('UNAUTHORIZED', 401),
  FORBIDDEN: entry('FORBIDDEN', 403),
  RATE_LIMITED: entry('RATE_LIMITED', 429),
  NOT_FOUND: entry('NOT_FOUND', 404),
  SERVICE_UNAVAILABLE: entry('SERVICE_UNAVAILABLE', 503),
  STORAGE_FULL: entry('STORAGE_FULL', 507),
  INTERNAL: entry('INTERNAL', 500),
};

/** body-parser / http-errors `type` values and what they mean for the client. */
const PARSER_ERRORS: Record<string, ErrorCode> = {
  'entity.parse.failed': 'INVALID_JSON',
  'entity.too.large': 'PAYLOAD_TOO_LARGE',
  'encoding.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
  'charset.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
  'request.size.invalid': 'INVALID_REQUEST',
  'request.aborted': 'INVALID_REQUEST',
  'stream.encoding.set': 'INTERNAL',
};

// ioredis/BullMQ failures that mean "Redis is away", so the client should retry rather than report a bug.
const REDIS_DOWN = /Connection is closed|ECONNREFUSED|ECONNRESET|Stream isn't writeable|MaxRetriesPerRequest/;

/** Detail keys copied from AppError details into the problem: only what helps a client fix its request. */
const SAFE_DETAIL_KEYS = [
  'line',
  'index',
  'label',
  'limit',
  'field',
  'version',
  'model',
  'jobId',
  'neededBytes',
  'freeBytes',
  'maxBytes',
] as const;

/** 5xx codes that are conditions for the client to act on, not faults: their message is shown. */
const ACTIONABLE_5XX: ReadonlySet<ErrorCode> = new Set(['STORAGE_FULL']);

export interface ProblemReply {
  status: number;
  body: Problem;
  headers: Record<string, string>;
  /** True for server faults, which the caller logs with the stack. */
  serverFault: boolean;
}

/** Classifies any thrown value into a code and a client-safe message. */
function classify(err: unknown): { code: ErrorCode; detail?: string; details?: Record<string, unknown> } {
  if (isAppError(err)) return { code: err.code, detail: err.message, details: err.details };
  if (err && typeof err === 'object') {
    const e = err as {
      type?: unknown;
      status?: unknown;
      statusCode?: unknown;
      name?: unknown;
      message?: unknown;
    };
    const parserCode = typeof e.type === 'string' ? PARSER_ERRORS[e.type] : undefined;
    if (parserCode) return { code: parserCode, detail: parserDetail(parserCode, e.message) };
    const status =
      typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 0;
    if (status === 413) return { code: 'PAYLOAD_TOO_LARGE' };
    if (status === 415) return { code: 'UNSUPPORTED_MEDIA_TYPE' };
    // http-errors marks messages that are safe to show with `expose`.
    const exposed = (err as { expose?: unknown }).expose === true && typeof e.message === 'string';
    if (status >= 400 && status < 500)
      return { code: 'INVALID_REQUEST', ...(exposed ? { detail: String(e.message).slice(0, 200) } : {}) };
    if (typeof e.message === 'string' && REDIS_DOWN.test(`${String(e.name)} ${e.message}`)) {
      return { code: 'SERVICE_UNAVAILABLE' };
    }
  }
  return { code: 'INTERNAL' };
}

function parserDetail(code: ErrorCode, message: unknown): string | undefined {
  // JSON.parse messages name the position, which helps; other parser messages may echo internals.
  if (code === 'INVALID_JSON' && typeof message === 'string') return message.slice(0, 200);
  if (code === 'PAYLOAD_TOO_LARGE') return 'The request body is larger than the configured limit';
  if (code === 'UNSUPPORTED_MEDIA_TYPE' && typeof message === 'string') return message.slice(0, 200);
  return undefined;
}

/**
 * Turns any error into an RFC 9457 problem. Server faults (5xx) carry no message from the error,
 * only the generic title, so nothing internal leaks.
 */
export function toProblem(err: unknown, instance: string, requestId?: string): ProblemReply {
  const { code, detail, details } = classify(err);
  const { status, type } = PROBLEM_MAP[code];
  const serverFault = status >= 500 && !ACTIONABLE_5XX.has(code);
  const body: Problem = { type, title: ERROR_CODES[code], status, code, instance };
  if (!serverFault && detail) body.detail = detail;
  if (requestId) body.requestId = requestId;
  const headers: Record<string, string> = {};
  if (!serverFault && details) {
    if (Array.isArray(details.errors)) body.errors = details.errors.slice(0, 50).map(toFieldError);
    const extra = body as Record<string, unknown>;
    for (const key of SAFE_DETAIL_KEYS) {
      const v = details[key];
      if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') extra[key] = v;
    }
  }
  const retryAfter = details?.retryAfter;
  if (code === 'RATE_LIMITED')
    headers['Retry-After'] = String(typeof retryAfter === 'number' ? retryAfter : 1);
  if (code === 'SERVICE_UNAVAILABLE') headers['Retry-After'] = '1';
  if (code === 'UNAUTHORIZED') headers['WWW-Authenticate'] = 'Bearer';
  return { status, body, headers, serverFault };
}

function toFieldError(e: unknown): { path: string; message: string } {
  const o = (e ?? {}) as { path?: unknown; message?: unknown };
  return { path: String(o.path ?? ''), message: String(o.message ?? '') };
}

/** Writes a problem reply as `application/problem+json`. */
export function sendProblem(res: Response, reply: ProblemReply): void {
  res.status(reply.status);
  for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v);
  res.setHeader('Content-Type', 'application/problem+json; charset=utf-8');
  res.end(JSON.stringify(reply.body));
}
