/**
 * `npm run bench:classify -- MODEL_DIR`: where one classification's CPU time goes, in process (no HTTP).
 * Loads a saved model (from `textclf train --out MODEL_DIR`), then times each stage over every
 * bbc-news test text: tokenise, vectorise (from tokens, and from text), the network, and the whole
 * `predict` of one text.
 * Env: DATASETS_DIR, ROUNDS (passes over the test texts per stage, default 5).
 */
import { initBackend, loadArtefact } from '../src/model/index.js';
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
  if (!dir || !files) {
    console.error('usage: npm run bench:classify -- MODEL_DIR (a model saved by `textclf train --out`)');
    return 2;
  }
  const backend = await initBackend((process.env.TEXTCLF_BACKEND as 'auto' | undefined) ?? 'auto');
  const clf = await loadArtefact(dir);
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
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error((err as Error).message);
    process.exit(2);
  },
);
