import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Redis } from 'ioredis';
import { sha256HexAsync } from '../common/index.js';
import type { components, DatasetRef, DatasetStore } from '../contract/index.js';
import { AppError } from '../errors/index.js';
import { isOutOfMemory, refusedForMemory, type Keys, type RedisMemory } from '../redis/index.js';
import { validateArticles, type Article } from '../text/index.js';
import { encodeDataset } from './dataset-codec.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Limits applied before anything is stored. */
export interface DatasetLimits {
  minPerLabel: number;
  maxLabels: number;
  maxTextBytes: number;
  maxDocuments: number;
}

/**
 * Content-addressed dataset storage: validated articles are encoded canonically, hashed (sha256),
 * gzipped (on the libuv pool, off the event loop) and written with `SET NX`, so the same articles
 * posted twice are stored once. Datasets live outside job payloads; jobs carry only the hash.
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
  async put(articles: readonly components['schemas']['Article'][]): Promise<DatasetRef> {
    if (articles.length > this.limits.maxDocuments) {
      throw new AppError('PAYLOAD_TOO_LARGE', `at most ${this.limits.maxDocuments} documents per dataset`, {
        documents: articles.length,
      });
    }
    const { documents, labels, multiLabel } = validateArticles(articles, {
      minPerLabel: this.limits.minPerLabel,
      maxLabels: this.limits.maxLabels,
      maxTextBytes: this.limits.maxTextBytes,
    });
    // validateArticles has checked each is one of the two article shapes.
    const raw = encodeDataset(articles as readonly Article[]);
    const hash = await sha256HexAsync(raw);
    const ref: DatasetRef = { hash, documents, labels, multiLabel, bytes: raw.byteLength };
    const metaKey = this.keys.datasetMeta(hash);
    if (await this.touch(hash)) return ref;
    const packed = await gzipAsync(raw);
    const meta = JSON.stringify({
      ...ref,
      storedBytes: packed.byteLength,
      createdAt: new Date().toISOString(),
    });
    await this.memory?.ensureRoom(packed.byteLength + meta.length, 'the data set');
    // Data before meta: meta is what marks a dataset as present.
    const m = this.redis.multi();
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

  /** True when the dataset is stored; restarts its time to live. */
  private async touch(hash: string): Promise<boolean> {
    const data = this.keys.dataset(hash);
    const meta = this.keys.datasetMeta(hash);
    if (this.ttlSeconds <= 0) return (await this.redis.exists(data, meta)) === 2;
    const res =
      (await this.redis.multi().expire(data, this.ttlSeconds).expire(meta, this.ttlSeconds).exec()) ?? [];
    return res.every(([err, n]) => !err && n === 1);
  }

  /** The stored reference for `hash`, or undefined. */
  async getRef(hash: string): Promise<DatasetRef | undefined> {
    const meta = await this.redis.get(this.keys.datasetMeta(hash));
    if (!meta) return undefined;
    const { documents, labels, bytes, multiLabel } = JSON.parse(meta) as Partial<DatasetRef>;
    // Data sets stored before multi-label models have no flag: they are single-label.
    return { hash, documents: documents!, labels: labels!, bytes: bytes!, multiLabel: multiLabel ?? false };
  }

  /** The canonical (uncompressed NDJSON) bytes of a stored dataset; AppError INVALID_DATA if missing. */
  async loadRaw(hash: string): Promise<Buffer> {
    await this.touch(hash);
    const packed = await this.redis.getBuffer(this.keys.dataset(hash));
    if (!packed) throw new AppError('INVALID_DATA', `dataset ${hash} is not stored (was it deleted?)`);
    const raw = await gunzipAsync(packed);
    if ((await sha256HexAsync(raw)) !== hash)
      throw new AppError('INVALID_DATA', `dataset ${hash} failed its integrity check`);
    return raw;
  }
}
