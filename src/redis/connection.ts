import { Redis, type RedisOptions } from 'ioredis';
import { backoffMs } from '../common/index.js';
import type { Logger } from '../log/index.js';

/** What a connection is for; BullMQ workers and subscribers must never give up on a command. */
export type ConnectionRole = 'client' | 'worker' | 'subscriber';

/**
 * Opens an ioredis connection to `url`. Worker and subscriber connections use
 * `maxRetriesPerRequest: null` (required by BullMQ workers; a subscriber must survive restarts).
 * Client connections fail commands after a few retries so API requests do not hang while Redis is away.
 */
export function createRedis(url: string, role: ConnectionRole = 'client', log?: Logger): Redis {
  const opts: RedisOptions = {
    maxRetriesPerRequest: role === 'client' ? 2 : null,
    enableReadyCheck: true,
    // Reconnect forever with a capped backoff: Redis restarts must not need a process restart.
    retryStrategy: (times) => backoffMs(times, 100, 2000),
    connectionName: `textclf-${role}`,
  };
  const redis = new Redis(url, opts);
  // Without a listener ioredis prints unhandled errors; log them once per state change instead.
  let lastError = '';
  redis.on('error', (err: Error) => {
    if (err.message !== lastError) log?.warn({ err: err.message, role }, 'redis connection error');
    lastError = err.message;
  });
  redis.on('ready', () => {
    if (lastError) log?.info({ role }, 'redis connection restored');
    lastError = '';
  });
  return redis;
}

/** PING with a deadline; false when Redis does not answer in time. */
export async function pingRedis(redis: Redis, timeoutMs = 1000): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([redis.ping().then((r) => r === 'PONG'), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
