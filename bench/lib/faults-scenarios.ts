/**
 * The scenarios of `npm run faults`. Each returns one table row; all share one Redis (AOF), one
 * API process and the worker processes they start, so later scenarios also check that nothing the
 * earlier ones stored was lost.
 */
import { silentLogger } from '../../src/log/index.js';
import { createRedis, makeKeys } from '../../src/redis/index.js';
import { audit, cpuMeter, service, type AofRedis, type CountingHttp } from './faults-env.js';
import { load } from './load.js';
import type { ServiceProcess } from './processes.js';
import type { Article } from './service.js';
import { readFileSync } from 'node:fs';

/** One row of the table. */
export interface Row {
  scenario: string;
  sent: number;
  failed: number;
  jobsLost: number;
  versionsCorrupted: number;
  figures: string;
  pass: boolean;
  notes: string[];
}

/** State shared by the scenarios. */
export interface Ctx {
  redis: AofRedis;
  prefix: string;
  api: ServiceProcess;
  http: CountingHttp;
  trainFile: string;
  test: Article[];
  workers: ServiceProcess[];
  /** Everything that must survive: job ids, dataset hashes, versions per model. */
  expect: { jobs: string[]; datasets: string[]; versions: Map<string, number[]> };
  /** Seconds per training epoch measured in scenario a (sizes the load scenario's training). */
  secondsPerEpoch?: number;
}

export const MODEL = 'bbc';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface JobBody {
  jobId: string;
  status: string;
  version?: number;
  error?: string;
  attempts?: number;
  datasetHash?: string;
  progress?: { epoch: number; epochs: number } | null;
  startedAt?: string;
  finishedAt?: string;
}

/** Progress events of one job, from its pub/sub channel (survives Redis restarts: ioredis resubscribes). */
export async function watchJob(ctx: Ctx, jobId: string) {
  const sub = createRedis(ctx.redis.url, 'subscriber', silentLogger);
  const events: { epoch: number; at: number }[] = [];
  await sub.subscribe(makeKeys(ctx.prefix).jobChannel(jobId));
  sub.on('message', (_ch: string, msg: string) => {
    const e = JSON.parse(msg) as { type: string; job: JobBody };
    if (e.type === 'progress' && e.job.progress) events.push({ epoch: e.job.progress.epoch, at: Date.now() });
  });
  return {
    events,
    maxEpoch: () => Math.max(0, ...events.map((e) => e.epoch)),
    close: () => sub.quit().catch(() => sub.disconnect()),
  };
}

export async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export async function submit(ctx: Ctx, query: Record<string, string | number>): Promise<JobBody> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
  const r = await ctx.http.send(`${ctx.api.base}/train?${qs}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: readFileSync(ctx.trainFile),
  });
  const job = r?.body as JobBody | undefined;
  if (!job?.jobId) throw new Error(`POST /train failed: ${JSON.stringify(r?.body).slice(0, 300)}`);
  ctx.expect.jobs.push(job.jobId);
  return job;
}

export async function waitJob(ctx: Ctx, jobId: string, timeoutMs = 15 * 60_000): Promise<JobBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await ctx.http.send(`${ctx.api.base}/jobs/${jobId}`);
    const job = r?.body as JobBody | undefined;
    if (job && ['succeeded', 'failed', 'cancelled'].includes(job.status)) {
      if (job.datasetHash && !ctx.expect.datasets.includes(job.datasetHash))
        ctx.expect.datasets.push(job.datasetHash);
      if (job.status === 'succeeded' && job.version !== undefined) {
        ctx.expect.versions.set(MODEL, [...(ctx.expect.versions.get(MODEL) ?? []), job.version]);
      }
      return job;
    }
    if (Date.now() > deadline) throw new Error(`job ${jobId} not finished after ${timeoutMs} ms`);
    await sleep(500);
  }
}

async function accuracy(ctx: Ctx): Promise<number> {
  let correct = 0;
  for (let i = 0; i < ctx.test.length; i += 100) {
    const chunk = ctx.test.slice(i, i + 100);
    const r = await ctx.http.send(`${ctx.api.base}/classify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, texts: chunk.map((a) => a.text) }),
    });
    const out = r?.body as { results?: { label: string }[] } | undefined;
    out?.results?.forEach((p, k) => (correct += p.label === chunk[k]?.label ? 1 : 0));
  }
  return correct / ctx.test.length;
}

function classifyOne(ctx: Ctx, text: string) {
  return ctx.http.send(`${ctx.api.base}/classify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, text }),
  });
}

export async function row(
  ctx: Ctx,
  scenario: string,
  jobIds: string[],
  figures: string[],
  checks: [boolean, string][],
): Promise<Row> {
  const a = await audit(ctx.redis.url, ctx.prefix, ctx.expect);
  const mine = a.jobsNotSucceeded.filter((s) => jobIds.some((id) => s.startsWith(id)));
  const jobsLost = a.jobsLost + mine.length;
  const all: [boolean, string][] = [
    ...checks,
    [ctx.http.failed === 0, `${ctx.http.failed} failed requests`],
    [jobsLost === 0, `${jobsLost} jobs lost`],
    [a.datasetsLost === 0, `${a.datasetsLost} datasets lost`],
    [a.versionsLost === 0, `${a.versionsLost} versions lost`],
    [a.versionsCorrupted === 0, `${a.versionsCorrupted} versions corrupted`],
  ];
  return {
    scenario,
    sent: ctx.http.sent,
    failed: ctx.http.failed,
    jobsLost,
    versionsCorrupted: a.versionsCorrupted,
    figures: [
      ...figures,
      `datasets lost ${a.datasetsLost}, versions lost ${a.versionsLost} (stored: ${[...a.versions].map(([m, v]) => `${m} v${v.join(',')}`).join('; ')})`,
    ].join('; '),
    pass: all.every(([ok]) => ok),
    notes: [...all.filter(([ok]) => !ok).map(([, why]) => why), ...ctx.http.failures, ...mine],
  };
}

/** a. kill -9 of the worker at epoch 3 of 10; a new worker takes over and resumes. */
export async function workerKill(ctx: Ctx): Promise<Row> {
  ctx.http.reset();
  const w1 = await service('worker', ctx.redis.url, ctx.prefix, 'worker #1');
  const job = await submit(ctx, { model: MODEL, epochs: 10, validationSplit: 0, seed: 1 });
  const watch = await watchJob(ctx, job.jobId);
  const t0 = Date.now();
  await until(() => watch.maxEpoch() >= 3, 10 * 60_000, 'epoch 3');
  w1.proc.kill('SIGKILL');
  const killedAt = Date.now();
  const killedAfter = watch.maxEpoch();
  const client = createRedis(ctx.redis.url, 'client', silentLogger);
  const stored = await client.hget(makeKeys(ctx.prefix).job(job.jobId), 'checkpointEpoch');
  const ckptMb = (await client.strlen(makeKeys(ctx.prefix).jobCheckpoint(job.jobId))) / 1e6;
  await client.quit();
  const seconds = (killedAt - t0) / 1000;
  const epochsAtKill = watch.events.filter((e) => e.at <= killedAt);
  const first = epochsAtKill[0];
  const last = epochsAtKill.at(-1);
  if (first && last && last.epoch > first.epoch)
    ctx.secondsPerEpoch = (last.at - first.at) / 1000 / (last.epoch - first.epoch);
  await w1.stop();
  const w2 = await service('worker', ctx.redis.url, ctx.prefix, 'worker #2');
  ctx.workers.push(w2);
  const startedW2 = Date.now();
  const done = await waitJob(ctx, job.jobId);
  await watch.close();
  const after = watch.events.filter((e) => e.at >= startedW2);
  const resumedAt = after[0]?.epoch ?? 0;
  const versions = ctx.expect.versions.get(MODEL) ?? [];
  const acc = done.status === 'succeeded' ? await accuracy(ctx) : 0;
  return row(
    ctx,
    'a. worker kill -9 at epoch 3/10 (bbc-news)',
    [job.jobId],
    [
      `killed after epoch ${killedAfter} (${seconds.toFixed(0)} s in; checkpoint stored: epoch ${stored ?? 'none'}, ${ckptMb.toFixed(0)} MB)`,
      `new worker's first epoch ${resumedAt} (resumed from checkpoint of epoch ${resumedAt - 1}), ${after[0] ? ((after[0].at - killedAt) / 1000).toFixed(1) : '?'} s after the kill`,
      `job ${done.status}, attempts ${done.attempts}, version ${done.version}`,
      `versions published ${versions.length}`,
      `test accuracy ${acc.toFixed(4)}`,
    ],
    [
      [done.status === 'succeeded', `job ${done.status}: ${done.error ?? ''}`],
      [resumedAt - 1 >= 3, `resumed from epoch ${resumedAt - 1} < 3`],
      [versions.length === 1, `${versions.length} versions published`],
      [acc >= 0.98, `accuracy ${acc} < 0.98`],
    ],
  );
}

/** Stops Redis for `downMs` while classifying from memory and watching /readyz; returns the figures. */
async function redisOutage(ctx: Ctx, downMs: number) {
  await ctx.redis.stop();
  const t0 = Date.now();
  let classified = 0;
  let classifyFailed = 0;
  let notReady = 0;
  let probes = 0;
  while (Date.now() - t0 < downMs) {
    const c = await classifyOne(ctx, ctx.test[classified % ctx.test.length]!.text);
    classified++;
    if (!c || c.status !== 200) classifyFailed++;
    const r = await ctx.http.send(`${ctx.api.base}/readyz`, {}, (s) => s === 503);
    probes++;
    if (r?.status === 503) notReady++;
    await sleep(100);
  }
  await ctx.redis.start();
  const restarted = Date.now();
  while (
    (await fetch(`${ctx.api.base}/readyz`).then(
      (r) => r.status,
      () => 0,
    )) !== 200
  )
    await sleep(50);
  const readyAfter = Date.now() - restarted;
  return {
    figures: [
      `Redis down ${(downMs / 1000).toFixed(1)} s: ${classified} classify requests from memory, ${classifyFailed} failed; /readyz 503 in ${notReady}/${probes} probes`,
      `/readyz 200 again ${readyAfter} ms after restart`,
    ],
    checks: [
      [classifyFailed === 0, `${classifyFailed} classify requests failed while Redis was down`],
      [notReady === probes, `/readyz said ready in ${probes - notReady} probes while Redis was down`],
    ] as [boolean, string][],
  };
}

/** b1. Redis restarted while idle. */
export async function redisRestartIdle(ctx: Ctx, downMs: number): Promise<Row> {
  ctx.http.reset();
  const out = await redisOutage(ctx, downMs);
  const acc = await accuracy(ctx);
  return row(
    ctx,
    'b1. Redis restart while idle',
    [],
    [...out.figures, `accuracy after ${acc.toFixed(4)}`],
    out.checks,
  );
}

/** b2. Redis restarted while a training job runs. */
export async function redisRestartTraining(ctx: Ctx, downMs: number): Promise<Row> {
  ctx.http.reset();
  const job = await submit(ctx, { model: MODEL, epochs: 10, validationSplit: 0, seed: 2 });
  const watch = await watchJob(ctx, job.jobId);
  await until(() => watch.maxEpoch() >= 2, 10 * 60_000, 'epoch 2');
  const at = watch.maxEpoch();
  const out = await redisOutage(ctx, downMs);
  const done = await waitJob(ctx, job.jobId);
  await watch.close();
  return row(
    ctx,
    'b2. Redis restart while training',
    [job.jobId],
    [
      `restarted after epoch ${at}`,
      ...out.figures,
      `job ${done.status}, attempts ${done.attempts}, version ${done.version}`,
    ],
    [...out.checks, [done.status === 'succeeded', `job ${done.status}: ${done.error ?? ''}`]],
  );
}

/** c. Classification under load while a training job runs and its version is swapped in. */
export async function loadDuringTraining(ctx: Ctx, seconds: number, connections: number): Promise<Row[]> {
  const url = `${ctx.api.base}/classify`;
  const bodies = ctx.test.map((a) => JSON.stringify({ model: MODEL, text: a.text }));
  ctx.http.reset();
  const pids = () => ({
    API: ctx.api.pid,
    ...Object.fromEntries(ctx.workers.map((w) => [w.name, w.pid])),
    redis: ctx.redis.pid,
  });
  const meterBase = cpuMeter(pids());
  const base = await load('baseline', url, bodies, connections, seconds);
  const cpuBase = meterBase();
  const baseRow: Row = {
    scenario: `c0. baseline: ${seconds} s classify, ${connections} connections, no training`,
    sent: base.requests,
    failed: base.non2xx + base.errors,
    jobsLost: 0,
    versionsCorrupted: 0,
    figures: `${base.rps.toFixed(0)} req/s, p50 ${base.p50.toFixed(1)} ms, p99 ${base.p99.toFixed(1)} ms, max ${base.max.toFixed(0)} ms; ${cpuBase}`,
    pass: base.non2xx + base.errors === 0,
    notes: [],
  };
  // Training runs through the whole window: a short job whose version is published and swapped in
  // early, then a long one that is still training when the window closes (and is cancelled then:
  // cancellation is final, it must publish nothing).
  const before = (await classifyOne(ctx, 'warm'))?.body as { version?: number } | undefined;
  const t0 = Date.now();
  const meter = cpuMeter(pids());
  const running = load('training', url, bodies, connections, seconds);
  await sleep(1000);
  const short = await submit(ctx, { model: MODEL, epochs: 2, validationSplit: 0, seed: 3 });
  let swapAt: number | undefined;
  let stop = false;
  const poller = (async () => {
    while (!stop) {
      const r = await classifyOne(ctx, 'a quick poll of the served version');
      const v = (r?.body as { version?: number } | undefined)?.version;
      if (swapAt === undefined && v !== undefined && v !== before?.version) swapAt = Date.now();
      await sleep(250);
    }
  })();
  const chain = (async () => {
    const first = await waitJob(ctx, short.jobId);
    const long = await submit(ctx, { model: MODEL, epochs: 500, validationSplit: 0, seed: 5 });
    ctx.expect.jobs.pop(); // it is cancelled on purpose, checked below
    return { first, long };
  })();
  const res = await running;
  const cpu = meter();
  const windowEnd = Date.now();
  stop = true;
  await poller;
  const { first, long } = await chain;
  const longAtEnd = (await ctx.http.send(`${ctx.api.base}/jobs/${long.jobId}`))?.body as JobBody | undefined;
  await ctx.http.send(`${ctx.api.base}/jobs/${long.jobId}`, { method: 'DELETE' });
  const cancelled = await waitJob(ctx, long.jobId);
  await sleep(3000); // a cancelled job's thread stops between batches; it must not publish
  const versionsNow = (await ctx.http.send(`${ctx.api.base}/models/${MODEL}/versions`))?.body as
    { versions?: unknown[] } | unknown[];
  const count = Array.isArray(versionsNow) ? versionsNow.length : (versionsNow.versions?.length ?? -1);
  const expected = ctx.expect.versions.get(MODEL)?.length ?? 0;
  const trainedFrom = first.startedAt ? Date.parse(first.startedAt) : NaN;
  const coverage = (windowEnd - Math.max(t0, trainedFrom)) / (windowEnd - t0);
  const ratio = res.rps / base.rps;
  const failed = res.non2xx + res.errors;
  const r = await row(
    ctx,
    `c. ${seconds} s classify, ${connections} connections, training + hot swap`,
    [short.jobId],
    [
      `${res.rps.toFixed(0)} req/s = ${(100 * ratio).toFixed(0)}% of baseline`,
      `p50 ${res.p50.toFixed(1)} ms, p99 ${res.p99.toFixed(1)} ms, max ${res.max.toFixed(0)} ms`,
      `training during ${(100 * coverage).toFixed(0)}% of the window (2-epoch job ${first.status} v${first.version}, then a 500-epoch job ${longAtEnd?.status ?? '?'} at epoch ${longAtEnd?.progress?.epoch ?? 0} when the window closed, then ${cancelled.status})`,
      `new version served from ${swapAt ? `${((swapAt - t0) / 1000).toFixed(1)} s` : 'never within the window'}`,
      cpu,
    ],
    [
      [failed === 0, `${failed} failed load requests`],
      [res.p99 < 250, `p99 ${res.p99.toFixed(1)} ms ≥ 250`],
      [ratio >= 0.7, `throughput ${(100 * ratio).toFixed(0)}% < 70% of baseline`],
      [swapAt !== undefined && swapAt - t0 <= seconds * 1000, 'new version not swapped in within the window'],
      [first.status === 'succeeded', `job ${first.status}`],
      [longAtEnd?.status === 'running', `the long job was ${longAtEnd?.status} when the window closed`],
      [
        cancelled.status === 'cancelled' && count === expected,
        `cancelled job: ${cancelled.status}, ${count} versions (expected ${expected})`,
      ],
    ],
  );
  return [baseRow, { ...r, sent: r.sent + res.requests, failed: r.failed + failed }];
}

/** Trains a version without faults (when scenario a is skipped); records secondsPerEpoch. */
export async function trainPlain(ctx: Ctx, epochs: number): Promise<void> {
  const t = Date.now();
  const job = await submit(ctx, { model: MODEL, epochs, validationSplit: 0, seed: 4 });
  const done = await waitJob(ctx, job.jobId);
  if (done.status !== 'succeeded') throw new Error(`training failed: ${done.error ?? done.status}`);
  ctx.secondsPerEpoch = (Date.now() - t) / 1000 / epochs;
}
