/**
 * Where does text -> features time go? For each dataset's train.jsonl: parse, tokenise, fit, transform.
 * Run: npx tsx bench/tokenize.ts  (reads ../shared/datasets/<name>/train.jsonl relative to the repo root)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readArticles, tokenize, Vectorizer } from '../src/text/index.js';

const DATASETS = ['bbc-news', 'sms-spam', 'thucnews-titles'];
const root = join(import.meta.dirname, '..', '..', 'shared', 'datasets');

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, performance.now() - t0];
}

const rows = DATASETS.map((name) => {
  const file = join(root, name, 'train.jsonl');
  const content = readFileSync(file, 'utf8');
  const [{ articles }, parseMs] = time(() => readArticles(content, file));
  const [tokenLists, tokenizeMs] = time(() => articles.map((a) => tokenize(a.text)));
  const [vectorizer, fitMs] = time(() => Vectorizer.fit(tokenLists));
  const [matrix, transformMs] = time(() => vectorizer.transformManyTokens(tokenLists));
  const tokens = tokenLists.reduce((n, t) => n + t.length, 0);
  return {
    dataset: name,
    docs: articles.length,
    MB: +(Buffer.byteLength(content) / 1e6).toFixed(2),
    tokens,
    parseMs: Math.round(parseMs),
    tokenizeMs: Math.round(tokenizeMs),
    fitMs: Math.round(fitMs),
    transformMs: Math.round(transformMs),
    totalMs: Math.round(parseMs + tokenizeMs + fitMs + transformMs),
    vocabulary: vectorizer.size,
    nnz: matrix.values.length,
  };
});
console.table(rows);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
