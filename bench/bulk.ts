/**
 * `npm run bench:bulk [-- N]`: a bulk classification job over N lines (default 1,000,000) of the
 * synthetic corpus (`../shared/bench/synthetic-corpus.mjs`, made under BULK_DIR if missing), text
 * only, through the service: a throw-away Redis, one API process and one worker process (`ROLE=worker`,
 * started after a separate worker trained the model on the corpus's first BULK_TRAIN lines and was
 * stopped, so its memory figures are the bulk job's alone). Reports the upload, the job's wall time and
 * texts/s, the worker's peak RSS, and `POST /classify` latency (autocannon at a fixed BULK_RATE
 * requests/s, one text each) without a bulk job, during the upload and while the worker classifies.
 * Env: BULK_DIR (default /tmp/textclf-bulk), BULK_TRAIN (default 20000), BULK_RATE (default 200),
 * BULK_TOPK (default 3); the service's own variables pass through (e.g. BULK_CHUNK_LINES).
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import autocannon from 'autocannon';
import { loadAverage, memoryOf, root, startRedis, startService, type Child } from './lib/processes.js';
import { percentile, runBench, trainNdjson, waitForJob } from './lib/service.js';

const MODEL = 'synth';
const lines = Number(process.argv[2] ?? process.env.BULK_LINES ?? 1_000_000);
const dir = resolve(process.env.BULK_DIR ?? '/tmp/textclf-bulk');
const trainLines = Number(process.env.BULK_TRAIN ?? 20_000);
const rate = Number(process.env.BULK_RATE ?? 200);
const topK = Number(process.env.BULK_TOPK ?? 3);
const f1 = (x: number) => x.toFixed(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The corpus file (made once) and a training slice of its first lines, with labels. */
function corpus(): { file: string; trainFile: string; texts: string[] } {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `synthetic-${lines}.jsonl`);
  if (!existsSync(file)) {
    const gen = join(root, '..', 'shared', 'bench', 'synthetic-corpus.mjs');
    const r = spawnSync(process.execPath, [gen, String(lines), file], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`synthetic-corpus.mjs failed (${r.status})`);
  }
  const trainFile = join(dir, `train-${trainLines}.jsonl`);
  spawnSync('sh', ['-c', `head -n ${trainLines} '${file}' > '${trainFile}'`]);
  const head = readFileSync(trainFile, 'utf8').split('\n').slice(0, 500);
  const texts = head.map((l) => (JSON.parse(l) as { text: string }).text);
  return { file, trainFile, texts };
}

/** Open-loop `POST /classify` load at `rate` requests/s until stopped; exact percentiles of 2xx times. */
function startLoad(base: string, texts: string[]) {
  const times: number[] = [];
  let non2xx = 0;
  const started = Date.now();
  const opts = {
    url: `${base}/classify`,
    connections: 8,
    overallRate: rate,
    duration: 3600,
    requests: texts.map((t) => ({
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, text: t }),
    })),
  };
  let stopper = (): void => undefined;
  const done = new Promise<void>((res) => {
    const inst = autocannon(opts, () => res());
    inst.on('response', (_c: unknown, status: number, _b: number, ms: number) => {
      if (status >= 200 && status < 300) times.push(ms);
      else non2xx++;
    });
    stopper = () => (inst as unknown as { stop(): void }).stop();
  });
  return async () => {
    stopper();
    await done;
    const s = (Date.now() - started) / 1000;
    return {
      requests: times.length,
      rps: times.length / s,
      p50: percentile(times, 50),
      p99: percentile(times, 99),
      non2xx,
    };
  };
}

/** Streams the corpus as `{id, text}` lines, gzipped, to `POST /classify/jobs`. */
async function upload(base: string, file: string): Promise<{ jobId: string; seconds: number }> {
  const t = Date.now();
  async function* body() {
    let i = 0;
    let batch: string[] = [];
    for await (const line of createInterface({ input: createReadStream(file) })) {
      if (!line) continue;
      batch.push(JSON.stringify({ id: String(i++), text: (JSON.parse(line) as { text: string }).text }));
      if (batch.length === 2000) {
        yield batch.join('\n') + '\n';
        batch = [];
      }
    }
    if (batch.length) yield batch.join('\n') + '\n';
  }
  const url = new URL(`${base}/classify/jobs?model=${MODEL}&topK=${topK}`);
  const req = request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
  });
  const answer = new Promise<{ status: number; text: string }>((res, rej) => {
    req.on('response', (r) => {
      let text = '';
      r.on('data', (d: Buffer) => (text += d.toString()));
      r.on('end', () => res({ status: r.statusCode ?? 0, text }));
    });
    req.on('error', rej);
  });
  await pipeline(Readable.from(body()), createGzip({ level: 1 }), req);
  const { status, text } = await answer;
  if (status !== 202) throw new Error(`POST /classify/jobs: ${status} ${text}`);
  return { jobId: (JSON.parse(text) as { jobId: string }).jobId, seconds: (Date.now() - t) / 1000 };
}

interface BulkJob {
  status: string;
  progress: { processed: number; total: number };
  startedAt?: string;
  finishedAt?: string;
  error?: string;
}

/** Polls the job to its end, sampling the worker's RSS. */
async function follow(base: string, jobId: string, worker: Child): Promise<BulkJob & { peakRssMb: number }> {
  let peakRssMb = 0;
  let last = 0;
  for (;;) {
    peakRssMb = Math.max(peakRssMb, memoryOf(worker.pid).rssMb);
    const job = (await (await fetch(`${base}/classify/jobs/${jobId}`)).json()) as BulkJob;
    if (job.status === 'succeeded') return { ...job, peakRssMb };
    if (job.status === 'failed' || job.status === 'cancelled')
      throw new Error(`bulk job ${job.status}: ${job.error}`);
    if (Date.now() - last > 10_000) {
      last = Date.now();
      console.log(`  ${job.status}: ${job.progress.processed}/${job.progress.total}`);
    }
    await sleep(200);
  }
}

/** Reads the results; checks there is one per line, ids in input order. */
async function download(
  base: string,
  jobId: string,
): Promise<{ lines: number; mb: number; seconds: number }> {
  const t = Date.now();
  const res = await fetch(`${base}/classify/jobs/${jobId}/results`);
  if (!res.ok || !res.body) throw new Error(`results: HTTP ${res.status}`);
  let n = 0;
  let bytes = 0;
  for await (const line of createInterface({ input: Readable.fromWeb(res.body as never) })) {
    bytes += Buffer.byteLength(line) + 1;
    const id = /^\{"id":"(\d+)"/.exec(line)?.[1];
    if (id !== String(n)) throw new Error(`result ${n + 1} has id ${id}`);
    n++;
  }
  return { lines: n, mb: bytes / 1e6, seconds: (Date.now() - t) / 1000 };
}

async function main(): Promise<number> {
  const { file, trainFile, texts } = corpus();
  console.log(`load average at start: ${loadAverage()}; ${lines} lines in ${file}`);
  const children: Child[] = [];
  try {
    const redis = await startRedis();
    children.push(redis);
    const common = { redisUrl: redis.url, prefix: `bulk${Date.now()}`, logLevel: 'warn' };
    const env = { MAX_BODY_BYTES: String(2_000_000_000), MAX_DOCUMENTS: String(Math.max(lines, trainLines)) };
    const api = await startService({ ...common, role: 'api', name: 'api', env });
    children.unshift(api);
    const trainer = await startService({ ...common, role: 'worker', name: 'trainer', env });
    const query = { model: MODEL, epochs: 3, maxFeatures: 50_000, hiddenUnits: 32 };
    const trained = await waitForJob(api.base, await trainNdjson(api.base, trainFile, query));
    console.log(`trained version ${trained.version} on ${trainLines} lines; trainer stopped`);
    await trainer.stop();
    const worker = await startService({ ...common, role: 'worker', name: 'worker', env });
    children.unshift(worker);
    const idleRssMb = memoryOf(worker.pid).rssMb;

    await sleep(1000);
    const quiet = async () => {
      const stop = startLoad(api.base, texts);
      await sleep(15_000);
      return stop();
    };
    const baseline = await quiet();
    const duringUploadStop = startLoad(api.base, texts);
    const t0 = Date.now();
    const up = await upload(api.base, file);
    const duringUpload = await duringUploadStop();
    console.log(`uploaded in ${f1(up.seconds)} s; job ${up.jobId} queued`);
    const duringJobStop = startLoad(api.base, texts);
    const job = await follow(api.base, up.jobId, worker);
    const wall = (Date.now() - t0) / 1000;
    const duringJob = await duringJobStop();
    const runS = (Date.parse(job.finishedAt ?? '') - Date.parse(job.startedAt ?? '')) / 1000;
    const hwm = memoryOf(worker.pid).hwmMb;
    const dl = await download(api.base, up.jobId);
    const afterwards = await quiet();

    console.log(
      `\nbulk job over ${lines.toLocaleString('en')} synthetic lines (topK ${topK}); /classify at ${rate} req/s`,
    );
    console.log('| measure | value |\n| --- | --- |');
    console.log(`| upload (gzip NDJSON, stored in chunks as it streams) | ${f1(up.seconds)} s |`);
    console.log(
      `| job run on the worker (startedAt → finishedAt) | ${f1(runS)} s, ${Math.round(lines / runS).toLocaleString('en')} texts/s |`,
    );
    console.log(
      `| wall time, upload start → succeeded | ${f1(wall)} s, ${Math.round(lines / wall).toLocaleString('en')} texts/s |`,
    );
    console.log(
      `| worker RSS: idle / peak during the job (VmHWM) | ${f1(idleRssMb)} / ${f1(job.peakRssMb)} (${f1(hwm)}) MB |`,
    );
    console.log(
      `| results download | ${dl.lines.toLocaleString('en')} lines, ${f1(dl.mb)} MB in ${f1(dl.seconds)} s |`,
    );
    console.log(
      '\n| POST /classify | requests | req/s | p50 ms | p99 ms | non-2xx |\n| --- | --- | --- | --- | --- | --- |',
    );
    for (const [label, r] of [
      ['no bulk job (before)', baseline],
      ['during the upload', duringUpload],
      ['during the job', duringJob],
      ['no bulk job (after)', afterwards],
    ] as const) {
      console.log(`| ${label} | ${r.requests} | ${f1(r.rps)} | ${f1(r.p50)} | ${f1(r.p99)} | ${r.non2xx} |`);
    }
    return dl.lines === lines ? 0 : 1;
  } finally {
    for (const c of children) await c.stop();
  }
}

runBench('bench:bulk', main);
