/** The canonical bytes of a data set, and a corpus streamed from their gzipped form. */
import { createHash } from 'node:crypto';
import { createGunzip, gzipSync } from 'node:zlib';
import { AppError } from '../errors/index.js';
import type { Corpus } from './corpus.js';
import type { Article } from './dataset.js';

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
 * Parses the whole lines of `buf` into `out`; returns where the unfinished last line starts.
 * Line by line from the bytes: the data is never one string (nor an array of its lines).
 */
function decodeLines(buf: Buffer, out: StoredArticle[]): number {
  let start = 0;
  for (let end = buf.indexOf(0x0a); end !== -1; end = buf.indexOf(0x0a, start)) {
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
  return start;
}

/** Inverse of `encodeDataset`. */
export function decodeDataset(bytes: Uint8Array): StoredArticle[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: StoredArticle[] = [];
  const rest = decodeLines(buf, out);
  // The last line may lack its newline.
  if (rest < buf.length) decodeLines(Buffer.concat([buf.subarray(rest), Buffer.from('\n')]), out);
  return out;
}

/** One stored blob of a data set: its gzipped canonical bytes and the sha256 of the unzipped ones. */
export interface PackedPart {
  hash: string;
  packed: Uint8Array;
}

/** What {@link packedCorpus} streams: a data set's blobs in order, and what its meta record says. */
export interface PackedDataset {
  parts: PackedPart[];
  documents: number;
  multiLabel: boolean;
  /** Length of all texts together (UTF-16 code units); absent in records written before it was kept. */
  characters?: number;
}

/** Unzipped bytes per read: the batches a corpus hands out are about this big. */
const READ_BYTES = 1 << 20;

/** The articles of one part, a batch per unzipped read; the hash is checked when `verify`. */
async function* partBatches(part: PackedPart, verify: boolean): AsyncGenerator<StoredArticle[]> {
  const gunzip = createGunzip({ chunkSize: READ_BYTES });
  gunzip.end(Buffer.from(part.packed.buffer, part.packed.byteOffset, part.packed.byteLength));
  const hash = verify ? createHash('sha256') : undefined;
  let carry: Buffer | undefined;
  for await (const chunk of gunzip as AsyncIterable<Buffer>) {
    hash?.update(chunk);
    const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    const out: StoredArticle[] = [];
    const rest = decodeLines(buf, out);
    carry = rest < buf.length ? Buffer.from(buf.subarray(rest)) : undefined;
    if (out.length > 0) yield out;
  }
  if (carry) yield decodeDataset(carry);
  if (hash && hash.digest('hex') !== part.hash)
    throw new AppError('INVALID_DATA', `dataset ${part.hash} failed its integrity check`);
}

/**
 * A corpus read from a data set's gzipped blobs, unzipped and parsed a batch at a time on each
 * walk: only the compressed bytes stay in memory (a quarter of the text or less), never the
 * articles. The first walk checks every blob's hash and the number of documents.
 * @throws AppError INVALID_DATA (from the walk) when a blob is corrupt or the count is wrong
 */
export function packedCorpus(data: PackedDataset): Corpus {
  let verified = false;
  return {
    documents: data.documents,
    multiLabel: data.multiLabel,
    ...(data.characters !== undefined ? { characters: data.characters } : {}),
    async *batches() {
      const verify = !verified;
      let seen = 0;
      for (const part of data.parts) {
        for await (const batch of partBatches(part, verify)) {
          seen += batch.length;
          yield batch;
        }
      }
      if (seen !== data.documents)
        throw new AppError(
          'INVALID_DATA',
          `dataset holds ${seen} documents, its record says ${data.documents}`,
        );
      verified = true;
    },
  };
}

/** Articles per blob a {@link CorpusPacker} makes: small enough to gzip in a few milliseconds each. */
const PACK_DOCUMENTS = 16_384;

/**
 * Packs articles as they are read into gzipped canonical blobs (fast level), for a
 * {@link packedCorpus}: a file of a million documents is then held as ~1/3 of its size in
 * compressed bytes instead of as articles (twice its size).
 */
export class CorpusPacker {
  private readonly parts: PackedPart[] = [];
  private pending: StoredArticle[] = [];
  private documents = 0;
  private characters = 0;
  private multiLabel = false;

  add(a: StoredArticle): void {
    this.pending.push(a);
    this.documents++;
    this.characters += a.text.length;
    if ('labels' in a) this.multiLabel = true;
    if (this.pending.length >= PACK_DOCUMENTS) this.flush();
  }

  finish(): PackedDataset {
    this.flush();
    const { parts, documents, multiLabel, characters } = this;
    return { parts, documents, multiLabel, characters };
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const raw = encodeDataset(this.pending);
    this.parts.push({
      hash: createHash('sha256').update(raw).digest('hex'),
      packed: new Uint8Array(gzipSync(raw, { level: 1 })),
    });
    this.pending = [];
  }
}
