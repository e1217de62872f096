/** Streamed training uploads (`POST /train` as NDJSON or CSV) for the typed client. */
import type { Client } from 'openapi-fetch';
import type { components, paths } from '../contract/index.js';

type S = components['schemas'];

/** Options of a streamed training upload: the model and options go in the query; `gzip` compresses. */
export type UploadOptions = { model?: string; gzip?: boolean } & S['TrainingOptions'];

/**
 * Articles as RFC 4180 CSV, every field quoted so commas, quotes and line breaks survive; a
 * multi-label set (any article with `labels`) gets a `labels` column of `;`-separated labels.
 */
export function toCsv(articles: readonly S['Article'][]): string {
  const field = (s: string) => `"${s.replaceAll('"', '""')}"`;
  const multi = articles.some((a) => a.labels !== undefined);
  let out = multi ? 'text,labels\r\n' : 'text,label\r\n';
  for (const a of articles) {
    const labels = a.labels ?? (a.label === undefined ? [] : [a.label]);
    out += `${field(a.text)},${field(multi ? labels.join(';') : (a.label ?? ''))}\r\n`;
  }
  return out;
}

/** `POST /train` with a streamed body type; the model and options go in the query. Not unwrapped. */
export async function upload(
  http: Client<paths>,
  body: string | Uint8Array,
  contentType: 'application/x-ndjson' | 'text/csv',
  { gzip, ...query }: UploadOptions,
): Promise<{ data?: S['TrainAccepted']; error?: unknown; response: Response }> {
  const bytes = gzip ? await gzipped(body) : body;
  return http.POST('/train', {
    params: { query },
    body: bytes as never,
    bodySerializer: (b: unknown) => b as string,
    headers: { 'Content-Type': contentType, ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) },
  });
}

/** gzip with the standard `CompressionStream` (Node 18+ and browsers alike). */
async function gzipped(body: string | Uint8Array): Promise<Uint8Array> {
  const input = new Blob([typeof body === 'string' ? body : new Uint8Array(body)]).stream();
  return new Uint8Array(await new Response(input.pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
}
