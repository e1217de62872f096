import type { Redis } from 'ioredis';
import { AppError } from '../errors/index.js';

/** Redis's memory as `INFO memory` reports it; `maxBytes` is null when no `maxmemory` is set. */
export interface MemoryStatus {
  usedBytes: number;
  maxBytes: number | null;
  /** What can still be written before Redis refuses writes (null: no limit). */
  freeBytes: number | null;
}

const MB = 1024 * 1024;
const mb = (n: number) => `${(n / MB).toFixed(1)} MB`;

/** What a user can do about a full Redis. */
const ADVICE = "delete old model versions or data sets, or raise Redis's maxmemory";

/**
 * STORAGE_FULL for a write Redis refused at `maxmemory` (after the headroom check, or without
 * one): `what` names it ("the data set", "the trained version").
 */
export function refusedForMemory(what: string, bytes: number): AppError {
  return new AppError(
    'STORAGE_FULL',
    `Redis is full: ${what} (${mb(bytes)}) could not be stored; ${ADVICE}`,
    {
      neededBytes: bytes,
    },
  );
}

/** True for Redis's refusal of a write at `maxmemory` (policy `noeviction`). */
export function isOutOfMemory(err: unknown): boolean {
  return err instanceof Error && /\bOOM command not allowed\b/.test(err.message);
}

/**
 * Headroom in Redis before large writes (a data set, a version, the model the options allow), so a
 * full Redis is refused early and clearly (`STORAGE_FULL`, with how much is needed and free) rather
 * than failing deep inside a job. `INFO memory` is read at most once per `cacheMs`.
 */
export class RedisMemory {
  private cached: { at: number; status: Promise<MemoryStatus> } | undefined;

  constructor(
    private readonly redis: Redis,
    /** Kept free beyond each write: BullMQ's and the job records' own bookkeeping needs room too. */
    private readonly reserveBytes = 2 * MB,
    private readonly cacheMs = 1000,
  ) {}

  /** Used and maximum memory, from a recent `INFO memory`. */
  status(): Promise<MemoryStatus> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > this.cacheMs) {
      const status = this.read();
      status.catch(() => (this.cached = undefined));
      this.cached = { at: now, status };
    }
    return this.cached.status;
  }

  /**
   * Throws STORAGE_FULL when Redis has `maxmemory` set and less than `neededBytes` (plus a reserve)
   * free. `what` names the write in the message ("the data set", "the trained version").
   */
  async ensureRoom(neededBytes: number, what: string): Promise<void> {
    const s = await this.status();
    if (s.freeBytes === null || s.maxBytes === null) return;
    if (s.freeBytes >= neededBytes + this.reserveBytes) return;
    throw new AppError(
      'STORAGE_FULL',
      `Redis is too full for ${what}: it needs about ${mb(neededBytes)} and ${mb(Math.max(0, s.freeBytes))} ` +
        `of ${mb(s.maxBytes)} is free; ${ADVICE}`,
      { neededBytes: Math.ceil(neededBytes), freeBytes: Math.max(0, s.freeBytes), maxBytes: s.maxBytes },
    );
  }

  /** Forgets the cached reading (after a large write or delete). */
  invalidate(): void {
    this.cached = undefined;
  }

  private async read(): Promise<MemoryStatus> {
    const info = await this.redis.info('memory');
    const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    const usedBytes = field('used_memory');
    const max = field('maxmemory');
    return { usedBytes, maxBytes: max > 0 ? max : null, freeBytes: max > 0 ? max - usedBytes : null };
  }
}
