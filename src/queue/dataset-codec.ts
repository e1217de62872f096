/** One labelled document, as stored. */
export interface StoredArticle {
  text: string;
  label: string;
}

/**
 * Canonical bytes of a dataset: one `{"text","label"}` JSON object per line, in the given order,
 * with no other fields. The same articles always give the same bytes and so the same hash.
 */
export function encodeDataset(articles: readonly StoredArticle[]): Buffer {
  const lines = articles.map((a) => JSON.stringify({ text: a.text, label: a.label }));
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

/** Inverse of `encodeDataset`. */
export function decodeDataset(bytes: Uint8Array): StoredArticle[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const out: StoredArticle[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const o = JSON.parse(line) as StoredArticle;
    out.push({ text: o.text, label: o.label });
  }
  return out;
}
