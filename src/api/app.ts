import type { Queue } from 'bullmq';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../config/index.js';
import { AppError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import type { MetricsExporter, ServiceDeps } from '../contract/index.js';
import { locals, requestContext, type Handler, type OperationId } from './context.js';
import { dashboardAssets, dashboardPage } from './dashboard.js';
import { QUEUE_BOARD_PATH, queueBoard } from './queue-board.js';
import { docsAssets, docsPage } from './docs.js';
import { bodyStep, guardStep, requiredScopes, validateStep, type RequestGuard } from './pipeline.js';
import { sendProblem, toProblem } from './problem.js';
import { jobEventsHandler } from './routes/events.js';
import { cancelBulkJob, getBulkJob, getBulkResults, submitBulkHandler } from './routes/bulk.js';
import { classify } from './routes/classify.js';
import { cancelJob, getJob, listJobs } from './routes/jobs.js';
import {
  deleteVersion,
  getShadow,
  getVersion,
  listModels,
  listVersions,
  setLatest,
} from './routes/models.js';
import { healthz, metricsHandler, openapiYaml, queueDepth, readyz } from './routes/ops.js';
import { trainHandler } from './routes/train.js';
import { listOperations, loadSpec, type OpenApiDocument } from './spec.js';
import { SpecValidator } from './validate.js';

export interface AppOptions {
  logger: Logger;
  config: Config;
  /** Run before body parsing on every operation that declares `security` (API keys, rate limits). */
  guards?: RequestGuard[];
  /** Interval of SSE keep-alive comments; default 15 s. */
  sseHeartbeatMs?: number;
  /** How long `/readyz` waits for each dependency; default 2 s. */
  readinessTimeoutMs?: number;
  /** The contract; default `openapi.yaml` at the repository root. */
  specPath?: string;
  /** The process's metrics: `GET /metrics` serves them, every request is counted. Off without. */
  metrics?: MetricsExporter;
  /** The dashboard's build; default `web/dist` at the repository root. */
  dashboardDir?: string;
  /**
   * The training queue for the queue board at `/queues`: behind `guards` with the `train` scope
   * when API keys are on (and then writable), open and read-only when they are off.
   */
  queueBoard?: { queue: Queue; guards: RequestGuard[]; keysOn: boolean };
}

/**
 * Builds the HTTP app. Routes come from openapi.yaml: each operation gets guards, body parsing,
 * validation against its schemas, then its handler; every error leaves as problem+json.
 * @throws Error when the contract names an operation with no handler (a programming error)
 */
export function createApp(deps: ServiceDeps, opts: AppOptions): express.Application {
  const { logger, config } = opts;
  const spec = loadSpec(opts.specPath);
  const validator = validatorFor(spec.text, spec.doc);
  const handlers = handlersFor(spec, validator, opts);

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Hashing every JSON answer for an ETag costs CPU on the hot path and no client revalidates them.
  app.set('etag', false);
  app.use(requestContext(logger, opts.metrics));
  // No upgrade-insecure-requests: plain-HTTP deployments (behind a TLS proxy or on a LAN) must still load /docs.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));

  // The router tries routes in order: the hot path first.
  const operations = listOperations(spec.doc).sort(
    (a, b) => Number(b.op.operationId === 'classify') - Number(a.op.operationId === 'classify'),
  );
  for (const { path, method, pointer, op, parameters } of operations) {
    const id = op.operationId as OperationId;
    const handler = handlers[id];
    if (!handler) throw new Error(`openapi.yaml operation ${op.operationId} has no handler`);
    const scopes = requiredScopes(op, spec.doc.security);
    const steps: RequestHandler[] = [named(id)];
    if (opts.guards?.length && scopes !== null) steps.push(guardStep(opts.guards, id, scopes));
    if (op.requestBody) steps.push(bodyStep(op, config.MAX_BODY_BYTES));
    steps.push(validateStep(validator, pointer, op, parameters));
    steps.push(run(handler, deps, config));
    app[method](path.replace(/\{(\w+)\}/g, ':$1'), ...steps);
  }

  mountPages(app, opts);
  app.use(() => {
    throw new AppError('NOT_FOUND', 'No such route');
  });
  app.use(errorHandler);
  return app;
}

/** The handler of every operation in openapi.yaml. */
function handlersFor(
  spec: { text: string },
  validator: SpecValidator,
  opts: AppOptions,
): Record<OperationId, Handler> {
  return {
    train: trainHandler(validator),
    listJobs,
    getJob,
    cancelJob,
    streamJobEvents: jobEventsHandler(opts.sseHeartbeatMs ?? 15_000),
    classify,
    submitBulkJob: submitBulkHandler(validator),
    getBulkJob,
    cancelBulkJob,
    getBulkResults,
    listModels,
    listVersions,
    getVersion,
    setLatest,
    getShadow,
    deleteVersion,
    healthz,
    readyz: readyz(opts.readinessTimeoutMs ?? 2_000),
    metrics: metricsHandler(opts.metrics),
    queueDepth,
    getOpenApi: openapiYaml(spec.text),
    docs: docsPage,
    dashboard: dashboardPage(opts.dashboardDir),
  };
}

/** What is not an API operation: the docs' and the dashboard's assets, and the queue board. */
function mountPages(app: express.Application, opts: AppOptions): void {
  app.use(docsAssets());
  app.use(dashboardAssets(opts.dashboardDir));
  if (opts.queueBoard) {
    const { queue, guards, keysOn } = opts.queueBoard;
    app.use(QUEUE_BOARD_PATH, guardStep(guards, 'queueBoard', ['train']), queueBoard(queue, keysOn));
  }
}

/** Marks the request with the operation it matched (for the request metrics). */
function named(id: OperationId): RequestHandler {
  return (_req, res, next) => {
    locals(res).operationId = id;
    next();
  };
}

// Compiling the contract's schemas takes ~100 ms; apps built from the same text share them.
const validators = new Map<string, SpecValidator>();
function validatorFor(text: string, doc: OpenApiDocument): SpecValidator {
  let v = validators.get(text);
  if (!v) {
    v = new SpecValidator(doc);
    validators.set(text, v);
  }
  return v;
}

function run(handler: Handler, deps: ServiceDeps, config: Config): RequestHandler {
  return async (req, res) => {
    const l = locals(res);
    await handler({
      req,
      res,
      input: l.input ?? { path: {}, query: {}, body: undefined },
      log: l.log,
      requestId: l.requestId,
      deps,
      config,
    });
  };
}

const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const l = locals(res);
  const reply = toProblem(err, req.path, l.requestId);
  const e = err as { name?: string; message?: string; stack?: string };
  // Log name/message/stack only: parser errors carry the raw body, which may hold article text.
  if (reply.serverFault)
    l.log?.error(
      { code: reply.body.code, err: { name: e?.name, message: e?.message, stack: e?.stack } },
      'request failed',
    );
  else l.log?.info({ code: reply.body.code, status: reply.status }, 'request rejected');
  if (res.headersSent) {
    res.end();
    return;
  }
  sendProblem(res, reply);
};
