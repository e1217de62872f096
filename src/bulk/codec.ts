/** The bytes of stored chunks: input chunks are gzipped JSON arrays of items, result chunks gzipped NDJSON. */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { BulkItem } from '../contract/index.js';

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

/** Level 1: chunks are written as the body streams in, so speed matters more than the last bytes. */
const LEVEL = 1;

/** An input chunk (off the event loop: zlib's thread pool). */
export function encodeItems(items: readonly BulkItem[]): Promise<Buffer> {
  return gzip(JSON.stringify(items), { level: LEVEL });
}

/** An input chunk's items (in a bulk thread, so synchronously). */
export function decodeItems(bytes: Uint8Array): BulkItem[] {
  return JSON.parse(zlib.gunzipSync(bytes).toString('utf8')) as BulkItem[];
}

/** A result chunk from its NDJSON lines (in a bulk thread). */
export function encodeResults(lines: readonly string[]): Buffer {
  return zlib.gzipSync(lines.length > 0 ? `${lines.join('\n')}\n` : '', { level: LEVEL });
}

/** A result chunk's NDJSON bytes (off the event loop). */
export function decodeResults(bytes: Buffer): Promise<Buffer> {
  return gunzip(bytes);
}
