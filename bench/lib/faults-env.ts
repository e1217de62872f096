/**
 * The world `npm run faults` runs in: a private redis-server with AOF (restartable on the same port
 * and data directory), service processes (`src/main.ts`) in the api and worker roles on it, an HTTP
 * client that counts every request it sends and every one that failed, and an audit that reads
 * Redis directly to count lost jobs, lost datasets, lost versions and corrupted artefacts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/log/index.js';
import { JobStore, RedisDatasetStore } from '../../src/queue/index.js';
import { createRedis, makeKeys, spawnRedisServer, type RedisServerHandle } from '../../src/redis/index.js';
import { ModelRegistry } from '../../src/registry/index.js';
import { startService, type ServiceProcess } from './processes.js';

const REDIS_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/** A redis-server with AOF (fsync before every reply, as the service's own) in a throw-away directory; restartable in place. */
export class AofRedis {
  private handle: RedisServerHandle | undefined;
  private constructor(
    readonly dir: string,
    private readonly args: string[],
  ) {}

  /** Starts one on a free port. */
  static async start(): Promise<AofRedis> {
    const dir = mkdtempSync(join(tmpdir(), 'textclf-faults-'));
    const args = ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''];
    const r = new AofRedis(dir, [...args, '--maxmemory-policy', 'noeviction']);
    r.handle = await spawnRedisServer(REDIS_BIN, r.args);
    return r;
  }

  get url(): string {
    return this.handle!.url;
  }

  get pid(): number | undefined {
    return this.handle?.pid;
  }

  /** SIGTERM (Redis flushes its AOF and exits). */
  async stop(): Promise<void> {
    await this.handle?.stop();
  }

  /** Starts it again on the same port and directory: it reloads the AOF. */
  async start(): Promise<void> {
    this.handle = await spawnRedisServer(REDIS_BIN, this.args, undefined, this.handle!.port);
  }

  /** Stops it for good and deletes its data. */
  async destroy(): Promise<void> {
    await this.handle?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** fetch that counts requests sent and failed (network error or status ≥ 500, or not `ok` when asked). */
export class CountingHttp {
  sent = 0;
  failed = 0;
  readonly failures: string[] = [];

  /** Resets the counters (one scenario each). */
  reset(): void {
    this.sent = 0;
    this.failed = 0;
    this.failures.length = 0;
  }

  /** Sends one request; returns status and parsed body (or text), undefined on a network error. */
  async send(
    url: string,
    init: RequestInit = {},
    okStatuses: (s: number) => boolean = (s) => s >= 200 && s < 300,
  ): Promise<{ status: number; body: unknown } | undefined> {
    this.sent++;
    try {
      const r = await fetch(url, init);
      const text = await r.text();
      if (!okStatuses(r.status))
        this.fail(`${init.method ?? 'GET'} ${url}: HTTP ${r.status} ${text.slice(0, 200)}`);
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: r.status, body };
    } catch (err) {
      this.fail(`${init.method ?? 'GET'} ${url}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  private fail(what: string): void {
    this.failed++;
    if (this.failures.length < 5) this.failures.push(what);
  }
}

/** What the audit found. */
export interface Audit {
  jobsLost: number;
  jobsNotSucceeded: string[];
  datasetsLost: number;
  versionsLost: number;
  versionsCorrupted: number;
  versions: Map<string, number[]>;
}

/**
 * Reads Redis directly: every expected job still has its record and (when `mustSucceed`) ended
 * `succeeded`; every expected dataset is still stored; every expected version still exists; and every
 * stored version's artefact matches the checksum recorded when it was published.
 */
export async function audit(
  redisUrl: string,
  prefix: string,
  expect: { jobs: string[]; datasets: string[]; versions: Map<string, number[]> },
): Promise<Audit> {
  const redis = createRedis(redisUrl, 'client', silentLogger);
  const keys = makeKeys(prefix);
  try {
    const jobs = new JobStore(redis, keys);
    const registry = new ModelRegistry(redis, keys, 1000);
    const datasets = new RedisDatasetStore(redis, keys, {
      minPerLabel: 1,
      maxLabels: 1000,
      maxTextBytes: 1e9,
      maxDocuments: 1e9,
    });
    let jobsLost = 0;
    const jobsNotSucceeded: string[] = [];
    for (const id of expect.jobs) {
      const view = await jobs.get(id).catch(() => undefined);
      if (!view) jobsLost++;
      else if (view.status !== 'succeeded')
        jobsNotSucceeded.push(`${id}: ${view.status} ${view.error ?? ''}`);
    }
    let datasetsLost = 0;
    for (const h of expect.datasets) if (!(await datasets.getRef(h))) datasetsLost++;
    const versions = new Map<string, number[]>();
    let versionsCorrupted = 0;
    for (const m of await registry.listModels()) {
      const vs = (await registry.listVersions(m.model)).map((v) => v.version).sort((a, b) => a - b);
      versions.set(m.model, vs);
      for (const v of vs) {
        await registry.loadArtefact(m.model, v).catch(() => versionsCorrupted++);
      }
    }
    let versionsLost = 0;
    for (const [m, vs] of expect.versions) {
      const have = new Set(versions.get(m) ?? []);
      versionsLost += vs.filter((v) => !have.has(v)).length;
    }
    return { jobsLost, jobsNotSucceeded, datasetsLost, versionsLost, versionsCorrupted, versions };
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks, USER_HZ = 100 on Linux
  } catch {
    return NaN;
  }
}

/** CPU seconds used by each named process between `start()` and `stop()`. */
export function cpuMeter(pids: Record<string, number | undefined>): () => string {
  const t0 = Date.now();
  const self0 = process.cpuUsage();
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  return () => {
    const wall = (Date.now() - t0) / 1000;
    const self = process.cpuUsage(self0);
    const parts = Object.entries(pids).map(
      ([k, pid]) => `${k} ${(cpuSeconds(pid) - (before[k] ?? 0)).toFixed(1)}`,
    );
    parts.push(`load generator ${((self.user + self.system) / 1e6).toFixed(1)}`);
    return `CPU s in ${wall.toFixed(0)} s: ${parts.join(', ')}`;
  };
}

/** Starts `src/main.ts` in `role` on the fault suite's Redis. */
export function service(
  role: 'api' | 'worker',
  redisUrl: string,
  prefix: string,
  name: string,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  const nodeArgs =
    role === 'api' && process.env.FAULTS_API_NODE_ARGS ? process.env.FAULTS_API_NODE_ARGS.split(' ') : [];
  return startService({ role, redisUrl, prefix, name, logLevel: 'warn', env, nodeArgs });
}
