import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AppError } from '../errors/index.js';
import { assertNoForbiddenKeys, checkJsonBytes } from './json-guard.js';
import type { OpenApiOperation, ResolvedParameter } from './spec.js';
import { locals, type OperationId } from './context.js';
import { assertValid, type SpecValidator } from './validate.js';

/** Auth and rate-limit hook (issue 4): throws AppError UNAUTHORIZED / FORBIDDEN / RATE_LIMITED. */
/** What a guard is asked to let through: an operation of openapi.yaml, or the queue board. */
export type GuardedRoute = OperationId | 'queueBoard';

export type RequestGuard = (
  req: Request,
  route: { operationId: GuardedRoute; scopes: string[] | null },
) => void | Promise<void>;

/**
 * Scopes an operation asks for, from its `security` requirements; null when the operation is public
 * (`security: []`). An empty requirement `{}` in the list means "open while no keys are configured".
 */
export function requiredScopes(op: OpenApiOperation, global?: Record<string, string[]>[]): string[] | null {
  const reqs = op.security ?? global ?? [];
  if (reqs.length === 0) return null;
  const scopes = new Set<string>();
  for (const r of reqs) for (const list of Object.values(r)) for (const s of list) scopes.add(s);
  return [...scopes];
}

/** Runs the guards before anything reads the body, so rejected callers cost no parsing. */
export function guardStep(
  guards: RequestGuard[],
  operationId: GuardedRoute,
  scopes: string[] | null,
): RequestHandler {
  return async (req, _res, next) => {
    for (const g of guards) await g(req, { operationId, scopes });
    next();
  };
}

/**
 * Content-type check and JSON parsing for operations with a request body. `application/x-ndjson`
 * is left unread for the route to stream.
 */
export function bodyStep(op: OpenApiOperation, maxBodyBytes: number): RequestHandler {
  const types = Object.keys(op.requestBody?.content ?? {});
  const json = express.json({
    limit: maxBodyBytes,
    strict: false,
    type: () => true,
    verify: (_req, _res, buf) => checkJsonBytes(buf),
  });
  return (req: Request, res: Response, next: NextFunction) => {
    if (!hasBody(req)) {
      if (op.requestBody?.required) {
        throw new AppError('INVALID_REQUEST', 'A request body is required', {
          errors: [{ path: '/body', message: 'is required' }],
        });
      }
      return next();
    }
    const matched = types.length > 0 ? req.is(types) : false;
    if (!matched) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be ${types.join(' or ') || 'absent'}`);
    }
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase();
    if (charset && charset !== 'utf-8' && charset !== 'utf8') {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Unsupported charset "${charset}"; send UTF-8`);
    }
    if (matched !== 'application/json') return next();
    json(req, res, (err?: unknown) => {
      if (err) return next(err);
      try {
        assertNoForbiddenKeys(req.body);
      } catch (e) {
        return next(e);
      }
      next();
    });
  };
}

/** Bodies up to this size get every failing field reported; larger ones the first (bounded work). */
const DETAILED_ERRORS_MAX_BYTES = 256 * 1024;

/** True when the request carries a non-empty body (chunked or Content-Length > 0). */
export function hasBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const len = Number(req.headers['content-length']);
  return Number.isFinite(len) && len > 0;
}

/** Validates path, query and (JSON) body against the operation's schemas; stores the result. */
export function validateStep(
  validator: SpecValidator,
  pointer: string,
  op: OpenApiOperation,
  parameters: ResolvedParameter[],
): RequestHandler {
  const path = validator.parameters(parameters, 'path');
  const query = validator.parameters(parameters, 'query');
  const jsonSchema = op.requestBody?.content['application/json']
    ? `${pointer}/requestBody/content/application~1json/schema`
    : null;
  const body = jsonSchema ? validator.body(jsonSchema) : null;
  return (req, res, next) => {
    const input = {
      path: { ...req.params },
      query: { ...(req.query as Record<string, unknown>) },
      body: req.body as unknown,
    };
    const errors = [...path(input.path), ...query(input.query)];
    if (body && hasBody(req) && req.is('application/json')) {
      errors.push(
        ...body(input.body, Number(req.headers['content-length'] ?? Infinity) <= DETAILED_ERRORS_MAX_BYTES),
      );
    }
    assertValid(errors);
    locals(res).input = input;
    next();
  };
}
