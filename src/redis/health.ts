import type { Redis } from 'ioredis';
import type { BackendInfo, Health } from '../contract/index.js';
import { pingRedis } from './connection.js';
import type { Keys } from './keys.js';
import { RedisMemory } from './memory.js';

/**
 * Readiness checks: Redis answers PING within a short deadline, and the registry can be read.
 * `backend()` reports the TensorFlow.js backend this process selected.
 */
export class RedisHealth implements Health {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly backendInfo: () => BackendInfo | undefined,
    private readonly timeoutMs = 1000,
    private readonly memoryStatus = new RedisMemory(redis),
  ) {}

  async memory(): Promise<{ usedBytes: number; maxBytes: number | null } | undefined> {
    if (this.redis.status !== 'ready') return undefined;
    try {
      const { usedBytes, maxBytes } = await this.memoryStatus.status();
      return { usedBytes, maxBytes };
    } catch {
      return undefined;
    }
  }

  redisReady(): Promise<boolean> {
    return pingRedis(this.redis, this.timeoutMs);
  }

  async registryReady(): Promise<boolean> {
    if (this.redis.status !== 'ready') return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), this.timeoutMs)));
    try {
      const read = this.redis.scard(this.keys.models).then(() => true);
      return await Promise.race([read, timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  backend(): BackendInfo | undefined {
    return this.backendInfo();
  }
}
