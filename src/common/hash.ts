import { createHash, webcrypto } from 'node:crypto';

/** The sha256 digest of `data` (a string is hashed as UTF-8). */
export function sha256(data: Uint8Array | string): Buffer {
  return createHash('sha256').update(data).digest();
}

/** Hex sha256 of `bytes`: the content address of a dataset and the checksum of an artefact. */
export function sha256Hex(bytes: Uint8Array): string {
  return sha256(bytes).toString('hex');
}

/**
 * Hex sha256 computed on the libuv thread pool (WebCrypto), so hashing a large artefact or
 * dataset does not hold the event loop that serves requests.
 */
export async function sha256HexAsync(bytes: Uint8Array): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex');
}
