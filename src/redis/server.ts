import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from '../log/index.js';

/** Thrown when no Redis can be had; `message` is the one line to print, with the fix. */
export class RedisUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}

/** A `redis-server` child process this process started and must stop. */
export interface RedisServerHandle {
  url: string;
  port: number;
  pid: number | undefined;
  /** Stops the server (SIGTERM: Redis flushes its AOF) and waits for it to exit. */
  stop(): Promise<void>;
  /** Sends SIGTERM without waiting: for `process.on('exit')`, where nothing async runs. */
  signalStop(): void;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

async function waitForPing(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let failed: Error | undefined;
  child.once('error', (e) => (failed = e));
  while (Date.now() < deadline) {
    if (failed) throw failed;
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      // not up yet
    } finally {
      probe.disconnect();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not become ready in time');
}

/**
 * Spawns `redis-server` on a free 127.0.0.1 port (or `fixedPort`, e.g. to restart one) with extra
 * `args` and waits until it answers PING.
 * The child does not keep the Node event loop alive. Retries once on a port race.
 * @throws RedisUnavailableError when the binary is missing.
 */
export async function spawnRedisServer(
  bin: string,
  args: string[],
  log?: Logger,
  fixedPort?: number,
): Promise<RedisServerHandle> {
  for (let attempt = 0; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    // Own process group: Ctrl-C or a group-wide SIGTERM must not stop Redis before this process
    // has drained and handed its jobs back; `stop()` (or the exit hook) ends it last.
    const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', ...args], {
      stdio: 'ignore',
      detached: true,
    });
    child.unref();
    const url = `redis://127.0.0.1:${port}`;
    const started = await waitForPing(url, child, 10_000).then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
    if (started instanceof Error) {
      child.kill('SIGKILL');
      if ((started as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new RedisUnavailableError(
          `no Redis: "${bin}" not found and REDIS_URL is unset — install it (apt-get install redis-server) or set REDIS_URL=redis://host:6379`,
        );
      }
      if (attempt < 2) continue;
      throw new RedisUnavailableError(
        `could not start ${bin}: ${started.message} (set REDIS_URL to use another Redis)`,
      );
    }
    log?.info({ port, pid: child.pid }, 'private redis-server started');
    const exited = new Promise<void>((res) => {
      if (child.exitCode !== null) res();
      else child.once('exit', () => res());
    });
    return {
      url,
      port,
      pid: child.pid,
      signalStop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      },
      async stop() {
        if (child.exitCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      },
    };
  }
}

function isRedisProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    return false;
  }
}

/** Ends a private Redis left running on `dir` by a process that was killed, so two never share an AOF. */
async function stopStale(pidFile: string, log: Logger): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isRedisProcess(pid)) return;
  log.warn({ pid }, 'stopping a stale private redis-server left by an earlier run');
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 200 && isRedisProcess(pid); i++) await new Promise((r) => setTimeout(r, 50));
}

/**
 * Starts the private Redis used when `REDIS_URL` is unset: data under `<dataDir>/redis`, AOF on and
 * fsync'd before every reply (`appendfsync always`: no acknowledged job, dataset or version is lost
 * even when the host dies; `npm run faults` row d measures the cost), `noeviction` (evicting a
 * queue or a model would lose data), bound to 127.0.0.1 on a free port.
 * @throws RedisUnavailableError with a one-line fix when `redis-server` is not installed.
 */
export async function startPrivateRedis(
  dataDir: string,
  log: Logger,
  bin = 'redis-server',
): Promise<RedisServerHandle> {
  const dir = resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const pidFile = join(dir, 'redis.pid');
  await stopStale(pidFile, log);
  const args = [
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--maxmemory-policy',
    'noeviction',
    '--pidfile',
    pidFile,
    '--logfile',
    join(dir, 'redis.log'),
    '--daemonize',
    'no',
  ];
  return spawnRedisServer(bin, args, log);
}
