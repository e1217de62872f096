import type { Article } from '../text/index.js';

/** One labelled document, as stored: `{text, label}` or (multi-label) `{text, labels}`. */
export type StoredArticle = Article;

/**
 * Canonical bytes of a dataset: one JSON object per line, in the given order, with no other
 * fields: `{"text","label"}`, or `{"text","labels"}` for an article with several labels. The same
 * articles always give the same bytes and so the same hash.
 */
export function encodeDataset(articles: readonly StoredArticle[]): Buffer {
  const lines = articles.map((a) =>
    JSON.stringify('labels' in a ? { text: a.text, labels: a.labels } : { text: a.text, label: a.label }),
  );
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

/** Inverse of `encodeDataset`. */
export function decodeDataset(bytes: Uint8Array): StoredArticle[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const out: StoredArticle[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const o = JSON.parse(line) as { text: string; label?: string; labels?: string[] };
    out.push(o.labels ? { text: o.text, labels: o.labels } : { text: o.text, label: o.label! });
  }
  return out;
}
