import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisCommand, type Keys } from '../redis/index.js';
import { PIN } from './commands.js';

interface Hold {
  count: number;
  ready: Promise<void>;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Versions pinned by this process's in-flight requests. While a request reads a version from Redis
 * (loading a non-latest version, or a new latest), retention and `deleteVersion` leave it alone
 * (delete-version.lua refuses with VERSION_IN_USE). A pin is refreshed every third of its TTL while
 * held and removed on release; if this process dies, it lapses after at most the TTL.
 * Concurrent holds of one version share one pin.
 */
export class VersionPins {
  private readonly holds = new Map<string, Hold>();
  private readonly pinCmd;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly ttlMs = 10_000,
    /** Holder id in the pin sets; one per process. */
    private readonly holder = randomUUID(),
  ) {
    this.pinCmd = redisCommand<number>(redis, PIN);
  }

  /** Runs `fn` with `model`@`version` pinned. */
  async hold<T>(model: string, version: number, fn: () => Promise<T>): Promise<T> {
    const key = this.keys.pins(model, version);
    let h = this.holds.get(key);
    if (h) h.count++;
    else {
      const hold: Hold = { count: 1, ready: this.pin(key), timer: undefined };
      h = hold;
      this.holds.set(key, h);
      hold.timer = setInterval(() => void this.pin(key).catch(() => undefined), this.ttlMs / 3);
      hold.timer.unref();
    }
    try {
      await h.ready;
      return await fn();
    } finally {
      if (--h.count === 0) {
        clearInterval(h.timer);
        this.holds.delete(key);
        await this.redis.zrem(key, this.holder).catch(() => undefined);
      }
    }
  }

  /** Versions pinned by this process now (for tests and diagnostics). */
  held(): string[] {
    return [...this.holds.keys()];
  }

  private async pin(key: string): Promise<void> {
    await this.pinCmd(key, this.holder, this.ttlMs);
  }
}
