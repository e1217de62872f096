/**
 * The service process: `ROLE=api` serves HTTP, `ROLE=worker` trains, `ROLE=all` (default) does
 * both. With `REDIS_URL` unset a private redis-server is started under `DATA_DIR`.
 */
import cluster from 'node:cluster';
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createApp } from './api/index.js';
import { createSecurity } from './api/security/index.js';
import { parseConfig, type Config } from './config/index.js';
import { createLogger, type Logger } from './log/index.js';
import type { MetricsExporter } from './contract/index.js';
import { answerSupervisor, clusterMetricsText, Metrics, serveClusterMetrics } from './metrics/index.js';
import { initBackend } from './model/index.js';
import { probeListener } from './probe.js';
import { lowerPriority } from './queue/index.js';
import { RedisUnavailableError, startPrivateRedis, type RedisServerHandle } from './redis/index.js';
import { createServices, type Services } from './services/index.js';
import { forkApiProcesses } from './supervisor.js';

/** Prints one line and exits 2: for problems the operator must fix (config, no Redis). */
function die(message: string): never {
  process.stderr.write(`textclf: ${message}\n`);
  process.exit(2);
}

function loadConfig(): Config {
  try {
    return parseConfig(process.env);
  } catch (err) {
    return die(err instanceof Error ? err.message : String(err));
  }
}

async function redisUrlFor(
  config: Config,
  logger: Logger,
): Promise<{ url: string; child?: RedisServerHandle }> {
  if (config.REDIS_URL) return { url: config.REDIS_URL };
  try {
    const child = await startPrivateRedis(config.DATA_DIR, logger, config.REDIS_SERVER_BIN);
    // Whatever way this process exits (short of SIGKILL), its private Redis goes with it.
    process.once('exit', () => child.signalStop());
    return { url: child.url, child };
  } catch (err) {
    if (err instanceof RedisUnavailableError) die(err.message);
    throw err;
  }
}

function metricsFor(config: Config): Metrics {
  return new Metrics({ models: config.METRICS_MAX_MODELS, labelsPerModel: config.METRICS_MAX_LABELS });
}

/**
 * What `GET /metrics` serves: this process's series, or, in an API process forked by a supervisor,
 * every process's, aggregated there.
 */
function exporter(metrics: Metrics): MetricsExporter {
  if (!cluster.isWorker) return metrics;
  answerSupervisor(metrics.registry);
  return {
    httpRequest: (route, method, status, seconds) => metrics.httpRequest(route, method, status, seconds),
    text: () => clusterMetricsText(),
    contentType: metrics.contentType,
  };
}

/** The API: the app behind API keys, rate limits and CORS from the config. */
function apiListener(
  services: Services,
  config: Config,
  logger: Logger,
  metrics: MetricsExporter,
): RequestListener {
  try {
    const security = createSecurity({ config, redis: services.redis, logger });
    const queueBoard = { queue: services.queue, guards: security.boardGuards, keysOn: security.keys > 0 };
    const app = createApp(services.deps, { logger, config, guards: security.guards, metrics, queueBoard });
    return security.wrap(app);
  } catch (err) {
    return die(err instanceof Error ? err.message : String(err));
  }
}

/** Stops in order: stop accepting and drain HTTP, stop the worker (grace period), Redis last. */
async function shutdown(
  parts: { server: Server; services: Services; child?: RedisServerHandle },
  config: Config,
  logger: Logger,
): Promise<void> {
  const { server, services, child } = parts;
  {
    const closed = new Promise<void>((res) => server.close(() => res()));
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), Math.min(config.SHUTDOWN_GRACE_MS, 10_000));
    force.unref();
    await closed;
    clearTimeout(force);
    logger.info('http server closed');
  }
  await services.close(config.SHUTDOWN_GRACE_MS);
  await child?.stop();
  logger.info('stopped');
}

/**
 * Models are served by this thread only with INFERENCE_THREADS=0, and then with synchronous reads
 * (webgpu is left to training threads). Otherwise the backend is checked here so that an
 * unavailable one is one line at start; an API with inference threads has them check it instead.
 */
async function initMainThreadBackend(config: Config, logger: Logger): Promise<void> {
  const inferenceThreads = config.ROLE !== 'worker' && config.INFERENCE_THREADS > 0;
  if (inferenceThreads) return;
  try {
    await initBackend(config.TEXTCLF_BACKEND, logger, {
      webgpuAdapter: config.WEBGPU_ADAPTER,
      syncReads: true,
    });
  } catch (err) {
    die(err instanceof Error ? err.message : String(err));
  }
}

/** Listens on `PORT`; a taken or forbidden port is one line and exit 2. */
async function listen(server: Server, config: Config, logger: Logger): Promise<void> {
  server.listen(config.PORT, config.HOST);
  // Longer than the usual client/load-balancer idle timeouts (60 s), so the server is never the one
  // closing a kept-alive socket just as a client reuses it (seen as ECONNRESET under load).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await once(server, 'listening').catch((err: NodeJS.ErrnoException) => {
    // The operator's to fix (and an API_PROCESSES supervisor stops instead of restarting the
    // process forever).
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL') {
      die(`cannot listen on ${config.HOST}:${config.PORT} (${err.code}); set PORT or HOST`);
    }
    throw err;
  });
  const addr = server.address();
  logger.info(
    { port: typeof addr === 'object' && addr ? addr.port : config.PORT, role: config.ROLE },
    'listening',
  );
}

/** SIGTERM/SIGINT shut down in order; a second signal (a second later or more) exits at once. */
function onStopSignals(stop: () => Promise<void>, logger: Logger): void {
  let stoppingSince = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince) {
      // Ctrl-C reaches us twice at once (terminal and tsx's relay); only a later one means "now".
      if (Date.now() - stoppingSince < 1000) return;
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stoppingSince = Date.now();
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL });
  // The supervisor neither serves nor trains in this thread (training threads pick their own
  // backend), so it skips the backend; its API processes each initialise one.
  if (config.API_PROCESSES > 1 && config.ROLE !== 'worker' && cluster.isPrimary) {
    return supervise(config, logger);
  }
  await initMainThreadBackend(config, logger);
  const { url, child } = await redisUrlFor(config, logger);
  // A worker-only process runs entirely below serving (after starting any private Redis, which
  // must not inherit it): its GC and I/O threads too, not only the training threads.
  if (config.ROLE === 'worker') lowerPriority(config.TRAINING_NICE, 'process');
  const api = config.ROLE !== 'worker';
  const metrics = metricsFor(config);
  const services = createServices({
    config,
    redisUrl: url,
    logger,
    worker: config.ROLE !== 'api',
    serving: api,
    metrics,
  });
  await services.inference?.started().catch((err: unknown) => {
    die(`inference threads: ${err instanceof Error ? err.message : String(err)}`);
  });
  const server = createServer(
    api
      ? apiListener(services, config, logger, exporter(metrics))
      : probeListener(services.deps.health, metrics),
  );
  await listen(server, config, logger);
  onStopSignals(() => shutdown({ server, services, ...(child ? { child } : {}) }, config, logger), logger);
  // Listening first: /healthz answers and /readyz reports not-ready while Redis is still away.
  await services.start();
  logger.info({ role: config.ROLE, worker: Boolean(services.worker) }, 'started');
}

/**
 * `API_PROCESSES` > 1: this process serves no HTTP itself. It owns the private Redis (if any),
 * forks the API processes, which share `PORT`, and with `ROLE=all` runs the training worker.
 * On SIGTERM/SIGINT the API processes drain first, then the worker, then Redis.
 */
async function supervise(config: Config, logger: Logger): Promise<void> {
  const { url, child } = await redisUrlFor(config, logger);
  // One scrape of any API process sees them all, and this process's worker (ROLE=all).
  const metrics = metricsFor(config);
  serveClusterMetrics(metrics.registry);
  const services =
    config.ROLE === 'all'
      ? createServices({ config, redisUrl: url, logger, worker: true, serving: false, metrics })
      : undefined;
  let stopping: Promise<void> | undefined;
  const stop = (code: number, message?: string): Promise<void> =>
    (stopping ??= (async () => {
      if (message) process.stderr.write(`textclf: ${message}\n`);
      await apis.stop();
      await services?.close(config.SHUTDOWN_GRACE_MS);
      await child?.stop();
      logger.info('stopped');
      process.exit(code);
    })());
  const apis = forkApiProcesses(
    config.API_PROCESSES,
    { ROLE: 'api', REDIS_URL: url, API_PROCESSES: '1' },
    logger,
    (message) => void stop(2, message),
  );
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      logger.info({ signal }, 'shutting down');
      void stop(0);
    });
  }
  logger.info({ apiProcesses: config.API_PROCESSES, role: config.ROLE }, 'supervising API processes');
  await services?.start();
  if (services) logger.info({ role: config.ROLE, worker: true }, 'started');
}

main().catch((err: unknown) => {
  process.stderr.write(`textclf: fatal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
