/**
 * The service half of `npm run bench:incremental`: one service process (ROLE=all) on a throw-away
 * redis-server; POST /train (NDJSON) with the 80 %, then the 20 % with `baseVersion=1`, and the
 * 100 % from scratch as another model; epochs from each job's history, time from its
 * startedAt..finishedAt, test accuracy through POST /classify.
 */
import type { Article } from '../../src/text/index.js';
import { startRedis, startService, type Child } from './processes.js';
import { classifyBatch, getJob, waitForJob } from './service.js';

export interface ServiceRow {
  run: string;
  documents: number;
  seconds: number;
  epochs: number;
  select: number;
  refit: number;
  accuracy: number;
  vocabulary: number;
}

async function post(base: string, articles: readonly Article[], query: Record<string, string>) {
  const r = await fetch(`${base}/train?${new URLSearchParams(query)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: articles.map((a) => JSON.stringify(a)).join('\n'),
  });
  const body = (await r.json()) as { jobId: string; dataset: { chunks?: string[] } };
  if (r.status !== 202) throw new Error(`POST /train: ${r.status} ${JSON.stringify(body)}`);
  return body;
}

async function accuracy(base: string, model: string, test: readonly Article[]): Promise<number> {
  let right = 0;
  for (let i = 0; i < test.length; i += 100) {
    const part = test.slice(i, i + 100);
    const answer = await classifyBatch(
      base,
      model,
      part.map((a) => a.text),
    );
    answer.results.forEach((r, k) => (right += r.label === (part[k] as { label: string }).label ? 1 : 0));
  }
  return right / test.length;
}

/** Trains one job to its end and measures it. */
async function job(
  base: string,
  run: string,
  articles: readonly Article[],
  query: Record<string, string>,
  test: readonly Article[],
  documents: number,
): Promise<ServiceRow & { version: number }> {
  const accepted = await post(base, articles, query);
  const done = await waitForJob(base, accepted.jobId);
  const history = ((await getJob(base, accepted.jobId)) as { history?: { phase?: string }[] }).history ?? [];
  const model = query.model!;
  const detail = (await (await fetch(`${base}/models/${model}/versions/${done.version}`)).json()) as {
    vocabularySize: number;
    lineage?: unknown;
  };
  if (detail.lineage) console.log(`  ${model} v${done.version} lineage: ${JSON.stringify(detail.lineage)}`);
  return {
    run,
    documents,
    seconds: (Date.parse(done.finishedAt!) - Date.parse(done.startedAt!)) / 1000,
    epochs: history.length,
    select: history.filter((h) => h.phase === 'select').length,
    refit: history.filter((h) => h.phase === 'refit').length,
    accuracy: await accuracy(base, model, test),
    vocabulary: detail.vocabularySize,
    version: done.version!,
  };
}

function table(rows: ServiceRow[]): string {
  const head =
    '| job | documents | job s (startedAt..finishedAt) | epochs (select + refit) | test accuracy (/classify) | vocabulary |\n| --- | --- | --- | --- | --- | --- |';
  const lines = rows.map(
    (r) =>
      `| ${r.run} | ${r.documents} | ${r.seconds.toFixed(2)} | ${r.epochs} (${r.select} + ${r.refit}) | ${r.accuracy.toFixed(4)} | ${r.vocabulary} |`,
  );
  return [head, ...lines].join('\n');
}

/** The base, incremental and from-scratch jobs through the HTTP API. */
export async function serviceRun(
  base80: readonly Article[],
  add20: readonly Article[],
  test: readonly Article[],
  backend: string,
): Promise<{ table: string; incremental: ServiceRow; scratch: ServiceRow }> {
  const children: Child[] = [];
  try {
    const redis = await startRedis();
    children.push(redis);
    const env = { TEXTCLF_BACKEND: backend, INFERENCE_THREADS: '1' };
    const svc = await startService({ role: 'all', redisUrl: redis.url, prefix: `inc${Date.now()}`, env });
    children.unshift(svc);
    const all = base80.length + add20.length;
    const b = await job(svc.base, 'base (80 %)', base80, { model: 'bbc' }, test, base80.length);
    const q = { model: 'bbc', baseVersion: String(b.version) };
    const incremental = await job(svc.base, 'incremental (+20 %, baseVersion)', add20, q, test, all);
    const union = [...base80, ...add20];
    const scratch = await job(svc.base, 'from scratch (100 %)', union, { model: 'bbc-scratch' }, test, all);
    return { table: table([b, incremental, scratch]), incremental, scratch };
  } finally {
    for (const c of children) await c.stop();
  }
}
