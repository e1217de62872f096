/**
 * The long-document set of `npm run bench`: articles of about 1,500 characters, each made of
 * THUCNews headlines of one class drawn at random (seeded) from its split: 800 for training, 200
 * for testing, the classes in turn. Written to a temporary folder; nothing of the research-only
 * data set is kept in the repository.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/training/rng.js';

/** Characters an article reaches before it is closed. */
const ARTICLE_CHARS = 1500;
const ARTICLES = { train: 800, test: 200 };

function makeSplit(from: string, to: string, count: number, rng: Rng): void {
  const byLabel = new Map<string, string[]>();
  for (const line of readFileSync(from, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const { text, label } = JSON.parse(line) as { text: string; label: string };
    byLabel.set(label, [...(byLabel.get(label) ?? []), text]);
  }
  const labels = [...byLabel.keys()].sort();
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const label = labels[i % labels.length]!;
    const pool = byLabel.get(label)!;
    const parts: string[] = [];
    let size = 0;
    while (size < ARTICLE_CHARS) {
      const t = pool[Math.floor(rng.next() * pool.length)]!;
      parts.push(t);
      size += t.length + 1;
    }
    out.push(JSON.stringify({ text: parts.join('。'), label }));
  }
  writeFileSync(to, out.join('\n') + '\n');
}

/** Builds the set from `source` (the thucnews-titles folder); @returns its folder. */
export function longDocuments(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'textclf-long-'));
  const rng = new Rng(2026);
  for (const split of ['train', 'test'] as const)
    makeSplit(join(source, `${split}.jsonl`), join(dir, `${split}.jsonl`), ARTICLES[split], rng);
  return dir;
}
