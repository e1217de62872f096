/**
 * `npm run fuzz [-- --requests 10000 --concurrency 8 --seed 1]`: starts a private redis-server and the
 * service (`src/main.ts`, role `all`, API keys on) as its own process, trains two tiny models, then
 * sends fuzzed requests (bench/fuzz-requests.ts) to every endpoint and prints: requests, status mix,
 * 5xx count, connection errors, whether the process is still up, and datasets/jobs in Redis that no
 * accepted request created. Exits 1 when any of those is wrong.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { freePort, spawnRedisServer } from '../src/redis/index.js';
import { FUZZ_ENV, fuzzRequests, sendFuzz, type FuzzRequest } from './fuzz-requests.js';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '8' },
    seed: { type: 'string', default: '4' },
  },
});
const N = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);
const SEED = Number(args.seed);
const KEY = 'fuzz-key-train-and-classify-0001';
const PREFIX = 'fuzz';
const root = resolve(import.meta.dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const redisServer = await spawnRedisServer(process.env.REDIS_SERVER_BIN ?? 'redis-server', [
  '--save',
  '',
  '--appendonly',
  'no',
]);
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/main.ts')], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
  env: {
    ...process.env,
    ...FUZZ_ENV,
    ROLE: 'all',
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: redisServer.url,
    REDIS_PREFIX: PREFIX,
    TEXTCLF_BACKEND: process.env.TEXTCLF_BACKEND ?? 'wasm',
    LOG_LEVEL: 'info',
    SHUTDOWN_GRACE_MS: '2000',
    API_KEYS: `${KEY}:train+classify,fuzz-key-classify-only-00001:classify`,
  },
});
let exited: string | undefined;
server.once('exit', (code, signal) => (exited = `exit ${code ?? signal}`));
process.once('exit', () => {
  server.kill('SIGKILL');
  redisServer.signalStop();
});
// Server log: count error-level lines (pino level >= 50) and keep the tail for reports.
let errorLines = 0;
let tail = '';
let buffered = '';
const onLog = (d: Buffer) => {
  buffered += d.toString();
  const lines = buffered.split('\n');
  buffered = lines.pop() ?? '';
  for (const l of lines) {
    if (/"level":(5\d|60)/.test(l)) errorLines++;
    tail = `${tail}\n${l}`.slice(-3000);
  }
};
server.stdout.on('data', onLog);
server.stderr.on('data', onLog);

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`server ${exited} while waiting for ${what}:\n${tail}`);
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${tail}`);
    await sleep(200);
  }
}

const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
await until('/readyz', async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined));

// Seed models so classification and model routes reach their handlers.
const seedJobs: string[] = [];
for (const model of ['default', 'fuzz']) {
  const articles = [
    'goal match team win',
    'cup final striker',
    'bank shares market',
    'profit rates stock',
  ].flatMap((t, i) => [0, 1, 2].map((k) => ({ text: `${t} ${k}`, label: i < 2 ? 'sport' : 'business' })));
  const res = await fetch(`${base}/train`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ model, articles, options: { epochs: 3, minDf: 1 } }),
  });
  const { jobId } = (await res.json()) as { jobId: string };
  seedJobs.push(jobId);
  await until(`seed job ${model}`, async () => {
    const j = (await (await fetch(`${base}/jobs/${jobId}`, { headers: auth })).json()) as { status: string };
    if (j.status === 'failed' || j.status === 'cancelled') throw new Error(`seed job ${j.status}`);
    return j.status === 'succeeded' ? true : undefined;
  });
}

const requests = fc.sample(fuzzRequests(KEY), { numRuns: N, seed: SEED });
const statuses = new Map<number, number>();
const fives: string[] = [];
const connErrors: string[] = [];
const accepted = { jobs: new Set<string>(seedJobs), datasets: new Set<string>() };
let next = 0;
const t0 = Date.now();
const describe = (r: FuzzRequest) =>
  `${r.method} ${r.path} ${JSON.stringify(r.headers)} ${Buffer.from(r.body ?? [])
    .toString('utf8')
    .slice(0, 150)}`;
async function lane(): Promise<void> {
  while (next < requests.length) {
    const r = requests[next++] as FuzzRequest;
    const out = await sendFuzz(base, r);
    statuses.set(out.status, (statuses.get(out.status) ?? 0) + 1);
    if (out.status >= 500) fives.push(`${out.status} ${describe(r)} -> ${out.body}`);
    if (out.status === 0) connErrors.push(`${out.error} ${describe(r)}`);
    if (out.status === 202 && r.path.startsWith('/train')) {
      const b = JSON.parse(out.body ?? '{}') as { jobId: string; dataset: { hash: string } };
      accepted.jobs.add(b.jobId);
      accepted.datasets.add(b.dataset.hash);
    }
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, lane));
const seconds = (Date.now() - t0) / 1000;

const healthz = await fetch(`${base}/healthz`).then(
  (r) => r.status,
  () => 0,
);
const up = !exited && healthz === 200;

// Datasets of seed jobs count as accepted: read them from their job records.
const redis = new Redis(redisServer.url);
for (const id of seedJobs) {
  const hash = await redis.hget(`${PREFIX}:job:${id}`, 'datasetHash');
  if (hash) accepted.datasets.add(hash);
}
const jobKeys = (await redis.keys(`${PREFIX}:job:*`)).filter((k) => !k.endsWith(':checkpoint'));
const jobIds = jobKeys.map((k) => k.slice(`${PREFIX}:job:`.length));
const datasetHashes = new Set(
  (await redis.keys(`${PREFIX}:dataset:*`)).map((k) =>
    k.slice(`${PREFIX}:dataset:`.length).replace(/:meta$/, ''),
  ),
);
const strayJobs = jobIds.filter((id) => !accepted.jobs.has(id));
const strayDatasets = [...datasetHashes].filter((h) => !accepted.datasets.has(h));
const missingJobs = [...accepted.jobs].filter((id) => !jobIds.includes(id));
await redis.quit();

server.kill('SIGTERM');
await until('server exit', async () => (exited ? true : undefined), 20_000).catch(() =>
  server.kill('SIGKILL'),
);
await redisServer.stop();

const mix = [...statuses.entries()]
  .sort((a, b) => a[0] - b[0])
  .map(([s, n]) => `${s || 'conn-error'}:${n}`)
  .join(' ');
const rows: [string, string | number][] = [
  ['requests', requests.length],
  ['seconds', seconds.toFixed(1)],
  ['status mix', mix],
  ['5xx responses', fives.length],
  ['connection errors', connErrors.length],
  ['server error log lines', errorLines],
  ['process still up', up ? 'yes' : `no (${exited ?? `healthz ${healthz}`})`],
  ['accepted trainings (202)', accepted.jobs.size - seedJobs.length],
  ['job records in Redis', jobIds.length],
  ['stray jobs (not from a 202)', strayJobs.length],
  ['accepted jobs missing from Redis', missingJobs.length],
  ['datasets in Redis', datasetHashes.size],
  ['stray datasets (not from a 202)', strayDatasets.length],
];
process.stdout.write(`\nfuzz (seed ${SEED}, ${CONCURRENCY} concurrent)\n`);
for (const [k, v] of rows) process.stdout.write(`${k.padEnd(34)} ${v}\n`);
for (const f of fives.slice(0, 5)) process.stdout.write(`5xx: ${f}\n`);
for (const e of connErrors.slice(0, 5)) process.stdout.write(`conn: ${e}\n`);
if (errorLines > 0) process.stdout.write(`server log tail:\n${tail}\n`);
const ok =
  fives.length === 0 &&
  up &&
  strayJobs.length === 0 &&
  strayDatasets.length === 0 &&
  missingJobs.length === 0;
process.exit(ok ? 0 : 1);
