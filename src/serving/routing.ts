import { createHash } from 'node:crypto';

/**
 * The bucket 0–99 of a request with `routingKey`: the first 32 bits (big-endian) of
 * sha1(`<model>:<routingKey>`) mod 100. Stable across processes and restarts, and independent of
 * the canary's version and share, so raising a canary's `percent` keeps the keys it already had.
 */
export function routingBucket(model: string, routingKey: string): number {
  return createHash('sha1').update(`${model}:${routingKey}`, 'utf8').digest().readUInt32BE(0) % 100;
}

/**
 * Whether a request goes to a canary that answers `percent` per cent: by its key's bucket, or at
 * random without a key.
 */
export function toCanary(
  model: string,
  percent: number,
  routingKey: string | undefined,
  random: () => number = Math.random,
): boolean {
  const bucket = routingKey === undefined ? Math.floor(random() * 100) : routingBucket(model, routingKey);
  return bucket < percent;
}
