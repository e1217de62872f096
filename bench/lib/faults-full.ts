/**
 * Scenario f of `npm run faults`: a full Redis. Its own redis-server at a 40 MB `maxmemory`
 * (`noeviction`), one API and one worker process. A small bbc-news model is trained first; then the
 * whole bbc-news set is posted three times with the default options (the model they allow needs more
 * than 40 MB). Wanted: each refused at once with 507 STORAGE_FULL saying what is needed and free,
 * nothing queued or left `running`, `/readyz` ready and showing the pressure, and classification going
 * on throughout.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnRedisServer } from '../../src/redis/index.js';
import type { CountingHttp } from './faults-env.js';
import type { Row } from './faults-scenarios.js';
import { startService } from './processes.js';
import type { Article } from './service.js';

const MAX_MEMORY = '40mb';

interface Ctx {
  http: CountingHttp;
  trainFile: string;
  test: Article[];
}

async function waitJob(http: CountingHttp, base: string, jobId: string): Promise<{ status: string }> {
  for (;;) {
    const r = await http.send(`${base}/jobs/${jobId}`);
    const job = r?.body as { status: string } | undefined;
    if (job && ['succeeded', 'failed', 'cancelled'].includes(job.status)) return job;
    await new Promise((res) => setTimeout(res, 500));
  }
}

/** Classifies the test set in batches; the share answered correctly (0 when any request failed). */
async function accuracy(http: CountingHttp, base: string, test: Article[]): Promise<number> {
  let right = 0;
  for (let i = 0; i < test.length; i += 100) {
    const batch = test.slice(i, i + 100);
    const r = await http.send(`${base}/classify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'bbc-small', texts: batch.map((a) => a.text) }),
    });
    const results = (r?.body as { results?: { label: string }[] } | undefined)?.results ?? [];
    results.forEach((p, j) => (right += p.label === batch[j]!.label ? 1 : 0));
  }
  return right / test.length;
}

export async function redisFull(ctx: Ctx): Promise<Row> {
  // Its AOF in a directory of its own (without --dir it would land in the working directory).
  const dir = mkdtempSync(join(tmpdir(), 'textclf-full-'));
  const redis = await spawnRedisServer('redis-server', [
    ...['--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'],
    ...['--maxmemory', MAX_MEMORY, '--maxmemory-policy', 'noeviction'],
  ]);
  const prefix = `full${Date.now()}`;
  const api = await startService({ role: 'api', redisUrl: redis.url, prefix, name: 'API (full)' });
  const worker = await startService({ role: 'worker', redisUrl: redis.url, prefix, name: 'worker (full)' });
  const { http } = ctx;
  http.reset();
  const body = readFileSync(ctx.trainFile);
  const post = (query: string) =>
    http.send(
      `${api.base}/train?${query}`,
      { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body },
      (s) => s === 202 || s === 507,
    );
  try {
    const small = await post('model=bbc-small&hiddenUnits=8&maxFeatures=20000&epochs=5');
    const smallJob = (small?.body as { jobId?: string } | undefined)?.jobId;
    if (!smallJob) throw new Error(`the small model was refused: ${JSON.stringify(small?.body)}`);
    const trained = await waitJob(http, api.base, smallJob);
    const before = await accuracy(http, api.base, ctx.test);
    const t0 = Date.now();
    const answers = [await post('model=bbc'), await post('model=bbc'), await post('model=bbc')];
    const refusedMs = Date.now() - t0;
    const refused = answers.filter((a) => a?.status === 507);
    const problem = refused[0]?.body as { detail?: string; neededBytes?: number; freeBytes?: number };
    const ready = await http.send(`${api.base}/readyz`);
    const during = await accuracy(http, api.base, ctx.test);
    const jobs = ((await http.send(`${api.base}/jobs`))?.body as { jobs: { status: string }[] }).jobs;
    const running = jobs.filter((j) => j.status === 'running' || j.status === 'queued').length;
    const mem = (ready?.body as { redisMemory?: { usedBytes: number; maxBytes: number } }).redisMemory;
    const pass =
      trained.status === 'succeeded' &&
      refused.length === 3 &&
      ready?.status === 200 &&
      running === 0 &&
      during === before &&
      http.failed === 0;
    return {
      scenario: `f. Redis full (maxmemory ${MAX_MEMORY}): 3 × bbc-news with default options`,
      sent: http.sent,
      failed: http.failed,
      jobsLost: 0,
      versionsCorrupted: 0,
      figures:
        `${refused.length}/3 refused with 507 in ${refusedMs} ms in all (needed ${mb(problem?.neededBytes)}, ` +
        `free ${mb(problem?.freeBytes)}); /readyz ${ready?.status} at ${mb(mem?.usedBytes)} of ${mb(mem?.maxBytes)}; ` +
        `${running} jobs queued or running after; accuracy ${before.toFixed(4)} before, ${during.toFixed(4)} while full`,
      pass,
      notes: [`problem detail: ${problem?.detail ?? '(none)'}`, ...http.failures],
    };
  } finally {
    await worker.stop();
    await api.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const mb = (n: number | undefined) => (n === undefined ? '?' : `${(n / 1048576).toFixed(1)} MB`);
