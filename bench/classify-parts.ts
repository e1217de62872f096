/**
 * `npm run bench:classify -- [MODEL_DIR]`: where one classification's CPU time goes, in process (no HTTP).
 * Loads a saved model (from `textclf train --out MODEL_DIR`), or without one trains a model on
 * bbc-news train with default options; then times each stage over every bbc-news test text:
 * tokenise, vectorise (from tokens, and from text), the network, and the whole `predict` of one
 * text; then what an explanation (`explain(text, [top label], 5)`) adds to a predict, and prints one
 * explained test article.
 * Env: DATASETS_DIR, ROUNDS (passes over the test texts per stage, default 5).
 */
import { initBackend, loadArtefact, type TextClassifier } from '../src/model/index.js';
import { train } from '../src/training/index.js';
import { bbcFiles, readJsonl } from './lib/service.js';

const rounds = Number(process.env.ROUNDS ?? 5);

function time(label: string, n: number, f: () => void): void {
  f(); // warm-up pass
  const t = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) f();
  const us = Number(process.hrtime.bigint() - t) / 1e3 / (rounds * n);
  console.log(`| ${label} | ${us.toFixed(1)} |`);
}

async function main(): Promise<number> {
  const dir = process.argv[2];
  const files = bbcFiles();
  if (!files) {
    console.error('usage: npm run bench:classify -- [MODEL_DIR] (a model saved by `textclf train --out`)');
    return 2;
  }
  const backend = await initBackend((process.env.TEXTCLF_BACKEND as 'auto' | undefined) ?? 'auto');
  const clf = dir ? await loadArtefact(dir) : (await train(readJsonl(files.trainFile), {})).classifier;
  const texts = readJsonl(files.testFile).map((a) => a.text);
  const v = clf.vectorizer;
  const tokens = texts.map((t) => v.tokenize(t));
  const vectors = texts.map((t) => v.transform(t));
  const n = texts.length;
  const meanChars = texts.reduce((s, t) => s + t.length, 0) / n;
  const meanNnz = vectors.reduce((s, x) => s + x.indices.length, 0) / n;
  console.log(
    `backend ${backend.name}; ${n} bbc-news test texts, mean ${Math.round(meanChars)} chars, ` +
      `${Math.round(tokens.reduce((s, t) => s + t.length, 0) / n)} tokens, ${Math.round(meanNnz)} features; vocabulary ${v.size}`,
  );
  console.log('| stage (per text) | µs |');
  console.log('| --- | --- |');
  time('normalize + lower-case', n, () => {
    for (const t of texts) t.normalize('NFKC').toLowerCase();
  });
  time('tokenize', n, () => {
    for (const t of texts) v.tokenize(t);
  });
  time('vectorize tokens (training path)', n, () => {
    for (const t of tokens) v.transformTokens(t);
  });
  time('vectorize text (serving path: no token list)', n, () => {
    for (const t of texts) v.transform(t);
  });
  const rows = texts.map((t) => v.transformMany([t]));
  time('network, one text', n, () => {
    for (const x of rows) clf.probabilities(x);
  });
  time('predict one text (all stages)', n, () => {
    for (const t of texts) clf.predict([t]);
  });
  explainOverhead(clf, texts);
  return 0;
}

/**
 * Plain `predict([text])` against `predict` plus `explain(text, [top], 5)`, per text, in the same
 * run: passes alternate so drift and warm-up hit both alike; the best pass of each counts.
 */
function explainOverhead(clf: TextClassifier, texts: string[]): void {
  const top = (t: string) => clf.labels.indexOf(clf.predict([t])[0]!.label);
  const plain = () => {
    for (const t of texts) clf.predict([t]);
  };
  const explained = () => {
    for (const t of texts) clf.explain(t, [top(t)], 5);
  };
  const best = [Infinity, Infinity];
  for (let r = 0; r <= Math.max(rounds, 3); r++) {
    [plain, explained].forEach((f, i) => {
      const t = process.hrtime.bigint();
      f();
      // Pass 0 is the warm-up.
      if (r > 0) best[i] = Math.min(best[i]!, Number(process.hrtime.bigint() - t) / 1e3 / texts.length);
    });
  }
  const [p, e] = best as [number, number];
  console.log(`| explain: predict + explain(text, [top], 5) | ${e.toFixed(1)} |`);
  console.log(
    `\nexplain overhead: ${(e / p).toFixed(2)}× a plain predict (${p.toFixed(1)} µs → ${e.toFixed(1)} µs; target ≤ 3×)`,
  );
  const text = texts[0]!;
  const [label] = clf.explain(text, [top(text)], 5);
  console.log(`\nexplained bbc-news test article 0 (${text.length} chars):`);
  // One term a line: readable, and the spans can be checked against the text by eye.
  const terms = label!.terms.map((t) => `    ${JSON.stringify(t)}`).join(',\n');
  console.log(`{"label": ${JSON.stringify(label!.label)}, "terms": [\n${terms}\n]}`);
  for (const t of label!.terms)
    console.log(`  ${t.term}: ${t.spans.map(([a, b]) => JSON.stringify(text.slice(a, b))).join(' ')}`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error((err as Error).message);
    process.exit(2);
  },
);
