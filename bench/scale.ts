/**
 * `npm run bench:scale`: hot reload across processes. A throw-away Redis shared by 2 API processes
 * (`ROLE=api`) and 1 worker (`ROLE=worker`). 50 closed-loop clients classify BBC test articles
 * against both APIs (round-robin) the whole time, while a new version of the model is trained
 * through API #1, then another through API #2. For each, it reports how long after the job's
 * success (its `finishedAt`, and the moment this script's 50 ms poll saw `succeeded`) each API first
 * answered with the new version, and it counts failed requests (non-2xx or errors).
 * Env: DATASETS_DIR, SCALE_CLIENTS (default 50), SCALE_EPOCHS (epochs per training, default 5, to
 * keep the run short; 0 = the service's default), SCALE_POOL (`per-client`: each client has its own
 * keep-alive connection to each API, as separate client processes would; `shared`: one Node agent pool
 * per API for all clients, whose spare sockets can idle into the server's keep-alive timeout).
 */
import { startClients } from './lib/clients.js';
import { loadAverage, startRedis, startService, type Child, type ServiceProcess } from './lib/processes.js';
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
const LIMIT_MS = 2000;
const clients = Number(process.env.SCALE_CLIENTS ?? 50);
const epochs = Number(process.env.SCALE_EPOCHS ?? 5);
const pool = process.env.SCALE_POOL === 'shared' ? 'shared' : 'per-client';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function train(api: ServiceProcess, file: string, seed: number) {
  const query: Record<string, string | number> = { model: MODEL, seed };
  if (epochs > 0) query.epochs = epochs;
  const t = Date.now();
  const job = await waitForJob(api.base, await trainNdjson(api.base, file, query), { intervalMs: 50 });
  return { ...job, requestedAt: t };
}

async function main(): Promise<number> {
  const files = bbcFiles();
  if (!files) return 2;
  const { trainFile, testFile } = files;
  const test = readJsonl(testFile);
  const bodies = test.map((a) => JSON.stringify({ model: MODEL, text: a.text }));
  const children: Child[] = [];
  try {
    const loadStart = loadAverage();
    console.log(`load average at start: ${loadStart}`);
    const redis = await startRedis();
    children.push(redis);
    const prefix = `scale${Date.now()}`;
    const common = { redisUrl: redis.url, prefix, logLevel: 'warn' };
    const [worker, api1, api2] = await Promise.all([
      startService({ ...common, role: 'worker', name: 'worker' }),
      startService({ ...common, role: 'api', name: 'API #1' }),
      startService({ ...common, role: 'api', name: 'API #2' }),
    ]);
    children.unshift(worker, api1, api2);
    const apis = [api1, api2];
    console.log(
      `redis ${redis.url}; worker pid ${worker.pid}; API #1 ${api1.base} (pid ${api1.pid}); API #2 ${api2.base} (pid ${api2.pid})`,
    );

    const v1 = await train(api1, trainFile, 1);
    for (const api of apis) {
      while (
        (await classifyBatch(api.base, MODEL, ['warm']).catch(() => ({ version: 0 }))).version !== v1.version
      )
        await sleep(50);
    }
    console.log(`version ${v1.version} trained and served by both APIs; starting ${clients} clients`);

    const run = startClients(
      apis.map((a) => a.base),
      bodies,
      clients,
      pool,
    );
    const tRun = Date.now();
    await sleep(2000);
    const rows: string[] = [];
    const finishes: number[] = [];
    let allOk = true;
    for (const [i, via] of apis.entries()) {
      const job = await train(via, trainFile, 2 + i);
      const version = job.version ?? -1;
      const finished = Date.parse(job.finishedAt ?? '');
      finishes.push(finished);
      const deadline = Date.now() + 30_000;
      while (run.stats.firstSeen.some((m) => !m.has(version)) && Date.now() < deadline) await sleep(20);
      const cells = run.stats.firstSeen.map((m) => {
        const at = m.get(version);
        if (at === undefined) return { text: 'not within 30 s', ok: false };
        const d = at - finished;
        return { text: `${d} ms (poll +${at - job.seenAt} ms)`, ok: d <= LIMIT_MS };
      });
      const ok = cells.every((c) => c.ok);
      allOk &&= ok;
      rows.push(
        `| ${i + 1} | API #${i + 1} | ${version} | ${((finished - job.requestedAt) / 1000).toFixed(1)} s | ${cells.map((c) => c.text).join(' | ')} | ${ok ? 'PASS' : 'MISS'} |`,
      );
      console.log(rows.at(-1));
    }
    await sleep(1000);
    await run.stop();
    const seconds = (Date.now() - tRun) / 1000;
    const s = run.stats;
    const loadEnd = loadAverage();

    console.log('');
    console.log(
      `2 API processes + 1 worker on one Redis; ${clients} closed-loop clients (this process) post one BBC test article per request, round-robin over both APIs, for the whole run (keep-alive connections: ${pool === 'shared' ? 'one shared pool per API' : 'one per client and API'}).`,
    );
    console.log(
      'Delay = time the first answer carrying the new version was received from that API − the job\'s finishedAt (set by the worker after publishing). "poll +" = the same time − when this script\'s 50 ms poll of GET /jobs/{id} saw succeeded.',
    );
    console.log(
      '| training | via | new version | train request→finishedAt | API #1 serves it after | API #2 serves it after | ≤ 2 s |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rows) console.log(r);
    console.log('');
    console.log('| figure | value | target | |');
    console.log('| --- | --- | --- | --- |');
    console.log(
      `| requests during the run | ${s.requests} in ${seconds.toFixed(1)} s (${Math.round(s.requests / seconds)} req/s) | | |`,
    );
    console.log(
      `| client latency p50 / p99 | ${percentile(s.latenciesMs, 50).toFixed(1)} ms / ${percentile(s.latenciesMs, 99).toFixed(1)} ms | | |`,
    );
    console.log(
      `| failed requests (non-2xx or errors) | ${s.failures} | 0 | ${s.failures === 0 ? 'PASS' : 'MISS'} |`,
    );
    console.log(
      `| answers older than one already served by that API | ${s.regressions} | 0 | ${s.regressions === 0 ? 'PASS' : 'MISS'} |`,
    );
    for (const f of s.failureSamples) console.log(`failure: ${f}`);
    if (s.failures > 0) {
      const rel = (t: number) => ((t - tRun) / 1000).toFixed(1);
      console.log(
        `failures at s after the clients started: ${s.failureTimes.map(rel).join(', ')}; jobs finished at ${finishes.map(rel).join(', ')}`,
      );
    }
    console.log(`load average: ${loadStart} at start, ${loadEnd} at end`);
    return allOk && s.failures === 0 && s.regressions === 0 ? 0 : 1;
  } finally {
    for (const c of children) await c.stop();
  }
}

runBench('bench:scale', main);
