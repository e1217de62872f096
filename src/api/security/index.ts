/** API keys, per-key rate limits shared through Redis, and CORS for the HTTP API (issue 4). */
import { readFileSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import type { Redis } from 'ioredis';
import type { Config } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import type { RequestGuard } from '../pipeline.js';
import { KeyChecker, parseApiKeys } from './api-keys.js';
import { authGuard } from './auth.js';
import { parseOrigins, withCors } from './cors.js';
import { RedisRateLimiter, rateLimitGuard, type Limits } from './rate-limit.js';

export { KeyChecker, parseApiKeys, SCOPES, MIN_KEY_LENGTH } from './api-keys.js';
export type { ApiKeyEntry, Principal, Scope } from './api-keys.js';
export { authGuard, principalOf } from './auth.js';
export { parseOrigins, withCors } from './cors.js';
export { RedisRateLimiter, rateLimitGuard, bucketOf } from './rate-limit.js';
export type { Bucket, Limits, HitResult, RateLimiterOptions } from './rate-limit.js';

/** The cookie the dashboard keeps the API key in for the queue board (SameSite=Strict, path /queues). */
export const BOARD_KEY_COOKIE = 'textclf_key';

export type SecurityConfig = Pick<
  Config,
  | 'API_KEYS'
  | 'API_KEYS_FILE'
  | 'RATE_LIMIT_CLASSIFY_PER_MINUTE'
  | 'RATE_LIMIT_TRAIN_PER_MINUTE'
  | 'RATE_LIMIT_OTHER_PER_MINUTE'
  | 'CORS_ORIGINS'
  | 'REDIS_PREFIX'
>;

/** What `createApp` and the HTTP server need. */
export interface Security {
  /** For `createApp(deps, { guards })`: auth first, then the rate limit. */
  guards: RequestGuard[];
  /**
   * For the queue board (`/queues`): the API key from the header or, since the browser opens the
   * board itself, from the `textclf_key` cookie the dashboard sets; none when keys are off.
   */
  boardGuards: RequestGuard[];
  /** Wraps the app's request listener (CORS); returns it unchanged when CORS is off. */
  wrap(app: RequestListener): RequestListener;
  /** Number of configured keys (0: open). */
  keys: number;
}

/**
 * Builds the security layer from the config. With no keys the API runs open and this logs one
 * warning; keys are never logged, only their count.
 * @throws Error with a one-line reason for a malformed key list, key file or origin list.
 */
export function createSecurity(o: { config: SecurityConfig; redis: Redis; logger: Logger }): Security {
  const { config: c, logger } = o;
  let text = c.API_KEYS;
  if (c.API_KEYS_FILE) {
    try {
      text = `${text}\n${readFileSync(c.API_KEYS_FILE, 'utf8')}`;
    } catch (err) {
      throw new Error(
        `API_KEYS_FILE: cannot read ${c.API_KEYS_FILE} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  const entries = parseApiKeys(text);
  const checker = new KeyChecker(entries);
  const origins = parseOrigins(c.CORS_ORIGINS);
  const limits: Limits = {
    classify: c.RATE_LIMIT_CLASSIFY_PER_MINUTE,
    train: c.RATE_LIMIT_TRAIN_PER_MINUTE,
    other: c.RATE_LIMIT_OTHER_PER_MINUTE,
  };
  const guards: RequestGuard[] = [];
  const boardGuards: RequestGuard[] = [];
  if (checker.enabled) {
    guards.push(authGuard(checker));
    boardGuards.push(authGuard(checker, { cookie: BOARD_KEY_COOKIE }));
  } else logger.warn('no API keys configured (API_KEYS): the API is open to anyone who can reach it');
  if (limits.classify > 0 || limits.train > 0 || limits.other > 0) {
    const limit = rateLimitGuard(new RedisRateLimiter(o.redis, { prefix: c.REDIS_PREFIX }, logger), limits);
    guards.push(limit);
    boardGuards.push(limit);
  }
  logger.info(
    {
      apiKeys: checker.enabled ? 'on' : 'off',
      rateLimits: limits,
      cors: origins.length > 0 ? origins : 'off',
    },
    'security',
  );
  return { guards, boardGuards, wrap: (app) => withCors(app, origins), keys: entries.length };
}
