/**
 * `npx tsx bench/defaults-cv.ts`: k-fold cross-validation of candidate training option sets on one
 * data set's train.jsonl, to choose defaults on training data only (test.jsonl is never read, unless
 * CV_TEST=1 asks for the one final look). Folds are stratified by label and seeded; every candidate
 * sees the same folds, so the table also gives each candidate's paired difference from the first.
 * Prints a markdown table: candidate, mean CV accuracy, std error, Δ vs the first (paired std
 * error), mean epochs (select + refit) and mean seconds per fit.
 *
 * Env: CV_DATASET (default bbc-news; a name under DATASETS_DIR, default ../shared/datasets beside
 * the repo), CV_K (folds, default 5), CV_REPEATS (k-fold repeats with fresh fold seeds, default 1),
 * CV_SEED (fold seed, default 1), CV_CANDIDATES (JSON) or CV_CANDIDATES_FILE (a JSON file): either
 * an object {name: options, ...} or an array of {name, options}; default: today's defaults ({}).
 * CV_TEST=1: instead of CV, trains each candidate once on all of train.jsonl and scores test.jsonl.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../src/model/index.js';
import type { Article } from '../src/text/index.js';
import { evaluate, Rng, train, type TrainOptionsInput } from '../src/training/index.js';
import { datasetsDir, readJsonl } from './lib/service.js';

interface Candidate {
  name: string;
  options: TrainOptionsInput;
}

interface FitScore {
  accuracy: number;
  epochs: number;
  seconds: number;
}

/** Fold index per document: shuffled with `seed`, then dealt round-robin within each label. */
export function stratifiedFolds(data: readonly Article[], k: number, seed: number): Int32Array {
  const idx = new Rng(seed).shuffle(data.map((_, i) => i));
  const byLabel = new Map<string, number[]>();
  for (const i of idx) {
    const label = (data[i] as { label: string }).label;
    byLabel.set(label, [...(byLabel.get(label) ?? []), i]);
  }
  const fold = new Int32Array(data.length);
  let turn = 0;
  for (const label of [...byLabel.keys()].sort()) {
    for (const i of byLabel.get(label)!) fold[i] = turn++ % k;
  }
  return fold;
}

function parseCandidates(): Candidate[] {
  const file = process.env.CV_CANDIDATES_FILE;
  const text = process.env.CV_CANDIDATES ?? (file ? readFileSync(file, 'utf8') : '{"defaults": {}}');
  const parsed = JSON.parse(text) as Record<string, TrainOptionsInput> | Candidate[];
  if (Array.isArray(parsed)) return parsed;
  return Object.entries(parsed).map(([name, options]) => ({ name, options }));
}

/** Trains on `trainSet`, scores `testSet`, frees the model. */
async function fitScore(
  trainSet: Article[],
  testSet: Article[],
  options: TrainOptionsInput,
): Promise<FitScore> {
  const r = await train(trainSet, options);
  const accuracy = evaluate(r.classifier, testSet).accuracy;
  r.classifier.dispose();
  return { accuracy, epochs: r.epochs, seconds: r.trainSeconds };
}

/** Every candidate on every fold of every repeat: scores[candidate][repeat * k + fold]. */
async function crossValidate(
  data: Article[],
  candidates: Candidate[],
  k: number,
  repeats: number,
  seed: number,
) {
  const scores: FitScore[][] = candidates.map(() => []);
  for (let rep = 0; rep < repeats; rep++) {
    const fold = stratifiedFolds(data, k, seed + rep);
    for (let f = 0; f < k; f++) {
      const trainSet = data.filter((_, i) => fold[i] !== f);
      const heldOut = data.filter((_, i) => fold[i] === f);
      for (const [c, cand] of candidates.entries()) {
        const s = await fitScore(trainSet, heldOut, cand.options);
        scores[c]!.push(s);
        console.error(
          `repeat ${rep + 1} fold ${f + 1}/${k} ${cand.name}: ${s.accuracy.toFixed(4)} ` +
            `(${s.epochs} epochs, ${s.seconds.toFixed(1)} s)`,
        );
      }
    }
  }
  return scores;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

/** Standard error of the mean (sample standard deviation / √n). */
function stdErr(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  const variance = xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
  return Math.sqrt(variance / xs.length);
}

function signed(d: number, digits = 4): string {
  return `${d >= 0 ? '+' : ''}${d.toFixed(digits)}`;
}

function table(candidates: Candidate[], scores: FitScore[][]): string {
  const base = scores[0]!.map((s) => s.accuracy);
  const head =
    '| candidate | options | mean CV accuracy | std error | Δ vs first (paired s.e.) | mean epochs | mean s |\n' +
    '| --- | --- | --- | --- | --- | --- | --- |';
  const rows = candidates.map((cand, c) => {
    const acc = scores[c]!.map((s) => s.accuracy);
    const diff = acc.map((a, i) => a - base[i]!);
    const delta = c === 0 ? '—' : `${signed(mean(diff))} (${stdErr(diff).toFixed(4)})`;
    return (
      `| ${cand.name} | \`${JSON.stringify(cand.options)}\` | ${mean(acc).toFixed(4)} | ${stdErr(acc).toFixed(4)} | ` +
      `${delta} | ${mean(scores[c]!.map((s) => s.epochs)).toFixed(1)} | ${mean(scores[c]!.map((s) => s.seconds)).toFixed(1)} |`
    );
  });
  return [head, ...rows].join('\n');
}

/** The one final look: each candidate trained on all of train.jsonl, scored on test.jsonl. */
async function testLook(name: string, data: Article[], candidates: Candidate[]): Promise<void> {
  const test = readJsonl(join(datasetsDir, name, 'test.jsonl'));
  console.log(`## ${name}: test accuracy (trained on all of train.jsonl)\n`);
  console.log('| candidate | options | test accuracy | epochs | s |\n| --- | --- | --- | --- | --- |');
  for (const cand of candidates) {
    const s = await fitScore(data, test, cand.options);
    console.log(
      `| ${cand.name} | \`${JSON.stringify(cand.options)}\` | ${s.accuracy.toFixed(4)} | ${s.epochs} | ${s.seconds.toFixed(1)} |`,
    );
  }
}

async function main(): Promise<void> {
  const name = process.env.CV_DATASET ?? 'bbc-news';
  const k = Number(process.env.CV_K ?? 5);
  const repeats = Number(process.env.CV_REPEATS ?? 1);
  const seed = Number(process.env.CV_SEED ?? 1);
  const candidates = parseCandidates();
  await initBackend('wasm');
  const data = readJsonl(join(datasetsDir, name, 'train.jsonl'));
  if (process.env.CV_TEST === '1') return testLook(name, data, candidates);
  const started = performance.now();
  const scores = await crossValidate(data, candidates, k, repeats, seed);
  const minutes = (performance.now() - started) / 60000;
  console.log(
    `## ${name}: ${k}-fold CV × ${repeats} on train.jsonl (${data.length} documents, ${minutes.toFixed(1)} min)\n`,
  );
  console.log(table(candidates, scores));
}

await main();
