import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Config } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { MetricsExporter, operations, ServiceDeps } from '../contract/index.js';

export type OperationId = keyof operations;

/** Validated request parts: path and query coerced to their schema types, defaults filled in. */
export interface RequestInput {
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
}

/** What every route handler gets. */
export interface HandlerContext {
  req: Request;
  res: Response;
  input: RequestInput;
  log: Logger;
  requestId: string;
  deps: ServiceDeps;
  config: Config;
}

export type Handler = (c: HandlerContext) => void | Promise<void>;

/** Per-request state kept on `res.locals`. */
export interface RequestLocals {
  requestId: string;
  log: Logger;
  input?: RequestInput;
  /** The operation the route matched (for metrics); unset for unmatched paths. */
  operationId?: OperationId;
  /** What the request concerned (model, version, job), added to its log line by the handler. */
  subject?: { model?: string; version?: number; jobId?: string };
}

export function locals(res: Response): RequestLocals {
  return res.locals as RequestLocals;
}

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Takes a well-formed incoming `X-Request-Id` or makes one, echoes it, and gives the request a child
 * logger bound to it. Logs one line per request (method, route, status, time; never bodies) and
 * counts it in the request-duration histogram by operation.
 */
export function requestContext(logger: Logger, metrics?: MetricsExporter) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    const log = logger.child({ reqId: requestId });
    res.locals.requestId = requestId;
    res.locals.log = log;
    res.setHeader('X-Request-Id', requestId);
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const { operationId, subject } = res.locals as RequestLocals;
      metrics?.httpRequest(operationId ?? 'unmatched', req.method, res.statusCode, ms / 1000);
      // req.path, not req.url: query strings can carry user data.
      const line = {
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
      };
      log.info({ ...line, ...subject }, 'request');
    });
    next();
  };
}
