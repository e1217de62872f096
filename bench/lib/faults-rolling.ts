/**
 * Scenario e of `npm run faults`: a rolling restart as Kubernetes does one. Two API processes sit
 * behind a stand-in for a Service (the client's list of endpoints) while 50 clients classify and a
 * job trains; every API process, then every worker, is replaced one by one: an API process leaves
 * the endpoints first (the preStop pause), then gets SIGTERM and drains; its replacement joins once
 * `/readyz` answers. A worker gets SIGTERM (it hands its job back) and a new one starts. Wanted: no
 * failed request, the job resumes and succeeds, one new version.
 */
import { service } from './faults-env.js';
import { MODEL, row, submit, until, waitJob, watchJob, type Ctx, type Row } from './faults-scenarios.js';
import type { ServiceProcess } from './processes.js';

const CLIENTS = Number(process.env.FAULTS_ROLLING_CLIENTS ?? 50);
/** How long a leaving endpoint still gets requests already routed to it (the preStop pause). */
const DEREGISTER_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 50 clients classifying in a loop against whatever endpoints are listed now. */
function clients(ctx: Ctx, endpoints: ServiceProcess[]) {
  let stop = false;
  let next = 0;
  const texts = ctx.test.map((a) => a.text);
  const one = async (): Promise<void> => {
    while (!stop) {
      const api = endpoints[next++ % endpoints.length]!;
      const text = texts[next % texts.length]!;
      await ctx.http.send(`${api.base}/classify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, text }),
      });
    }
  };
  const running = Array.from({ length: CLIENTS }, one);
  return async () => {
    stop = true;
    await Promise.all(running);
  };
}

/** Replaces `old` in `endpoints`: out of the list, drain (SIGTERM), a new process in. */
async function replaceApi(ctx: Ctx, endpoints: ServiceProcess[], old: ServiceProcess, name: string) {
  endpoints.splice(endpoints.indexOf(old), 1);
  await sleep(DEREGISTER_MS);
  await old.stop();
  const fresh = await service('api', ctx.redis.url, ctx.prefix, name);
  endpoints.push(fresh);
  return fresh;
}

export async function rollingRestart(ctx: Ctx): Promise<Row> {
  ctx.http.reset();
  const second = await service('api', ctx.redis.url, ctx.prefix, 'API #2');
  const endpoints = [ctx.api, second];
  const before = ctx.expect.versions.get(MODEL)?.length ?? 0;
  const job = await submit(ctx, { model: MODEL, epochs: 8, validationSplit: 0, seed: 5 });
  const watch = await watchJob(ctx, job.jobId);
  await until(() => watch.maxEpoch() >= 1, 10 * 60_000, 'epoch 1');
  const stopClients = clients(ctx, endpoints);
  const t0 = Date.now();
  try {
    const apis = [...endpoints];
    for (const [i, api] of apis.entries()) {
      const fresh = await replaceApi(ctx, endpoints, api, `API #${i + 3}`);
      if (api === ctx.api) ctx.api = fresh;
    }
    for (const [i, w] of [...ctx.workers].entries()) {
      await w.stop(); // SIGTERM: the running job goes back to the queue from its checkpoint
      ctx.workers[i] = await service('worker', ctx.redis.url, ctx.prefix, `worker #${i + 3}`);
    }
  } finally {
    await stopClients();
  }
  const restartSeconds = (Date.now() - t0) / 1000;
  const done = await waitJob(ctx, job.jobId);
  await watch.close();
  for (const api of endpoints) if (api !== ctx.api) await api.stop();
  const versions = ctx.expect.versions.get(MODEL)?.length ?? 0;
  return row(
    ctx,
    `e. rolling restart of 2 API processes and ${ctx.workers.length} worker(s) under ${CLIENTS} clients`,
    [job.jobId],
    [
      `restarts took ${restartSeconds.toFixed(0)} s`,
      `job ${done.status} after ${done.attempts ?? '?'} attempts`,
    ],
    [
      [done.status === 'succeeded', `job ${done.status}: ${done.error ?? ''}`],
      [versions === before + 1, `${versions - before} new versions (expected 1)`],
    ],
  );
}
