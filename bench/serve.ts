/**
 * `npm run bench:serve`: serving speed. A throw-away Redis, one worker that trains bbc-news and is then
 * stopped, and one API process (`ROLE=api`, `LOG_LEVEL=warn`) serving that model; a bare Express 5
 * JSON route in another process is the baseline. autocannon (in this process, which serves nothing)
 * posts one BBC test article per request, rotating through test.jsonl, to both.
 * Env: DATASETS_DIR, SERVE_SECONDS (per load run, default 10), SERVE_EPOCHS (training epochs; default
 * the service's), SERVE_BATCH (texts in the batch request, default 1000), BENCH_NODE_ARGS (Node flags for
 * the API process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`), SERVE_API_PROCESSES (the API's
 * `API_PROCESSES`, default 1; CPU and RSS are then summed over all its processes), SERVE_BARE_PROCESSES
 * (bare Express processes, default the same number: like with like). The service's own variables pass
 * through, e.g. `INFERENCE_THREADS=0` to classify on the API's main thread.
 */
import { cpus } from 'node:os';
import { load, type LoadResult } from './lib/load.js';
import {
  loadAverage,
  memoryOf,
  processTree,
  treeCpuSecondsOf,
  startBareExpress,
  startRedis,
  startService,
  type Child,
} from './lib/processes.js';
import {
  bbcFiles,
  classifyBatch,
  percentile,
  readJsonl,
  runBench,
  trainNdjson,
  waitForJob,
} from './lib/service.js';

const MODEL = 'bbc';
const seconds = Number(process.env.SERVE_SECONDS ?? 10);
const batchN = Number(process.env.SERVE_BATCH ?? 1000);
const apiProcesses = Number(process.env.SERVE_API_PROCESSES ?? 1);
// Like with like: as many bare Express processes as API processes, unless told otherwise.
const bareProcesses = Number(process.env.SERVE_BARE_PROCESSES ?? apiProcesses);

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const mark = (ok: boolean) => (ok ? 'PASS' : 'MISS');

async function main(): Promise<number> {
  const files = bbcFiles();
  if (!files) return 2;
  const { trainFile, testFile } = files;
  const test = readJsonl(testFile);
  const bodies = test.map((a) => JSON.stringify({ model: MODEL, text: a.text }));
  const meanBytes = bodies.reduce((n, b) => n + Buffer.byteLength(b), 0) / bodies.length;
  const children: Child[] = [];
  try {
    const loadStart = loadAverage();
    console.log(`load average at start: ${loadStart}`);
    const redis = await startRedis();
    children.push(redis);
    const prefix = `serve${Date.now()}`;
    const worker = await startService({ role: 'worker', redisUrl: redis.url, prefix });
    const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const api = await startService({
      role: 'api',
      redisUrl: redis.url,
      prefix,
      logLevel: 'warn',
      nodeArgs,
      env: { API_PROCESSES: String(apiProcesses) },
    });
    children.unshift(api, worker);

    const query: Record<string, string | number> = { model: MODEL };
    if (process.env.SERVE_EPOCHS) query.epochs = Number(process.env.SERVE_EPOCHS);
    console.log('training bbc-news through the API (worker process) ...');
    const job = await waitForJob(api.base, await trainNdjson(api.base, trainFile, query));
    const served = await classifyBatch(api.base, MODEL, [test[0]?.text ?? 'x']);
    console.log(`version ${job.version} trained; API serves version ${served.version}`);
    await worker.stop(); // frees its CPU; only the API process serves below
    children.splice(children.indexOf(worker), 1);

    const bare = await startBareExpress(bareProcesses);
    children.unshift(bare);
    const ours = `${api.base}/classify`;
    const base = `${bare.base}/classify`;

    console.log(`warm-up (3 s each), then ${seconds} s per run ...`);
    await load('warm', ours, bodies, 1, 3);
    await load('warm', base, bodies, 1, 3);
    const single = await load('ours, 1 connection', ours, bodies, 1, seconds);
    const bareSingle = await load('bare Express, 1 connection', base, bodies, 1, seconds);
    const bare0 = treeCpuSecondsOf(bare.pid);
    const bare32 = await load('bare Express, 32 connections', base, bodies, 32, seconds);
    const bareCpu = treeCpuSecondsOf(bare.pid) - bare0;
    const ours0 = treeCpuSecondsOf(api.pid);
    const ours32 = await load('ours, 32 connections', ours, bodies, 32, seconds);
    const oursCpu = treeCpuSecondsOf(api.pid) - ours0;
    const runs: LoadResult[] = [single, bareSingle, ours32, bare32];

    const texts = Array.from({ length: batchN }, (_, i) => test[i % test.length]?.text ?? '');
    const batchMs: number[] = [];
    // Meanwhile a probe asks GET /healthz every 5 ms: what a long batch does to other requests' latency.
    const probeMs: number[] = [];
    let probing = true;
    const probe = (async () => {
      while (probing) {
        const t = process.hrtime.bigint();
        await fetch(`${api.base}/healthz`).then((r) => r.arrayBuffer());
        probeMs.push(Number(process.hrtime.bigint() - t) / 1e6);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    for (let i = 0; i < 7; i++) {
      const t = process.hrtime.bigint();
      const out = await classifyBatch(api.base, MODEL, texts);
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (out.results.length !== batchN) throw new Error(`batch answered ${out.results.length} results`);
      if (i >= 2) batchMs.push(ms); // two warm-ups
    }
    probing = false;
    await probe;
    // With API_PROCESSES > 1 the supervisor and every API process (pages they share count twice).
    const mems = processTree(api.pid).map(memoryOf);
    const mem = {
      rssMb: mems.reduce((n, m) => n + m.rssMb, 0),
      hwmMb: mems.reduce((n, m) => n + m.hwmMb, 0),
    };
    const loadEnd = loadAverage();

    console.log('');
    console.log(
      `POST /classify, one BBC test article per request (${bodies.length} rotating bodies, mean ${Math.round(meanBytes)} B); ` +
        `load generator: autocannon in the bench process; server: ROLE=api pid ${api.pid}, ` +
        `API_PROCESSES=${apiProcesses}, INFERENCE_THREADS=${process.env.INFERENCE_THREADS ?? '1 (default)'}, LOG_LEVEL=warn; bare Express processes: ${bareProcesses}`,
    );
    console.log(
      '| run | req/s | p50 ms | p99 ms | max ms | requests | non-2xx | errors | server CPU µs/request (busy %) |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    const cpuOf = new Map([
      [bare32, bareCpu],
      [ours32, oursCpu],
    ]);
    for (const r of runs) {
      const c = cpuOf.get(r);
      const cpuCell =
        c === undefined
          ? ''
          : `${Math.round((c * 1e6) / r.requests)} (${Math.round((100 * c) / r.seconds)} %)`;
      console.log(
        `| ${r.label} | ${Math.round(r.rps)} | ${f2(r.p50)} | ${f2(r.p99)} | ${f1(r.max)} | ${r.requests} | ${r.non2xx} | ${r.errors} | ${cpuCell} |`,
      );
    }
    const ratio = ours32.rps / bare32.rps;
    const bMed = percentile(batchMs, 50);
    const checks: [string, string, string, boolean][] = [
      ['(a) 1 connection p50', `${f2(single.p50)} ms (p99 ${f2(single.p99)} ms)`, '< 3 ms', single.p50 < 3],
      ['(b) 32 connections req/s', `${Math.round(ours32.rps)}`, '≥ 1000', ours32.rps >= 1000],
      [
        '(b) 32 connections p99',
        `${f2(ours32.p99)} ms (p50 ${f2(ours32.p50)} ms)`,
        '< 100 ms',
        ours32.p99 < 100,
      ],
      [
        '(c) ours / bare Express at 32',
        `${(ratio * 100).toFixed(1)} % (${Math.round(ours32.rps)} / ${Math.round(bare32.rps)})`,
        '≥ 40 %',
        ratio >= 0.4,
      ],
      [
        `(d) batch of ${batchN} texts, median of 5`,
        `${f1(bMed)} ms (min ${f1(Math.min(...batchMs))}, max ${f1(Math.max(...batchMs))})`,
        '< 1000 ms',
        bMed < 1000,
      ],
      [
        `(d) GET /healthz during those batches (${probeMs.length} probes)`,
        `p50 ${f2(percentile(probeMs, 50))} ms, max ${f1(Math.max(...probeMs))} ms`,
        'report',
        true,
      ],
      [
        apiProcesses > 1
          ? `(e) RSS of the ${apiProcesses} API processes + supervisor, now / peak`
          : '(e) API process RSS now / peak',
        `${f1(mem.rssMb)} MB / ${f1(mem.hwmMb)} MB (VmRSS / VmHWM)`,
        'report',
        true,
      ],
      [
        'failed requests (all runs)',
        `${runs.reduce((n, r) => n + r.non2xx + r.errors, 0)}`,
        '0',
        runs.every((r) => r.non2xx + r.errors === 0),
      ],
    ];
    console.log('');
    console.log('| figure | value | target | |');
    console.log('| --- | --- | --- | --- |');
    for (const [name, value, target, ok] of checks) {
      console.log(`| ${name} | ${value} | ${target} | ${target === 'report' ? '' : mark(ok)} |`);
    }
    console.log(`load average: ${loadStart} at start, ${loadEnd} at end (${cpus().length} CPUs)`);
    return checks.every((c) => c[3]) ? 0 : 1;
  } finally {
    for (const c of children) await c.stop();
  }
}

runBench('bench:serve', main);
