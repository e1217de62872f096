import type { Redis } from 'ioredis';
import { AppError } from '../../errors/index.js';
import type { Logger } from '../../log/index.js';
import { luaScript, redisCommand } from '../../redis/index.js';
import type { GuardedRoute, RequestGuard } from '../pipeline.js';
import { principalOf } from './auth.js';

/** Which limit an operation counts against. */
export type Bucket = 'classify' | 'train' | 'other';

/** Requests per window for each bucket; 0 turns a bucket's limit off. */
export type Limits = Record<Bucket, number>;

/** The bucket of an operation: classification, training submissions, and everything else guarded. */
export function bucketOf(operationId: GuardedRoute): Bucket {
  if (operationId === 'classify') return 'classify';
  if (operationId === 'train') return 'train';
  return 'other';
}

const RATE_HIT = luaScript(import.meta.url, './rate-hit.lua', 'textclfRateHit', 1);

type HitCommand = (key: string, windowMs: number) => Promise<[number, number]>;

export interface RateLimiterOptions {
  /** Key prefix (the deployment's `REDIS_PREFIX`). */
  prefix: string;
  windowMs?: number;
  /** How long to wait for Redis before letting the request through; default 200 ms. */
  timeoutMs?: number;
  /** Least time between two "limiter unavailable" log lines; default 60 s. */
  logEveryMs?: number;
}

/** Outcome of one counted request. */
export interface HitResult {
  allowed: boolean;
  count: number;
  /** Whole seconds until the window resets (at least 1). */
  retryAfter: number;
}

/**
 * Per-caller request counters in Redis, shared by all API processes. Fails open: while Redis is
 * away or slow, requests pass uncounted (classification keeps working from memory) and one line
 * is logged per `logEveryMs`.
 */
export class RedisRateLimiter {
  private readonly hitCmd: HitCommand;
  private readonly windowMs: number;
  private readonly timeoutMs: number;
  private readonly logEveryMs: number;
  private lastLog = 0;

  constructor(
    private readonly redis: Redis,
    private readonly opts: RateLimiterOptions,
    private readonly log: Logger,
  ) {
    this.windowMs = opts.windowMs ?? 60_000;
    this.timeoutMs = opts.timeoutMs ?? 200;
    this.logEveryMs = opts.logEveryMs ?? 60_000;
    this.hitCmd = redisCommand<[number, number]>(redis, RATE_HIT);
  }

  /** Counts one request of `who` in `bucket`; undefined when Redis could not be asked (fail open). */
  async hit(bucket: Bucket, who: string, limit: number): Promise<HitResult | undefined> {
    if (this.redis.status !== 'ready') {
      this.unavailable(`redis ${this.redis.status}`);
      return undefined;
    }
    const key = `${this.opts.prefix}:ratelimit:${bucket}:${who}`;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.timeoutMs);
    });
    try {
      const reply = await Promise.race([this.hitCmd(key, this.windowMs), timeout]);
      if (!reply) {
        this.unavailable('redis timeout');
        return undefined;
      }
      const [count, ttl] = reply;
      return { allowed: count <= limit, count, retryAfter: Math.max(1, Math.ceil(ttl / 1000)) };
    } catch (err) {
      this.unavailable(err instanceof Error ? err.message : String(err));
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private unavailable(reason: string): void {
    const now = Date.now();
    if (now - this.lastLog < this.logEveryMs) return;
    this.lastLog = now;
    this.log.warn({ reason }, 'rate limiter unavailable: requests pass unlimited until Redis answers');
  }
}

/**
 * The rate-limit guard: counts per API key (its fingerprint) or, without one, per client IP;
 * over the bucket's limit it throws RATE_LIMITED with `retryAfter` (→ `Retry-After`).
 */
export function rateLimitGuard(limiter: RedisRateLimiter, limits: Limits): RequestGuard {
  return async (req, route) => {
    const bucket = bucketOf(route.operationId);
    const limit = limits[bucket];
    if (limit <= 0) return;
    const principal = principalOf(req);
    const who = principal ? `key:${principal.id}` : `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
    const r = await limiter.hit(bucket, who, limit);
    if (r && !r.allowed) {
      throw new AppError('RATE_LIMITED', `More than ${limit} ${bucket} requests per minute; retry later`, {
        retryAfter: r.retryAfter,
        limit,
      });
    }
  };
}
