/**
 * The service process: `ROLE=api` serves HTTP, `ROLE=worker` trains, `ROLE=all` (default) does
 * both. With `REDIS_URL` unset a private redis-server is started under `DATA_DIR`.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import { createApp } from './api/index.js';
import { parseConfig, type Config } from './config/index.js';
import { createLogger, type Logger } from './log/index.js';
import { initBackend } from './model/index.js';
import {
  createQueueServices,
  RedisUnavailableError,
  startPrivateRedis,
  type QueueServices,
  type RedisServerHandle,
} from './queue/index.js';

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

/** Stops in order: stop accepting and drain HTTP, stop the worker (grace period), Redis last. */
async function shutdown(
  parts: { server?: Server; services: QueueServices; child?: RedisServerHandle },
  config: Config,
  logger: Logger,
): Promise<void> {
  const { server, services, child } = parts;
  if (server) {
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

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL });
  try {
    await initBackend(config.TEXTCLF_BACKEND, logger);
  } catch (err) {
    die(err instanceof Error ? err.message : String(err));
  }
  const { url, child } = await redisUrlFor(config, logger);
  const api = config.ROLE !== 'worker';
  const services = createQueueServices({
    config,
    redisUrl: url,
    logger,
    worker: config.ROLE !== 'api',
    serving: api,
  });

  let server: Server | undefined;
  if (api) {
    const app = createApp(services.deps, { logger, config });
    server = app.listen(config.PORT, config.HOST);
    await once(server, 'listening');
    const addr = server.address();
    logger.info(
      { port: typeof addr === 'object' && addr ? addr.port : config.PORT, role: config.ROLE },
      'listening',
    );
  }
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
    shutdown({ ...(server ? { server } : {}), services, ...(child ? { child } : {}) }, config, logger).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // Listening first: /healthz answers and /readyz reports not-ready while Redis is still away.
  await services.start();
  logger.info({ role: config.ROLE, worker: Boolean(services.worker) }, 'started');
}

main().catch((err: unknown) => {
  process.stderr.write(`textclf: fatal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
