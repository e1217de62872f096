import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Redis } from 'ioredis';
import { ownBytes, sha256Hex, sha256HexAsync } from '../common/index.js';
import type { components, DatasetRef, DatasetStore, TrainBase } from '../contract/index.js';
import { AppError } from '../errors/index.js';
import {
  getLargeBuffer,
  isOutOfMemory,
  refusedForMemory,
  type Keys,
  type RedisMemory,
} from '../redis/index.js';
import {
  articleLabels,
  encodeDataset,
  totalCharacters,
  validateArticles,
  type Article,
  type PackedDataset,
  type PackedPart,
} from '../text/index.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

type Posted = readonly components['schemas']['Article'][];

/** Limits applied before anything is stored. */
export interface DatasetLimits {
  minPerLabel: number;
  maxLabels: number;
  maxTextBytes: number;
  maxDocuments: number;
}

/** A data set's meta record: a blob's (its data beside it), or a chunk list's (`chunks`, no data). */
interface StoredMeta extends DatasetRef {
  /** Per-label article counts (absent in records written before chunk lists). */
  counts?: Record<string, number>;
}

/** The hash of a chunk list: derived from its chunks' hashes, in order. */
export function chunkListHash(chunks: readonly string[]): string {
  return sha256Hex(Buffer.from(`textclf-chunks/1\n${chunks.join('\n')}`, 'utf8'));
}

function countLabels(articles: readonly Article[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of articles) for (const l of articleLabels(a)) counts[l] = (counts[l] ?? 0) + 1;
  return counts;
}

/**
 * Content-addressed dataset storage: validated articles are encoded canonically, hashed (sha256),
 * gzipped (on the libuv pool, off the event loop) and written with `SET NX`, so the same articles
 * posted twice are stored once. Datasets live outside job payloads; jobs carry only the hash.
 * A data set may also be a chunk list (`extend`: a base's data set plus posted articles): a meta
 * record naming its chunks in order, each chunk a blob as above, so nothing is copied.
 */
export class RedisDatasetStore implements DatasetStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly limits: DatasetLimits,
    /** Seconds a dataset is kept after its last post or use; 0 keeps it forever. */
    private readonly ttlSeconds = 0,
    /** Checks Redis has room before a data set is written (STORAGE_FULL otherwise). */
    private readonly memory?: RedisMemory,
  ) {}

  /** Validates and stores `articles`; resolves once they are in Redis. */
  async put(articles: Posted): Promise<DatasetRef> {
    this.checkSize(articles.length);
    const { labels, counts } = validateArticles(articles, this.limits);
    // validateArticles has checked each is one of the two article shapes.
    return this.putBlob(articles as readonly Article[], labels, counts);
  }

  /**
   * Stores `articles` as one chunk and returns the chunk list of the base's data set followed by
   * it. Labels are validated over both (a label the base has needs no more examples).
   * @throws AppError INVALID_DATA when the base's data set is no longer stored; PAYLOAD_TOO_LARGE
   *   when both together exceed the document limit; as `put` otherwise
   */
  async extend(base: TrainBase, articles: Posted): Promise<DatasetRef> {
    const baseMeta = await this.storedMeta(base.datasetHash);
    if (!baseMeta || !(await this.touch(base.datasetHash)))
      throw new AppError(
        'INVALID_DATA',
        `the data set of base version ${base.version} is no longer stored; post the whole data set without baseVersion`,
        { baseVersion: base.version },
      );
    this.checkSize(baseMeta.documents + articles.length);
    const known =
      baseMeta.counts ?? Object.fromEntries(baseMeta.labels.map((l) => [l, this.limits.minPerLabel]));
    const union = validateArticles(articles, { ...this.limits, known });
    const added = articles as readonly Article[];
    const own = countLabels(added);
    const chunk = await this.putBlob(added, Object.keys(own).sort(), own);
    const chunks = [...(baseMeta.chunks ?? [base.datasetHash]), chunk.hash];
    const ref: DatasetRef = {
      hash: chunkListHash(chunks),
      documents: baseMeta.documents + chunk.documents,
      labels: union.labels,
      multiLabel: baseMeta.multiLabel || chunk.multiLabel,
      bytes: baseMeta.bytes + chunk.bytes,
      ...(baseMeta.characters !== undefined && chunk.characters !== undefined
        ? { characters: baseMeta.characters + chunk.characters }
        : {}),
      chunks,
    };
    if (await this.touch(ref.hash)) return ref;
    const meta = JSON.stringify({ ...ref, counts: union.counts, createdAt: new Date().toISOString() });
    const key = this.keys.datasetMeta(ref.hash);
    await (this.ttlSeconds > 0
      ? this.redis.set(key, meta, 'EX', this.ttlSeconds, 'NX')
      : this.redis.set(key, meta, 'NX'));
    return ref;
  }

  private checkSize(documents: number): void {
    if (documents > this.limits.maxDocuments) {
      throw new AppError('PAYLOAD_TOO_LARGE', `at most ${this.limits.maxDocuments} documents per dataset`, {
        documents,
      });
    }
  }

  /** Stores validated articles as one blob (unless stored already) with their meta record. */
  private async putBlob(
    articles: readonly Article[],
    labels: string[],
    counts: Record<string, number>,
  ): Promise<DatasetRef> {
    const raw = encodeDataset(articles);
    const hash = await sha256HexAsync(raw);
    const multiLabel = articles.some((a) => 'labels' in a);
    const characters = totalCharacters(articles);
    const documents = articles.length;
    const ref: DatasetRef = { hash, documents, labels, multiLabel, bytes: raw.byteLength, characters };
    if (await this.touch(hash)) {
      await this.recordCharacters(hash, characters);
      return ref;
    }
    const packed = await gzipAsync(raw);
    const meta = JSON.stringify({
      ...ref,
      counts,
      storedBytes: packed.byteLength,
      createdAt: new Date().toISOString(),
    });
    await this.memory?.ensureRoom(packed.byteLength + meta.length, 'the data set');
    // Data before meta: meta is what marks a dataset as present.
    const m = this.redis.multi();
    const metaKey = this.keys.datasetMeta(hash);
    if (this.ttlSeconds > 0) {
      m.set(this.keys.dataset(hash), packed, 'EX', this.ttlSeconds, 'NX');
      m.set(metaKey, meta, 'EX', this.ttlSeconds, 'NX');
    } else {
      m.set(this.keys.dataset(hash), packed, 'NX').set(metaKey, meta, 'NX');
    }
    await m.exec().catch((err: unknown) => {
      throw isOutOfMemory(err) ? refusedForMemory('the data set', packed.byteLength) : err;
    });
    this.memory?.invalidate();
    return ref;
  }

  /**
   * Adds `characters` to a blob's meta record written before it was kept, so that the worker
   * resolves the same text-length defaults as the submit that found the blob already stored.
   */
  private async recordCharacters(hash: string, characters: number): Promise<void> {
    const meta = await this.storedMeta(hash);
    if (!meta || meta.characters !== undefined) return;
    const key = this.keys.datasetMeta(hash);
    const value = JSON.stringify({ ...meta, characters });
    await (this.ttlSeconds > 0
      ? this.redis.set(key, value, 'EX', this.ttlSeconds, 'XX')
      : this.redis.set(key, value, 'XX'));
  }

  private async storedMeta(hash: string): Promise<StoredMeta | undefined> {
    const meta = await this.redis.get(this.keys.datasetMeta(hash));
    return meta ? (JSON.parse(meta) as StoredMeta) : undefined;
  }

  /**
   * True when the dataset is stored (a chunk list: it and every chunk); restarts the time to live
   * of all those keys.
   */
  private async touch(hash: string): Promise<boolean> {
    const meta = this.keys.datasetMeta(hash);
    const chunks = (await this.storedMeta(hash))?.chunks;
    const keys = chunks
      ? [meta, ...chunks.flatMap((c) => [this.keys.dataset(c), this.keys.datasetMeta(c)])]
      : [this.keys.dataset(hash), meta];
    if (this.ttlSeconds <= 0) return (await this.redis.exists(...keys)) === keys.length;
    const m = this.redis.multi();
    for (const k of keys) m.expire(k, this.ttlSeconds);
    const res = (await m.exec()) ?? [];
    return res.every(([err, n]) => !err && n === 1);
  }

  /** The stored reference for `hash`, or undefined. */
  async getRef(hash: string): Promise<DatasetRef | undefined> {
    const meta = await this.storedMeta(hash);
    if (!meta) return undefined;
    const { documents, labels, bytes, multiLabel, chunks, characters } = meta;
    // Data sets stored before multi-label models have no flag: they are single-label.
    const ref: DatasetRef = { hash, documents, labels, bytes, multiLabel: multiLabel ?? false };
    return { ...ref, ...(characters !== undefined ? { characters } : {}), ...(chunks ? { chunks } : {}) };
  }

  /**
   * The canonical (uncompressed NDJSON) bytes of a stored dataset: a chunk list's chunks one after
   * another, in order, each checked against its hash. AppError INVALID_DATA if missing.
   */
  async loadRaw(hash: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (const p of (await this.loadPacked(hash)).parts) {
      const raw = await gunzipAsync(p.packed);
      if ((await sha256HexAsync(raw)) !== p.hash)
        throw new AppError('INVALID_DATA', `dataset ${p.hash} failed its integrity check`);
      parts.push(raw);
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /**
   * A stored dataset as it is kept: its gzipped blobs in order (one, or a chunk list's), each
   * owning its memory so that it can be transferred, with the counts of its meta record. They are
   * checked against their hashes when unzipped ({@link packedCorpus}). AppError INVALID_DATA if missing.
   */
  async loadPacked(hash: string): Promise<PackedDataset> {
    const meta = await this.storedMeta(hash);
    if (!meta || !(await this.touch(hash)))
      throw new AppError('INVALID_DATA', `dataset ${hash} is not stored (was it deleted?)`);
    const parts: PackedPart[] = [];
    for (const c of meta.chunks ?? [hash]) {
      const packed = await getLargeBuffer(this.redis, this.keys.dataset(c));
      if (!packed) {
        const what = meta.chunks ? `a chunk of dataset ${hash}` : `dataset ${hash}`;
        throw new AppError('INVALID_DATA', `${what} is not stored (was it deleted?)`);
      }
      parts.push({ hash: c, packed: ownBytes(packed) });
    }
    const { documents, multiLabel, characters } = meta;
    return {
      parts,
      documents,
      multiLabel: multiLabel ?? false,
      ...(characters !== undefined ? { characters } : {}),
    };
  }
}
