/**
 * `npm run bench:incremental`: is incremental retraining worth it? On bbc-news, in process through
 * `train()`: a base model on 80 % of `train.jsonl` (a seeded split), then the other 20 % added on
 * top of it (`hooks.base`: the base's vocabulary and weights, the union of both parts as data),
 * against a model trained from scratch on the same union. Prints time, epochs and test accuracy of
 * each, over several seeded splits, and checks the bar: fewer epochs than from scratch on
 * every split, mean test accuracy within 0.2 points (exit code 1 otherwise).
 * Then the same jobs through the service API on a throw-away Redis (one process, ROLE=all): the
 * base version, `baseVersion` with the 20 %, and the 100 % from scratch.
 * Env: DATASETS_DIR, BENCH_BACKEND (default wasm), INCREMENTAL_SEEDS (split seeds, default 1,2,3),
 * INCREMENTAL_SERVICE=0 skips the service run (seed: the first of INCREMENTAL_SEEDS).
 */
import { join } from 'node:path';
import { initBackend } from '../src/model/index.js';
import type { Article } from '../src/text/index.js';
import { baseFromClassifier, evaluate, Rng, train, type TrainResult } from '../src/training/index.js';
import { serviceRun } from './lib/incremental-service.js';
import { datasetsDir, readJsonl } from './lib/service.js';

/** Seeds of the 80/20 split: one split is one draw; the bar is judged per seed and on the mean. */
const seeds = (process.env.INCREMENTAL_SEEDS ?? '1,2,3').split(',').map(Number);
/** Accuracy the incremental model may lose against the from-scratch one (0.2 points). */
const TOLERANCE = 0.002;

/** A seeded 80/20 split (the training RNG's shuffle of the indices: the same mulberry32 stream). */
function split(data: Article[], share: number, s: number): [Article[], Article[]] {
  const idx = new Rng(s).shuffle(data.map((_, i) => i));
  const cut = Math.round(data.length * share);
  return [idx.slice(0, cut).map((i) => data[i]!), idx.slice(cut).map((i) => data[i]!)];
}

interface Row {
  run: string;
  documents: number;
  seconds: number;
  epochs: number;
  select: number;
  refit: number;
  accuracy: number;
  vocabulary: number;
}

function row(run: string, documents: number, r: TrainResult, test: Article[]): Row {
  const phase = (p: string) => r.history.filter((h) => h.phase === p).length;
  return {
    run,
    documents,
    seconds: r.trainSeconds,
    epochs: r.epochs,
    select: phase('select'),
    refit: phase('refit'),
    accuracy: evaluate(r.classifier, test).accuracy,
    vocabulary: r.classifier.metadata.vocabularySize,
  };
}

function table(rows: Row[]): string {
  const head =
    '| run | documents | train s | epochs (select + refit) | test accuracy | vocabulary |\n| --- | --- | --- | --- | --- | --- |';
  const lines = rows.map(
    (r) =>
      `| ${r.run} | ${r.documents} | ${r.seconds.toFixed(2)} | ${r.epochs} (${r.select} + ${r.refit}) | ${r.accuracy.toFixed(4)} | ${r.vocabulary} |`,
  );
  return [head, ...lines].join('\n');
}

/**
 * The in-process runs: base (80 %), incremental (+20 %), from scratch (100 %), and from scratch
 * with another training seed: how far two equally good from-scratch models differ (the noise).
 */
async function inProcess(base80: Article[], add20: Article[], test: Article[]): Promise<Row[]> {
  const union = [...base80, ...add20];
  const base = await train(base80);
  const baseRow = row('base (80 %)', base80.length, base, test);
  const incremental = await train(union, {}, { base: baseFromClassifier(base.classifier) });
  const incRow = row('incremental (+20 %, baseVersion)', union.length, incremental, test);
  base.classifier.dispose();
  incremental.classifier.dispose();
  const scratch = await train(union);
  const scratchRow = row('from scratch (100 %)', union.length, scratch, test);
  scratch.classifier.dispose();
  const other = await train(union, { seed: 43 });
  const otherRow = row('from scratch (100 %), training seed 43', union.length, other, test);
  other.classifier.dispose();
  return [baseRow, incRow, scratchRow, otherRow];
}

const points = (d: number) => `${d >= 0 ? '+' : ''}${(d * 100).toFixed(2)}`;

/** Whether the incremental run clears the bar against the from-scratch one. */
function verdict(what: string, inc: Omit<Row, 'run'>, scratch: Omit<Row, 'run'>): boolean {
  const fewer = inc.epochs < scratch.epochs;
  const close = inc.accuracy >= scratch.accuracy - TOLERANCE;
  console.log(
    `${what}: incremental ${inc.epochs.toFixed(1)} epochs vs ${scratch.epochs.toFixed(1)} from scratch ` +
      `(${fewer ? 'fewer' : 'NOT fewer'}), ${(inc.seconds / scratch.seconds).toFixed(2)}x the time; accuracy ` +
      `${inc.accuracy.toFixed(4)} vs ${scratch.accuracy.toFixed(4)} ` +
      `(${points(inc.accuracy - scratch.accuracy)} points; bar -0.2: ${close ? 'met' : 'MISSED'})`,
  );
  return fewer && close;
}

function mean(rows: Row[]): Omit<Row, 'run'> {
  const m = (f: (r: Row) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  return {
    documents: m((r) => r.documents),
    seconds: m((r) => r.seconds),
    epochs: m((r) => r.epochs),
    select: m((r) => r.select),
    refit: m((r) => r.refit),
    accuracy: m((r) => r.accuracy),
    vocabulary: m((r) => r.vocabulary),
  };
}

async function main(): Promise<number> {
  const backend = process.env.BENCH_BACKEND ?? 'wasm';
  const info = await initBackend(backend as 'wasm');
  const all = readJsonl(join(datasetsDir, 'bbc-news', 'train.jsonl'));
  const test = readJsonl(join(datasetsDir, 'bbc-news', 'test.jsonl'));
  const inc: Row[] = [];
  const scratch: Row[] = [];
  let fewer = true;
  for (const seed of seeds) {
    const [base80, add20] = split(all, 0.8, seed);
    console.log(
      `\nbbc-news split seed ${seed}: ${base80.length} + ${add20.length} training documents, ${test.length} test; backend ${info.name}; in process, through train():`,
    );
    const rows = await inProcess(base80, add20, test);
    console.log(table(rows));
    inc.push(rows[1]!);
    scratch.push(rows[2]!);
    verdict(`seed ${seed}`, rows[1]!, rows[2]!);
    const noise = Math.abs(rows[3]!.accuracy - rows[2]!.accuracy) * 100;
    console.log(`from scratch, training seed 42 vs 43: ${noise.toFixed(2)} points apart`);
    fewer = fewer && rows[1]!.epochs < rows[2]!.epochs;
  }
  // One test document is 0.23 points: a single split decides "within 0.2" by one document, so the
  // bar is fewer epochs on every split and accuracy within 0.2 points on the mean.
  console.log(
    `\nmean over split seeds ${seeds.join(', ')} (the bar: fewer epochs on every split, mean accuracy):`,
  );
  let ok = verdict('mean', mean(inc), mean(scratch)) && fewer;
  if (process.env.INCREMENTAL_SERVICE !== '0') {
    const [base80, add20] = split(all, 0.8, seeds[0]!);
    console.log(`\nthrough the service API (seed ${seeds[0]}: POST /train, then POST /train?baseVersion=1):`);
    const svc = await serviceRun(base80, add20, test, backend);
    console.log(svc.table);
    verdict('service', svc.incremental, svc.scratch);
    ok = ok && svc.incremental.epochs < svc.scratch.epochs;
  }
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
