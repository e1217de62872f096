/**
 * `npm run bench:serve-memory`: the memory of an API process serving bbc-news, under tsx and as the
 * compiled JavaScript of `npm run build` (what the image runs), in one run. A throw-away Redis; one
 * `ROLE=all` process (tsx) trains bbc-news through `POST /train` and is stopped; then each variant
 * starts its own `ROLE=api` process on that Redis (one at a time), which is sent SERVE_MEMORY_REQUESTS
 * single-article `POST /classify` requests (SERVE_MEMORY_CONCURRENCY at a time, rotating through
 * test.jsonl). Reported per process, from /proc: VmRSS at /readyz (no model yet) and after the
 * requests, VmHWM (its peak), anonymous vs file-backed resident memory (smaps_rollup), threads, and
 * the RSS of any child processes. The artefact's size (its bytes in Redis) is printed beside them.
 * Variants (SERVE_MEMORY_VARIANTS, comma-separated; default `tsx,js,js:0,js:2`): `tsx` runs
 * `node --import tsx src/main.ts`, `js` runs `node dist/main.js`; `:N` sets INFERENCE_THREADS=N
 * (without it: the service's default, or INFERENCE_THREADS from this environment).
 * Env: DATASETS_DIR, SERVE_MEMORY_REQUESTS (default 300), SERVE_MEMORY_CONCURRENCY (default 4),
 * SERVE_MEMORY_EPOCHS (training epochs; default the service's), SERVE_MEMORY_TARGET_MB (default 300),
 * SERVE_MEMORY_NO_BUILD=1 (use dist/ as it is instead of running `npm run build` first),
 * SERVE_MEMORY_TRAIN_QUERY (more training options as a query string, e.g. `quantize=int8`),
 * SERVE_MEMORY_NODE_ARGS (Node flags for every API process, e.g. `--max-semi-space-size=4`),
 * SERVE_MEMORY_ROUNDS (default 1: each round runs every variant once, in order; the comparison and the
 * target use the median over rounds; RSS varies by some 10 % from run to run here).
 * Exit code 1 when the compiled default-threads variant is above the target.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  freePort,
  loadAverage,
  memoryOf,
  processTree,
  root,
  startRedis,
  startService,
  waitFor200,
  type Child,
} from './lib/processes.js';
import { bbcFiles, classifyBatch, readJsonl, runBench, trainNdjson, waitForJob } from './lib/service.js';

const MODEL = 'bbc';
const requests = Number(process.env.SERVE_MEMORY_REQUESTS ?? 300);
const concurrency = Number(process.env.SERVE_MEMORY_CONCURRENCY ?? 4);
const targetMb = Number(process.env.SERVE_MEMORY_TARGET_MB ?? 300);
const rounds = Math.max(1, Number(process.env.SERVE_MEMORY_ROUNDS ?? 1));
const variants = (process.env.SERVE_MEMORY_VARIANTS ?? 'tsx,js,js:0,js:2').split(',').map((v) => v.trim());

interface Variant {
  name: string;
  runtime: 'tsx' | 'js';
  threads?: string;
}

function parseVariant(v: string): Variant {
  const [runtime, threads] = v.split(':');
  if (runtime !== 'tsx' && runtime !== 'js') throw new Error(`unknown variant "${v}" (tsx, js, tsx:N, js:N)`);
  const t = threads ?? process.env.INFERENCE_THREADS;
  return { name: v, runtime, ...(t !== undefined ? { threads: t } : {}) };
}

interface Figures {
  variant: Variant;
  pid: number;
  startMs: number;
  idleRssMb: number;
  rssMb: number;
  hwmMb: number;
  anonMb: number;
  fileMb: number;
  threads: number;
  childRssMb: number;
  failed: number;
  seconds: number;
}

/** Resident memory split into anonymous and file-backed (code, mapped files), in MB. */
function rollupOf(pid: number): { anonMb: number; fileMb: number } {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  const anon = kb('Anonymous');
  return { anonMb: anon / 1024, fileMb: (kb('Rss') - anon) / 1024 };
}

function threadsOf(pid: number): number {
  return Number(/^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}

/** One `ROLE=api` process of the variant on `redisUrl`, its pid the server's own (no npm wrapper). */
async function startApi(v: Variant, redisUrl: string, prefix: string): Promise<Child & { base: string }> {
  const port = await freePort();
  const flags = process.env.SERVE_MEMORY_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const entry =
    v.runtime === 'tsx' ? ['--import', 'tsx', join(root, 'src/main.ts')] : [join(root, 'dist/main.js')];
  const args = [...flags, ...entry];
  const proc = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ROLE: 'api',
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      ...(v.threads !== undefined ? { INFERENCE_THREADS: v.threads } : {}),
    },
  });
  if (proc.pid === undefined) throw new Error(`${v.name}: spawn failed`);
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-4000));
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const kill = () => proc.kill('SIGKILL');
  process.once('exit', kill);
  const child: Child = {
    name: `api ${v.name}`,
    pid: proc.pid,
    proc,
    tail: () => out.trim().split('\n').slice(-8).join('\n'),
    async stop() {
      process.off('exit', kill);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(kill, 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const base = `http://127.0.0.1:${port}`;
  await waitFor200(`${base}/readyz`, child);
  return { ...child, base };
}

/** `requests` single-text classifications, `concurrency` in flight; the number that failed. */
async function classifyMany(base: string, texts: string[]): Promise<number> {
  let next = 0;
  let failed = 0;
  const loop = async () => {
    for (let i = next++; i < requests; i = next++) {
      await classifyBatch(base, MODEL, [texts[i % texts.length] ?? 'x']).catch(() => failed++);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return failed;
}

async function measure(v: Variant, redisUrl: string, prefix: string, texts: string[]): Promise<Figures> {
  const t0 = Date.now();
  const api = await startApi(v, redisUrl, prefix);
  try {
    const startMs = Date.now() - t0;
    const idleRssMb = memoryOf(api.pid).rssMb;
    const t1 = Date.now();
    const failed = await classifyMany(api.base, texts);
    const seconds = (Date.now() - t1) / 1000;
    await new Promise((r) => setTimeout(r, 1000)); // let the last answers' garbage settle
    const { rssMb, hwmMb } = memoryOf(api.pid);
    const children = processTree(api.pid).slice(1);
    const childRssMb = children.reduce((n, p) => n + (existsSync(`/proc/${p}`) ? memoryOf(p).rssMb : 0), 0);
    return {
      variant: v,
      pid: api.pid,
      startMs,
      idleRssMb,
      rssMb,
      hwmMb,
      ...rollupOf(api.pid),
      threads: threadsOf(api.pid),
      childRssMb,
      failed,
      seconds,
    };
  } finally {
    await api.stop();
  }
}

/** The largest string value under the prefix: the artefact (no other key of one model comes close). */
async function artefactBytes(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  try {
    let max = 0;
    let cursor = '0';
    do {
      const [c, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = c;
      for (const k of keys) {
        if ((await redis.type(k)) === 'string') max = Math.max(max, await redis.strlen(k));
      }
    } while (cursor !== '0');
    return max;
  } finally {
    redis.disconnect();
  }
}

function build(): void {
  if (process.env.SERVE_MEMORY_NO_BUILD === '1') {
    if (!existsSync(join(root, 'dist/main.js')))
      throw new Error('dist/main.js is missing: run `npm run build`');
    return;
  }
  console.log('npm run build ...');
  const r = spawnSync(process.execPath, [join(root, 'scripts/build-dist.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status})`);
}

/** Trains bbc-news through a `ROLE=all` process (tsx) that is stopped afterwards. */
async function train(redisUrl: string, prefix: string, trainFile: string): Promise<number> {
  const trainer = await startService({ role: 'all', redisUrl, prefix, name: 'trainer' });
  try {
    const query: Record<string, string | number> = { model: MODEL };
    if (process.env.SERVE_MEMORY_EPOCHS) query.epochs = Number(process.env.SERVE_MEMORY_EPOCHS);
    for (const [k, v] of new URLSearchParams(process.env.SERVE_MEMORY_TRAIN_QUERY ?? '')) query[k] = v;
    console.log('training bbc-news through POST /train (ROLE=all, tsx) ...');
    const job = await waitForJob(trainer.base, await trainNdjson(trainer.base, trainFile, query));
    return job.version ?? NaN;
  } finally {
    await trainer.stop();
  }
}

const f0 = (x: number) => x.toFixed(0);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
}

function report(rows: Figures[], artefact: number): boolean {
  console.log('');
  console.log(
    `ROLE=api serving bbc-news (artefact ${(artefact / 1e6).toFixed(1)} MB in Redis); ${requests} POST /classify ` +
      `of one test article, ${concurrency} in flight; one process at a time, ${process.version}` +
      (process.env.SERVE_MEMORY_NODE_ARGS ? `, Node flags: ${process.env.SERVE_MEMORY_NODE_ARGS}` : ''),
  );
  console.log(
    '| variant | INFERENCE_THREADS | ready in ms | VmRSS at /readyz MB | VmRSS after MB | VmHWM MB | anon / file MB | threads | child RSS MB | failed |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const cmd =
      r.variant.runtime === 'tsx' ? 'tsx (node --import tsx src/main.ts)' : 'js (node dist/main.js)';
    console.log(
      `| ${cmd} | ${r.variant.threads ?? 'default'} | ${r.startMs} | ${f0(r.idleRssMb)} | ${f0(r.rssMb)} | ${f0(r.hwmMb)} | ` +
        `${f0(r.anonMb)} / ${f0(r.fileMb)} | ${r.threads} | ${f0(r.childRssMb)} | ${r.failed} |`,
    );
  }
  /** Median VmRSS and VmHWM over the rounds of the runtime's default-threads variant. */
  const def = (runtime: string) => {
    const runs = rows.filter((r) => r.variant.runtime === runtime && !r.variant.name.includes(':'));
    if (runs.length === 0) return undefined;
    return { rssMb: median(runs.map((r) => r.rssMb)), hwmMb: median(runs.map((r) => r.hwmMb)) };
  };
  const tsx = def('tsx');
  const js = def('js');
  const of = rounds > 1 ? `median of ${rounds} rounds` : 'one round';
  if (tsx && js) {
    console.log(
      `compiled vs tsx, default threads (${of}): VmRSS ${f0(js.rssMb)} vs ${f0(tsx.rssMb)} MB (${f0(js.rssMb - tsx.rssMb)}), ` +
        `VmHWM ${f0(js.hwmMb)} vs ${f0(tsx.hwmMb)} MB (${f0(js.hwmMb - tsx.hwmMb)})`,
    );
  }
  const ok = !js || js.rssMb <= targetMb;
  if (js) console.log(`target: compiled, default threads, VmRSS ≤ ${targetMb} MB: ${ok ? 'PASS' : 'MISS'}`);
  return ok && rows.every((r) => r.failed === 0);
}

async function main(): Promise<number> {
  const files = bbcFiles();
  if (!files) return 2;
  const parsed = variants.map(parseVariant);
  if (parsed.some((v) => v.runtime === 'js')) build();
  const texts = readJsonl(files.testFile).map((a) => a.text);
  console.log(`load average at start: ${loadAverage()}`);
  const redis = await startRedis();
  try {
    const prefix = `mem${Date.now()}`;
    const version = await train(redis.url, prefix, files.trainFile);
    const artefact = await artefactBytes(redis.url, prefix);
    console.log(
      `version ${version} published (${(artefact / 1e6).toFixed(1)} MB); measuring ${variants.join(', ')}`,
    );
    const rows: Figures[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const v of parsed) {
        const r = await measure(v, redis.url, prefix, texts);
        console.log(
          `  round ${round} ${v.name}: VmRSS ${f0(r.rssMb)} MB, VmHWM ${f0(r.hwmMb)} MB (${r.seconds.toFixed(1)} s)`,
        );
        rows.push(r);
      }
    }
    const ok = report(rows, artefact);
    console.log(`load average at end: ${loadAverage()}`);
    return ok ? 0 : 1;
  } finally {
    await redis.stop();
  }
}

runBench('bench:serve-memory', main);
