/** Datasets and the HTTP calls the service benchmarks share (training, polling, classifying). */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { root } from './processes.js';

export interface Article {
  text: string;
  label: string;
}

/** `DATASETS_DIR`, default `../shared/datasets` beside the repository. */
export const datasetsDir = resolve(process.env.DATASETS_DIR ?? join(root, '..', 'shared', 'datasets'));

/** Path of one split of a shared dataset. */
export function datasetPath(name: string, split: 'train' | 'test'): string {
  return join(datasetsDir, name, `${split}.jsonl`);
}

/** The bbc-news split files, or undefined (after saying where they were looked for) when absent. */
export function bbcFiles(): { trainFile: string; testFile: string } | undefined {
  const trainFile = datasetPath('bbc-news', 'train');
  const testFile = datasetPath('bbc-news', 'test');
  if (existsSync(trainFile) && existsSync(testFile)) return { trainFile, testFile };
  console.error(`bbc-news not found at ${trainFile} (set DATASETS_DIR)`);
  return undefined;
}

/** Runs a bench's `main` and exits with its code; an exception is one line and exit 1. */
export function runBench(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}

/** Reads a JSONL file, one object a line (`{text, label}` unless `T` says otherwise). */
export function readJsonl<T = Article>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

export interface JobView {
  jobId: string;
  status: string;
  version?: number;
  error?: string;
  startedAt?: string;
  finishedAt?: string;
  progress?: {
    epoch?: number;
    epochs?: number;
    loss?: number;
    accuracy?: number;
    valAccuracy?: number;
    phase?: string;
  } | null;
}

async function json<T>(r: Response): Promise<T> {
  const body = await r.text();
  if (!r.ok) throw new Error(`${r.url}: HTTP ${r.status} ${body.slice(0, 300)}`);
  return JSON.parse(body) as T;
}

/** `POST /train` with a JSONL file sent as-is as `application/x-ndjson`; options go in the query. */
export async function trainNdjson(
  base: string,
  file: string,
  query: Record<string, string | number>,
): Promise<string> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
  const r = await fetch(`${base}/train?${qs}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: readFileSync(file),
  });
  return (await json<{ jobId: string }>(r)).jobId;
}

/** `GET /jobs/{jobId}`. */
export async function getJob(base: string, jobId: string): Promise<JobView> {
  return json<JobView>(await fetch(`${base}/jobs/${jobId}`));
}

/**
 * Polls a job until it is terminal, calling `onProgress` whenever the epoch or status changes.
 * @throws Error when the job does not succeed or `timeoutMs` passes
 */
export async function waitForJob(
  base: string,
  jobId: string,
  o: { intervalMs?: number; timeoutMs?: number; onProgress?: (j: JobView) => void } = {},
): Promise<JobView & { seenAt: number }> {
  const deadline = Date.now() + (o.timeoutMs ?? 15 * 60_000);
  let last = '';
  for (;;) {
    const job = await getJob(base, jobId);
    const seenAt = Date.now();
    const key = `${job.status} ${job.progress?.phase ?? ''} ${job.progress?.epoch ?? ''}`;
    if (key !== last) {
      last = key;
      o.onProgress?.(job);
    }
    if (job.status === 'succeeded') return { ...job, seenAt };
    if (job.status === 'failed' || job.status === 'cancelled') {
      throw new Error(`job ${jobId} ${job.status}: ${job.error ?? ''}`);
    }
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.status}`);
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 500));
  }
}

/** One progress line for a job, e.g. `running epoch 3/20 loss 0.41 acc 0.93 val 0.95`. */
export function progressLine(j: JobView): string {
  const p = j.progress;
  if (!p || p.epoch === undefined) return j.status;
  const f = (x?: number) => (x === undefined ? '-' : x.toFixed(4));
  const phase = p.phase ? ` ${p.phase}` : '';
  return `${j.status}${phase} epoch ${p.epoch}/${p.epochs ?? '?'} loss ${f(p.loss)} acc ${f(p.accuracy)} valAcc ${f(p.valAccuracy)}`;
}

export interface BatchAnswer {
  model: string;
  version: number;
  results: { label: string }[];
}

/** `POST /classify` with `{model, texts}`. */
export async function classifyBatch(base: string, model: string, texts: string[]): Promise<BatchAnswer> {
  const r = await fetch(`${base}/classify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, texts }),
  });
  return json<BatchAnswer>(r);
}

/** Percentile (0..100) of unsorted samples, nearest-rank. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}
