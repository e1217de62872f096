/** Apps built the way `src/main.ts` builds them: createApp behind createSecurity, on a real Redis. */
import { once } from 'node:events';
import type { RequestListener } from 'node:http';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { createApp } from '../../src/api/index.js';
import { createSecurity } from '../../src/api/security/index.js';
import { silentLogger } from '../../src/log/index.js';
import { createRedis } from '../../src/redis/index.js';
import type { ServiceDeps } from '../../src/contract/index.js';
import { makeFakes, testConfig, type Fakes } from '../api/fakes.js';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.js';

/** A logger that keeps every line, at debug level. */
export function captureLogger(): { logger: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => lines.push(s) });
  return { logger, lines, text: () => lines.join('') };
}

export interface SecuredApp {
  app: RequestListener;
  fakes: Fakes;
}

/**
 * The API with security from `env` (API_KEYS, RATE_LIMIT_*, CORS_ORIGINS) over fakes, or over `deps`.
 * Rate limits default to off so each test turns on only the one it checks.
 */
export function securedApp(
  o: {
    env?: Record<string, string>;
    redis?: Redis;
    logger?: Logger;
    deps?: ServiceDeps;
    prefix?: string;
  } = {},
): SecuredApp {
  const fakes = makeFakes();
  const config = testConfig({
    REDIS_PREFIX: o.prefix ?? uniquePrefix('sec'),
    RATE_LIMIT_TRAIN_PER_MINUTE: '0',
    ...o.env,
  });
  const logger = o.logger ?? silentLogger;
  // Without a Redis from the test: a connection that never connects (limits are off, nothing is sent).
  const redis = o.redis ?? new Redis({ lazyConnect: true });
  const security = createSecurity({ config, redis, logger });
  const app = createApp(o.deps ?? fakes, { logger, config, guards: security.guards });
  return { app: security.wrap(app), fakes };
}

/** A fresh connection to the test Redis; the caller quits it. */
export async function testRedis(): Promise<Redis> {
  const r = createRedis(await testRedisUrl(), 'client');
  if (r.status !== 'ready') await once(r, 'ready');
  return r;
}

export const KEYS = {
  classify: 'classify-only-key-000001',
  train: 'train-only-key-0000000001',
  both: 'both-scopes-key-00000001',
} as const;

/** `API_KEYS` for the three test keys. */
export const API_KEYS = `${KEYS.classify}:classify, ${KEYS.train}:train,${KEYS.both}:train+classify`;
