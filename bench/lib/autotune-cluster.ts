/**
 * The service `npm run bench:autotune` measures: a throw-away Redis, one API process and N worker
 * processes (`ROLE=worker`), with the calls the bench makes on it: train from a JSONL file (options
 * in the query), wait for the job, read the version, and score a test split through `/classify`.
 */
import { readFileSync } from 'node:fs';
import { startRedis, startService, type Child, type ServiceProcess } from './processes.js';
import { readJsonl, waitForJob } from './service.js';

export interface Cluster {
  api: ServiceProcess;
  workers: ServiceProcess[];
  stop(): Promise<void>;
}

/** Redis, an API and `workers` worker processes on the wasm backend (or BENCH_BACKEND). */
export async function startCluster(workers: number, prefix: string): Promise<Cluster> {
  const redis = await startRedis();
  const env = {
    TEXTCLF_BACKEND: process.env.BENCH_BACKEND ?? 'wasm',
    MAX_BODY_BYTES: String(512 * 1024 * 1024),
  };
  const common = { redisUrl: redis.url, prefix, env };
  const api = await startService({ role: 'api', ...common, env: { ...env, MAX_DOCUMENTS: '1000000' } });
  const ws: ServiceProcess[] = [];
  for (let i = 0; i < workers; i++)
    ws.push(await startService({ role: 'worker', name: `worker${i}`, ...common }));
  const all: Child[] = [...ws, api, redis];
  return { api, workers: ws, stop: async () => void (await Promise.all(all.map((c) => c.stop()))) };
}

export interface Line {
  text: string;
  label?: string;
  labels?: string[];
}

/** A data set's lines: single-label (`label`) or multi-label (`labels`). */
export const readLines = (file: string): Line[] => readJsonl<Line>(file);

/** Trains `model` from `file` with the query's options; the finished job and its wall time. */
export async function trainFile(
  c: Cluster,
  model: string,
  file: string,
  query: Record<string, string | number>,
): Promise<{ version: number; seconds: number; job: Record<string, unknown> }> {
  const qs = new URLSearchParams(
    Object.entries({ model, ...query }).map(([k, v]): [string, string] => [k, String(v)]),
  );
  const t0 = performance.now();
  const r = await fetch(`${c.api.base}/train?${qs}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: readFileSync(file),
  });
  const body = (await r.json()) as { jobId?: string; detail?: string };
  if (!r.ok || !body.jobId) throw new Error(`POST /train: ${r.status} ${JSON.stringify(body)}`);
  const job = await waitForJob(c.api.base, body.jobId, { intervalMs: 1000, timeoutMs: 60 * 60_000 });
  const seconds = (performance.now() - t0) / 1000;
  const full = (await (await fetch(`${c.api.base}/jobs/${body.jobId}`)).json()) as Record<string, unknown>;
  return { version: job.version!, seconds, job: full };
}

/** `GET /models/{model}/versions/{version}`. */
export async function versionDetail(
  c: Cluster,
  model: string,
  version: number,
): Promise<Record<string, unknown>> {
  return (await (await fetch(`${c.api.base}/models/${model}/versions/${version}`)).json()) as Record<
    string,
    unknown
  >;
}

/** Test accuracy (single-label) or micro-F1 (multi-label) of `model`@`version` through `/classify`. */
export async function score(c: Cluster, model: string, version: number, test: Line[]): Promise<number> {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  for (let i = 0; i < test.length; i += 200) {
    const part = test.slice(i, i + 200);
    const r = await fetch(`${c.api.base}/classify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, version, texts: part.map((t) => t.text) }),
    });
    if (!r.ok) throw new Error(`POST /classify: ${r.status} ${await r.text()}`);
    const { results } = (await r.json()) as { results: { label: string; labels?: { label: string }[] }[] };
    results.forEach((a, k) => {
      const t = part[k]!;
      if (t.labels) {
        const want = new Set(t.labels);
        const got = new Set((a.labels ?? []).map((s) => s.label));
        for (const l of got) {
          if (want.has(l)) tp++;
          else fp++;
        }
        for (const l of want) if (!got.has(l)) fn++;
      } else if (a.label === t.label) correct++;
    });
  }
  return test[0]?.labels ? (2 * tp) / Math.max(1, 2 * tp + fp + fn) : correct / test.length;
}
