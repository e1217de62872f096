/** Small helpers several rooms share (no TensorFlow, no Redis): hashing, backoff, optional imports, worker threads and the bytes sent to them. */
export { sha256, sha256Hex, sha256HexAsync } from './hash.js';
export { backoffMs } from './backoff.js';
export { importOptional } from './optional-import.js';
export { spawnThread, siblingEntry } from './spawn-thread.js';
export { ownBytes } from './own-bytes.js';
