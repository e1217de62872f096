/** Large string values (artefacts, data sets, checkpoints) read without a parser buffer that stays, and written without copies. */
import { randomUUID } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';

/** Size of one GETRANGE slice. */
export const READ_SLICE_BYTES = 1 << 20;
const ATTEMPTS = 5;

/**
 * The value at `key` as a Buffer of its own (offset 0, exactly its length), or undefined when the
 * key does not exist.
 *
 * Why not GET: ioredis's reply parser assembles a bulk reply that spans socket reads in a
 * module-wide pool of three times the reply's size, hands out a slice of it, and later "shrinks"
 * the pool by slicing, which never frees it. One 30 MB artefact read left ~90 MB resident in an
 * API process for good. Slices of {@link READ_SLICE_BYTES} keep that pool at a few MB. The slices
 * and the STRLEN are read in one MULTI (atomic, one round trip), so a value rewritten meanwhile (a
 * checkpoint) is never torn; when the value is longer than the slices read, all are read again.
 */
export async function getLargeBuffer(redis: Redis, key: string): Promise<Buffer | undefined> {
  // First the length and the first slice: a small value is read whole in this one round trip.
  let length = 0;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const tx = redis.multi().strlen(key).exists(key);
    const slices = Math.max(1, Math.ceil(length / READ_SLICE_BYTES));
    for (let i = 0; i < slices; i++)
      tx.getrangeBuffer(key, i * READ_SLICE_BYTES, (i + 1) * READ_SLICE_BYTES - 1);
    const replies = (await tx.exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    if (Number(replies[1]?.[1]) === 0) return undefined;
    const now = Number(replies[0]?.[1] ?? 0);
    if (now > slices * READ_SLICE_BYTES) {
      length = now; // longer than the slices read (or grown since): read it all, in one transaction
      continue;
    }
    return joinSlices(
      replies.slice(2).map((r) => r[1] as Buffer),
      now,
    );
  }
  throw new Error(`the value at ${key} kept growing while it was read`);
}

/** One buffer of its own from the slices (which are views into the parser's pool). */
function joinSlices(slices: Buffer[], length: number): Buffer {
  const out = Buffer.allocUnsafeSlow(length);
  let offset = 0;
  for (const slice of slices) offset += slice.copy(out, offset);
  if (offset !== length) throw new Error(`read ${offset} bytes of a ${length}-byte value`);
  return out;
}

/** Size of one APPEND when writing a large value. */
export const WRITE_SLICE_BYTES = 4 << 20;
/** How long a half-written value may linger after a crash mid-write. */
const PARTIAL_TTL_SECONDS = 3600;

/**
 * Writes `bytes` at `key`, then runs `also` (more commands) in the same MULTI as the switch, so
 * readers see the old value or the new one whole. Why not SET: ioredis copies a command's buffer
 * arguments into one buffer, and a MULTI's commands into another, so a 100 MB checkpoint cost
 * 200 MB more in the worker for each write. A large value is appended in slices of
 * {@link WRITE_SLICE_BYTES} to a key of its own (expiring, should the writer die midway), which
 * then replaces `key` (RENAME, PERSIST).
 */
export async function setLargeBuffer(
  redis: Redis,
  key: string,
  bytes: Uint8Array,
  also: (tx: ChainableCommander) => void = () => {},
): Promise<void> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length <= WRITE_SLICE_BYTES) {
    const tx = redis.multi().set(key, buf);
    also(tx);
    await execChecked(tx);
    return;
  }
  const partial = `${key}:partial:${randomUUID()}`;
  await redis.set(partial, buf.subarray(0, WRITE_SLICE_BYTES), 'EX', PARTIAL_TTL_SECONDS);
  for (let at = WRITE_SLICE_BYTES; at < buf.length; at += WRITE_SLICE_BYTES)
    await redis.append(partial, buf.subarray(at, at + WRITE_SLICE_BYTES));
  const tx = redis.multi().rename(partial, key).persist(key);
  also(tx);
  await execChecked(tx);
}

async function execChecked(tx: ChainableCommander): Promise<void> {
  const replies = (await tx.exec()) ?? [];
  for (const [err] of replies) if (err) throw err;
}
