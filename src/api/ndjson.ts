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
    const items: T[] = [];
    let pending: Buffer[] = []; // bytes of the current, unfinished line
    let bytes = 0;
    let line = 0;
    let done = false;

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
      } else resolve(items);
    };

    const handleLine = (raw: Buffer) => {
      line++;
      let end = raw.length;
      if (end > 0 && raw[end - 1] === 0x0d) end--;
      const buf = raw.subarray(0, end);
      if (buf.every((b) => b === 0x20 || b === 0x09)) return;
      if (items.length >= limits.maxDocuments) {
        throw new AppError('PAYLOAD_TOO_LARGE', `More than ${limits.maxDocuments} documents`, {
          line,
          limit: limits.maxDocuments,
        });
      }
      let value: unknown;
      try {
        checkJsonBytes(buf);
        value = JSON.parse(buf.toString('utf8'));
        assertNoForbiddenKeys(value, '');
      } catch (e) {
        const reason = e instanceof AppError ? e.message : e instanceof Error ? e.message : 'invalid JSON';
        const code = e instanceof AppError ? e.code : 'INVALID_JSON';
        const errors = e instanceof AppError ? e.details.errors : undefined;
        throw new AppError(code, `Line ${line}: ${reason}`, errors ? { line, errors } : { line });
      }
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
      items.push(value as T);
    };

    const onData = (chunk: Buffer) => {
      try {
        bytes += chunk.length;
        if (bytes > limits.maxBytes) {
          throw new AppError('PAYLOAD_TOO_LARGE', `The stream is larger than ${limits.maxBytes} bytes`, {
            limit: limits.maxBytes,
          });
        }
        let start = 0;
        for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
          pending.push(chunk.subarray(start, nl));
          handleLine(pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending));
          pending = [];
          start = nl + 1;
        }
        if (start < chunk.length) pending.push(chunk.subarray(start));
      } catch (e) {
        finish(e);
      }
    };
    const onEnd = () => {
      try {
        if (pending.length > 0) handleLine(Buffer.concat(pending));
        if (items.length === 0) {
          throw new AppError('INVALID_REQUEST', 'The NDJSON body has no documents', {
            errors: [{ path: '/body', message: 'must contain at least one line' }],
          });
        }
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
