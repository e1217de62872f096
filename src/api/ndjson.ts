import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { AppError } from '../errors/index.js';
import { assertNoForbiddenKeys, checkJsonBytes } from './json-guard.js';
import type { FieldError } from './validate.js';

export interface NdjsonLimits {
  /** Total bytes of the stream. */
  maxBytes: number;
  /** Non-blank lines. */
  maxDocuments: number;
}

/**
 * Reads an NDJSON stream line by line into validated items, without buffering the whole body as
 * one string. Blank lines are skipped; `\r\n` endings are accepted. Every error names its 1-based
 * line. On a limit or parse error the stream is left paused; the caller answers and closes.
 * @param check returns field errors of one parsed line (empty when valid), or throws an AppError
 * @throws AppError INVALID_JSON (bad JSON or non-UTF-8 line), INVALID_REQUEST (schema),
 *   PAYLOAD_TOO_LARGE (bytes or document count), INVALID_REQUEST (empty body)
 */
export function readNdjson<T>(
  stream: Readable,
  limits: NdjsonLimits,
  check: (v: unknown) => FieldError[],
): Promise<T[]> {
  return new Promise<T[]>((resolve, reject) => {
    const reader = new NdjsonReader<T>(limits, check);
    let done = false;

    // Settles once: later events (an `error` after `end`, a `close` after a rejection) are ignored.
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (err) {
        stream.pause();
        reject(err);
      } else resolve(reader.items);
    };

    // The handlers are synchronous, so a chunk is wholly parsed before the stream emits the next.
    const onData = (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (e) {
        finish(e);
      }
    };
    const onEnd = () => {
      try {
        reader.end();
        finish();
      } catch (e) {
        finish(e);
      }
    };
    // Decoder and socket errors: the client sent something unreadable (or went away).
    const onError = (e: unknown) =>
      finish(
        e instanceof AppError
          ? e
          : new AppError('INVALID_REQUEST', 'The request body could not be read or decoded'),
      );
    const onClose = () => finish(new AppError('INVALID_REQUEST', 'The request was aborted'));

    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

/**
 * {@link readNdjson} for bodies too large to hold (bulk classification): the valid lines go to
 * `onItems` in order, in batches of at least `batchLines` (the last one may be smaller), and the
 * stream is paused while a batch is handled, so about one batch is held at a time. The same limits
 * and errors (with their `line`); an error from `onItems` ends the read with it.
 * @returns how many documents were read
 */
export function readNdjsonBatches<T>(
  stream: Readable,
  limits: NdjsonLimits,
  check: (v: unknown) => FieldError[],
  batchLines: number,
  onItems: (items: T[]) => Promise<void>,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const reader = new NdjsonReader<T>(limits, check);
    let done = false;
    let ended = false;
    let busy: Promise<void> = Promise.resolve();
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      // The error listener stays (guarded by `done`): a late decoder error must not go unhandled.
      stream.off('data', onData);
      if (err) {
        stream.pause();
        reject(err);
      } else resolve(reader.count);
    };
    const hand = (items: T[]) => {
      stream.pause();
      busy = onItems(items).then(() => void (done || stream.resume()));
      busy.catch(finish);
    };
    const onData = (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (e) {
        return finish(e);
      }
      if (reader.items.length >= batchLines) hand(reader.take());
    };
    const onEnd = () => {
      ended = true;
      busy
        .then(() => {
          reader.end();
          const rest = reader.take();
          return rest.length > 0 ? onItems(rest) : undefined;
        })
        .then(() => finish(), finish);
    };
    const onError = (e: unknown) =>
      finish(
        e instanceof AppError
          ? e
          : new AppError('INVALID_REQUEST', 'The request body could not be read or decoded'),
      );
    // A stream emits `close` after `end` too: only a close before the end is an abort.
    const onClose = () => ended || finish(new AppError('INVALID_REQUEST', 'The request was aborted'));
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.on('error', onError);
    stream.once('close', onClose);
  });
}

/**
 * The state of one NDJSON read: it cuts chunks into lines, counts bytes and lines against the
 * limits and keeps the accepted items. Whatever a method throws ends the read with that error.
 */
class NdjsonReader<T> {
  /** The valid lines so far (since the last `take`), in order. */
  readonly items: T[] = [];
  /** Valid lines read in all, taken or not. */
  count = 0;
  private readonly limits: NdjsonLimits;
  private readonly check: (v: unknown) => FieldError[];
  private pending: Buffer[] = []; // bytes of the current, unfinished line
  private bytes = 0;
  private line = 0;

  constructor(limits: NdjsonLimits, check: (v: unknown) => FieldError[]) {
    this.limits = limits;
    this.check = check;
  }

  /** Takes one chunk: counts its bytes first, so an oversized stream stops before it is parsed. */
  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limits.maxBytes) {
      throw new AppError('PAYLOAD_TOO_LARGE', `The stream is larger than ${this.limits.maxBytes} bytes`, {
        limit: this.limits.maxBytes,
      });
    }
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      this.pending.push(chunk.subarray(start, nl));
      // A line within one chunk is a view of it; only a line split across chunks is copied.
      this.handleLine(this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending));
      this.pending = [];
      start = nl + 1;
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
  }

  /** The stream ended: a last line needs no `\n`, but a body without documents is refused. */
  end(): void {
    if (this.pending.length > 0) this.handleLine(Buffer.concat(this.pending));
    if (this.count === 0) {
      throw new AppError('INVALID_REQUEST', 'The NDJSON body has no documents', {
        errors: [{ path: '/body', message: 'must contain at least one line' }],
      });
    }
  }

  private handleLine(raw: Buffer): void {
    const line = ++this.line; // blank lines count too, so numbers match the client's file
    const buf = withoutCr(raw);
    if (isBlank(buf)) return;
    if (this.count >= this.limits.maxDocuments) {
      throw new AppError('PAYLOAD_TOO_LARGE', `More than ${this.limits.maxDocuments} documents`, {
        line,
        limit: this.limits.maxDocuments,
      });
    }
    const value = parseLine(buf, line);
    checkLine(value, line, this.check);
    this.items.push(value as T);
    this.count++;
  }

  /** The valid lines since the last call, handed over (for a reader that passes them on in batches). */
  take(): T[] {
    return this.items.splice(0);
  }
}

/** The line without a trailing `\r`, so `\r\n` files read like `\n` ones. */
function withoutCr(raw: Buffer): Buffer {
  let end = raw.length;
  if (end > 0 && raw[end - 1] === 0x0d) end--;
  return raw.subarray(0, end);
}

/** Only spaces and tabs (or nothing): skipped rather than refused as bad JSON. */
function isBlank(buf: Buffer): boolean {
  return buf.every((b) => b === 0x20 || b === 0x09);
}

/**
 * One line's JSON value. Byte checks, JSON.parse and the forbidden-key check all fail the same way
 * for the client, so each failure becomes one AppError prefixed with the line (its code kept).
 */
function parseLine(buf: Buffer, line: number): unknown {
  try {
    checkJsonBytes(buf);
    const value: unknown = JSON.parse(buf.toString('utf8'));
    assertNoForbiddenKeys(value, '');
    return value;
  } catch (e) {
    const reason = e instanceof AppError ? e.message : e instanceof Error ? e.message : 'invalid JSON';
    const code = e instanceof AppError ? e.code : 'INVALID_JSON';
    const errors = e instanceof AppError ? e.details.errors : undefined;
    throw new AppError(code, `Line ${line}: ${reason}`, errors ? { line, errors } : { line });
  }
}

/** Runs the caller's schema check on one value; what it reports (or throws) is given the line. */
function checkLine(value: unknown, line: number, check: (v: unknown) => FieldError[]): void {
  let errors: FieldError[];
  try {
    errors = check(value);
  } catch (e) {
    if (e instanceof AppError)
      throw new AppError(e.code, `Line ${line}: ${e.message}`, { ...e.details, line });
    throw e;
  }
  if (errors.length > 0) {
    const first = errors[0] as FieldError;
    throw new AppError('INVALID_REQUEST', `Line ${line}: ${first.path || '/'} ${first.message}`, {
      line,
      errors,
    });
  }
}

/**
 * The request body as it was before `Content-Encoding` (gzip, deflate, br); limits then apply to
 * the decoded bytes, so a small compressed upload cannot expand without bound.
 * @throws AppError UNSUPPORTED_MEDIA_TYPE for other encodings
 */
export function decodedBody(
  req: Readable & { headers: Record<string, string | string[] | undefined> },
): Readable {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  const make: Record<string, (() => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress) | undefined> = {
    gzip: () => zlib.createGunzip(),
    deflate: () => zlib.createInflate(),
    br: () => zlib.createBrotliDecompress(),
  };
  if (encoding === 'identity') return req;
  const factory = make[encoding];
  if (!factory) throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Unsupported Content-Encoding "${encoding}"`);
  const decoder = factory();
  req.on('error', (e) => decoder.destroy(e));
  return req.pipe(decoder);
}
