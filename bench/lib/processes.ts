/**
 * Process plumbing for the service benchmarks: a throw-away redis-server, service processes in any
 * role, a bare Express baseline, and their memory figures. The bench process only generates load;
 * every server it measures runs in a process of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** Repository root. */
export const root = resolve(import.meta.dirname, '..', '..');

/** A child process the bench started and must stop. */
export interface Child {
  name: string;
  pid: number;
  proc: ChildProcess;
  /** The last lines the child wrote (for error messages). */
  tail(): string;
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function track(name: string, proc: ChildProcess): Child {
  if (proc.pid === undefined) throw new Error(`${name}: spawn failed`);
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-4000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => {
    if (proc.exitCode !== null || proc.signalCode !== null) r();
    else proc.once('exit', () => r());
  });
  // A bench that dies must not leave servers behind.
  const onExit = () => proc.kill('SIGKILL');
  process.once('exit', onExit);
  return {
    name,
    pid: proc.pid,
    proc,
    tail: () => out.trim().split('\n').slice(-8).join('\n'),
    async stop() {
      process.off('exit', onExit);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function alive(c: Child): void {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) {
    throw new Error(`${c.name} exited (${c.proc.exitCode ?? c.proc.signalCode}):\n${c.tail()}`);
  }
}

/** A redis-server without persistence on a free port, for one bench run. */
export async function startRedis(): Promise<Child & { url: string }> {
  const port = await freePort();
  const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = track(`redis:${port}`, spawn(bin, [...args, '--maxmemory-policy', 'noeviction']));
  const deadline = Date.now() + 10_000;
  for (;;) {
    alive(child);
    const pong = await new Promise<boolean>((res) => {
      const s = connect(port, '127.0.0.1', () => s.write('PING\r\n'));
      s.on('data', (d) => {
        s.destroy();
        res(d.toString().startsWith('+PONG'));
      });
      s.on('error', () => res(false));
    });
    if (pong) return { ...child, url: `redis://127.0.0.1:${port}` };
    if (Date.now() > deadline) throw new Error(`redis-server did not start:\n${child.tail()}`);
    await sleep(50);
  }
}

/** Polls `url` until it answers 200. */
export async function waitFor200(url: string, child: Child, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    alive(child);
    const ok = await fetch(url).then(
      async (r) => (await r.arrayBuffer(), r.ok),
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms:\n${child.tail()}`);
    await sleep(100);
  }
}

export interface ServiceProcess extends Child {
  base: string;
  port: number;
}

/**
 * Starts `src/main.ts` (or the compiled `dist/main.js`) as its own Node process (no npm/tsx
 * wrapper, so `pid` is the server) and waits for `/readyz`.
 */
export async function startService(opts: {
  role: 'api' | 'worker' | 'all';
  redisUrl: string;
  prefix: string;
  logLevel?: string;
  name?: string;
  env?: Record<string, string>;
  /** Extra Node flags, e.g. `--cpu-prof` (from BENCH_NODE_ARGS for profiling). */
  nodeArgs?: string[];
  /** Run the compiled `dist/main.js` (as the image does) instead of `src/main.ts` under tsx. */
  compiled?: boolean;
}): Promise<ServiceProcess> {
  const port = await freePort();
  const entry = opts.compiled ? [join(root, 'dist/main.js')] : ['--import', 'tsx', join(root, 'src/main.ts')];
  const args = [...(opts.nodeArgs ?? []), ...entry];
  const proc = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ROLE: opts.role,
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: opts.redisUrl,
      REDIS_PREFIX: opts.prefix,
      LOG_LEVEL: opts.logLevel ?? 'warn',
      ...opts.env,
    },
  });
  const child = track(opts.name ?? `${opts.role}:${port}`, proc);
  const base = `http://127.0.0.1:${port}`;
  await waitFor200(`${base}/readyz`, child);
  return { ...child, base, port };
}

/** The bare Express 5 JSON route (`bench/bare-express.ts`) in its own process (or `processes` of them). */
export async function startBareExpress(processes = 1): Promise<ServiceProcess> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/bare-express.ts')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(port), BARE_PROCESSES: String(processes) },
  });
  const child = track(`bare-express:${port}`, proc);
  const base = `http://127.0.0.1:${port}`;
  await waitFor200(`${base}/healthz`, child);
  return { ...child, base, port };
}

/** Resident set now and its peak, in MB, from /proc/<pid>/status. */
export function memoryOf(pid: number): { rssMb: number; hwmMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux). Taken before and
 * after a load run, it gives the server's CPU per request whatever the load generator managed.
 */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / CLOCK_TICKS;
}

/** `pid` and all its descendants (Linux /proc), e.g. an `API_PROCESSES` supervisor and its API processes. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    const dir = `/proc/${out[i]}/task`;
    if (!existsSync(dir)) continue;
    for (const t of readdirSync(dir)) {
      const text = readFileSync(`${dir}/${t}/children`, 'utf8').trim();
      if (text) out.push(...text.split(' ').map(Number));
    }
  }
  return out;
}

/** {@link cpuSecondsOf} summed over a process tree. */
export function treeCpuSecondsOf(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + cpuSecondsOf(p), 0);
}

/** USER_HZ: 100 on every Linux build this runs on (the kernel ABI fixes it for /proc). */
const CLOCK_TICKS = 100;

/** `uptime`'s load averages, so readers can judge how busy the shared machine was. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
