/** Builds the Redis-backed services for a test, on its own key prefix. */
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import { createServices, type Services, type ServicesOptions } from '../../src/services/index.js';
import { testRedisUrl, uniquePrefix } from './redis.js';

/** Services on a fresh prefix; `env` overrides config variables. Close them in the test. */
export async function testServices(
  opts: { env?: Record<string, string>; prefix?: string } & Partial<
    Omit<ServicesOptions, 'config' | 'redisUrl' | 'logger'>
  > = {},
): Promise<Services> {
  const { env, prefix, ...rest } = opts;
  const config = parseConfig({
    REDIS_PREFIX: prefix ?? uniquePrefix(),
    TEXTCLF_BACKEND: 'cpu',
    JOB_BACKOFF_MS: '20',
    REGISTRY_POLL_MS: '0',
    ...env,
  });
  const services = createServices({
    config,
    redisUrl: await testRedisUrl(),
    logger: silentLogger,
    worker: false,
    ...rest,
  });
  await services.start();
  return services;
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(
  fn: () => Promise<T> | T,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
