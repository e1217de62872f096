/**
 * `npm run bench:autotune`: autotune through the service (one API process, worker processes on a
 * throw-away Redis), on the shared data sets. Parts (AUTOTUNE_PARTS, default `table,scale`):
 * - `table`: per data set (AUTOTUNE_SETS, default bbc-news, sms-spam, thucnews-titles, goemotions)
 *   the test score of plain `train` and of `autotune` with a budget of AUTOTUNE_BUDGET seconds
 *   (default 120) on AUTOTUNE_WORKERS workers (default 2), and, when Debian's fasttext and
 *   python3-sklearn are there (AUTOTUNE_ANCHORS=0 skips), `../shared/bench/anchors.py` run with
 *   fastText's own autotune on the same budget, in the same window. Score: accuracy, micro-F1 for
 *   the multi-label set.
 * - `scale`: one search of AUTOTUNE_SCALE_TRIALS trials (default 9, no time budget) on
 *   AUTOTUNE_SCALE_SET (default sms-spam), with 1 worker and with 2: the search's wall time each.
 * Env also: DATASETS_DIR, BENCH_BACKEND (default wasm).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  readLines,
  score,
  startCluster,
  trainFile,
  versionDetail,
  type Cluster,
} from './lib/autotune-cluster.js';
import { datasetsDir, runBench } from './lib/service.js';

const env = process.env;
const parts = (env.AUTOTUNE_PARTS ?? 'table,scale').split(',');
const sets = (env.AUTOTUNE_SETS ?? 'bbc-news,sms-spam,thucnews-titles,goemotions').split(',');
const budget = Number(env.AUTOTUNE_BUDGET ?? 120);
const workers = Number(env.AUTOTUNE_WORKERS ?? 2);
const f4 = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(4));

interface Report {
  wallSeconds: number;
  table: { status: string; worker?: string }[];
  best: { options: Record<string, unknown>; score: number } | null;
}

/**
 * fastText e25, fastText autotune on `budget` s, LinearSVC: anchors.py's lines, by name. Run
 * without blocking this process: a blocked event loop misses the API closing idle keep-alive
 * sockets, and the next request on one fails.
 */
async function anchors(set: string): Promise<Record<string, number>> {
  if (env.AUTOTUNE_ANCHORS === '0' || !existsSync('/usr/bin/fasttext')) return {};
  const script = join(datasetsDir, '..', 'bench', 'anchors.py');
  const child = spawn('/usr/bin/python3', [script, join(datasetsDir, set), '--autotune', String(budget)]);
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  await new Promise((r) => child.once('close', r));
  const out: Record<string, number> = {};
  for (const m of stdout.matchAll(/^(.+?)\s+acc ([\d.]+)/gm)) out[m[1]!.trim()] = Number(m[2]);
  return out;
}

async function tableRow(c: Cluster, set: string): Promise<string> {
  const file = (split: string) => join(datasetsDir, set, `${split}.jsonl`);
  const test = readLines(file('test'));
  const multi = test[0]?.labels !== undefined;
  const plain = await trainFile(c, `${set}-default`, file('train'), {});
  const plainScore = await score(c, `${set}-default`, plain.version, test);
  const tuned = await trainFile(c, `${set}-tuned`, file('train'), { autotuneSeconds: budget });
  const tunedScore = await score(c, `${set}-tuned`, tuned.version, test);
  const report = (await versionDetail(c, `${set}-tuned`, tuned.version)).autotune as Report;
  const done = report.table.filter((t) => t.status === 'done').length;
  const ws = new Set(report.table.map((t) => t.worker)).size;
  console.log(
    `${set}: default ${f4(plainScore)} (${plain.seconds.toFixed(1)} s); autotune ${f4(tunedScore)} ` +
      `(${tuned.seconds.toFixed(1)} s job, search ${report.wallSeconds.toFixed(1)} s, ${done}/${report.table.length} trials done on ${ws} workers; ` +
      `best ${JSON.stringify(report.best?.options)} validation ${f4(report.best?.score)})`,
  );
  const a = multi ? {} : await anchors(set);
  const pick = (re: RegExp) => Object.entries(a).find(([k]) => re.test(k))?.[1];
  return `| ${set}${multi ? ' (micro-F1)' : ''} | ${f4(plainScore)} | ${f4(tunedScore)} | ${report.table.length} (${done} done) | ${report.wallSeconds.toFixed(0)} s | ${f4(pick(/LinearSVC/))} | ${f4(pick(/e25/))} | ${f4(pick(/autotune/))} |`;
}

async function table(): Promise<void> {
  const c = await startCluster(workers, `bench-autotune-${process.pid}`);
  const rows: string[] = [];
  try {
    for (const set of sets) rows.push(await tableRow(c, set));
  } finally {
    await c.stop();
  }
  console.log(`\n${workers} workers, budget ${budget} s (the search; the final training comes after it):`);
  console.log(
    `| data set | default | autotune | trials | search wall | LinearSVC | fastText e25 | fastText autotune ${budget} s |\n| --- | --- | --- | --- | --- | --- | --- | --- |`,
  );
  for (const r of rows) console.log(r);
}

/** The same search (trials only) with 1 worker, then 2. */
async function scale(): Promise<void> {
  const set = env.AUTOTUNE_SCALE_SET ?? 'sms-spam';
  const trials = Number(env.AUTOTUNE_SCALE_TRIALS ?? 9);
  const lines: string[] = [];
  for (const n of [1, 2]) {
    const c = await startCluster(n, `bench-autotune-scale-${n}-${process.pid}`);
    try {
      const r = await trainFile(c, 'scale', join(datasetsDir, set, 'train.jsonl'), {
        autotuneTrials: trials,
      });
      const report = (await versionDetail(c, 'scale', r.version)).autotune as Report;
      lines.push(
        `| ${n} | ${report.table.length} | ${report.wallSeconds.toFixed(1)} s | ${r.seconds.toFixed(1)} s |`,
      );
      console.log(lines.at(-1));
    } finally {
      await c.stop();
    }
  }
  console.log(
    `\n${set}, ${trials} configurations, same seed:\n| workers | trials run | search wall | job wall |\n| --- | --- | --- | --- |`,
  );
  for (const l of lines) console.log(l);
}

runBench('bench:autotune', async () => {
  if (parts.includes('scale')) await scale();
  if (parts.includes('table')) await table();
  return 0;
});
