import { createHash } from 'node:crypto';

/** The sha256 digest of `data` (a string is hashed as UTF-8). */
export function sha256(data: Uint8Array | string): Buffer {
  return createHash('sha256').update(data).digest();
}

/** Hex sha256 of `bytes`: the content address of a dataset and the checksum of an artefact. */
export function sha256Hex(bytes: Uint8Array): string {
  return sha256(bytes).toString('hex');
}

/** Bytes hashed between two turns of the event loop (a few ms each). */
const HASH_SLICE = 4 << 20;

/**
 * Hex sha256 of `bytes` in slices with an event-loop turn between them, so hashing a large artefact
 * or dataset never holds the loop that serves requests for long. Not WebCrypto: its digest copies
 * the whole input first, a transient copy the size of the artefact on every model load.
 */
export async function sha256HexAsync(bytes: Uint8Array): Promise<string> {
  const hash = createHash('sha256');
  for (let at = 0; at < bytes.byteLength; at += HASH_SLICE) {
    if (at > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    hash.update(bytes.subarray(at, at + HASH_SLICE));
  }
  return hash.digest('hex');
}
