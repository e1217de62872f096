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

/**
 * Inverse of `encodeDataset`. Line by line from the bytes: the data set is never one string (nor
 * an array of its lines) beside the articles, which for a million documents was twice its size.
 */
export function decodeDataset(bytes: Uint8Array): StoredArticle[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: StoredArticle[] = [];
  for (let start = 0; start < buf.length;) {
    let end = buf.indexOf(0x0a, start);
    if (end === -1) end = buf.length;
    if (end > start) {
      const o = JSON.parse(buf.toString('utf8', start, end)) as {
        text: string;
        label?: string;
        labels?: string[];
      };
      out.push(o.labels ? { text: o.text, labels: o.labels } : { text: o.text, label: o.label! });
    }
    start = end + 1;
  }
  return out;
}
