/**
 * The byte side of the CSV reader: a stream's bytes into csv-parse as UTF-8 text (within a byte
 * limit, with backpressure), and how the input is named in errors.
 */
import type { Readable } from 'node:stream';
import type { Parser } from 'csv-parse';
import { AppError, type ErrorCode } from '../errors/index.js';
import type { CsvReadOptions } from './csv.js';

/** What an input is called in its errors; one place so file and body errors cannot drift apart. */
export class Where {
  readonly code: ErrorCode;
  constructor(readonly file: string | undefined) {
    this.code = file === undefined ? 'INVALID_REQUEST' : 'INVALID_FILE';
  }

  /** An error about one line: `<file>:<line>: problem`, or `Line <line>: problem` for a body. */
  error(line: number, problem: string, code: ErrorCode = this.code, extra = {}): AppError {
    const at = this.file === undefined ? `Line ${line}` : `${this.file}:${line}`;
    const details = this.file === undefined ? { ...extra, line } : { ...extra, file: this.file, line };
    return new AppError(code, `${at}: ${problem}`, details);
  }

  /** An error about the whole input (reading it, its size), prefixed with the file when there is one. */
  whole(problem: string, code: ErrorCode = this.code, extra = {}): AppError {
    if (this.file === undefined) return new AppError(code, problem, extra);
    return new AppError(code, `${this.file}: ${problem}`, { ...extra, file: this.file });
  }
}

/** Line breaks in the fields (or pieces of text) given. */
export function lineBreaks(fields: readonly string[]): number {
  let n = 0;
  for (const f of fields) for (let i = f.indexOf('\n'); i !== -1; i = f.indexOf('\n', i + 1)) n++;
  return n;
}

/** Strict UTF-8 decoding of a stream's chunks, counting line breaks to place a bad byte. */
class Utf8Text {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private lines = 0; // line breaks in the text decoded so far

  constructor(private readonly where: Where) {}

  /** The chunk's text; a character split across chunks comes with the next one. */
  decode(chunk: Buffer): string {
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: true });
    } catch {
      // The lenient decoding marks the first bad byte with U+FFFD: its line is the one to name.
      const lenient = chunk.toString('utf8');
      const before = lenient.slice(0, Math.max(0, lenient.indexOf('\uFFFD')));
      throw this.where.error(this.lines + lineBreaks([before]) + 1, 'not UTF-8');
    }
    this.lines += lineBreaks([text]);
    return text;
  }

  /** What is left at the end; a character cut short there is an error. */
  end(): string {
    try {
      return this.decoder.decode();
    } catch {
      throw this.where.error(this.lines + 1, 'not UTF-8 (the input ends inside a character)');
    }
  }
}

function readError(e: unknown, where: Where): AppError {
  if (e instanceof AppError) return e;
  if (where.file === undefined) return where.whole('The request body could not be read or decoded');
  return where.whole(`cannot read (${(e as NodeJS.ErrnoException | undefined)?.code ?? 'error'})`);
}

/**
 * Pipes the stream's bytes into the parser as UTF-8 text, counting them against `maxBytes` and
 * pausing the stream while the parser is full. An error destroys the parser with it (the reader
 * then rejects) and pauses the stream. Returns the function that unhooks it all.
 */
export function feed(input: Readable, parser: Parser, opts: CsvReadOptions, where: Where): () => void {
  const text = new Utf8Text(where);
  let bytes = 0;
  let ended = false;
  const fail = (e: AppError) => {
    input.pause();
    parser.destroy(e);
  };
  const guarded =
    <A extends unknown[]>(f: (...a: A) => void) =>
    (...a: A) => {
      try {
        f(...a);
      } catch (e) {
        fail(readError(e, where));
      }
    };
  const on = {
    data: guarded((chunk: Buffer) => {
      bytes += chunk.length;
      if (opts.maxBytes !== undefined && bytes > opts.maxBytes) {
        const limit = opts.maxBytes;
        throw where.whole(`The input is larger than ${limit} bytes`, 'PAYLOAD_TOO_LARGE', { limit });
      }
      opts.onBytes?.(bytes);
      if (!parser.write(text.decode(chunk))) input.pause();
    }),
    end: guarded(() => {
      ended = true;
      parser.end(text.end());
    }),
    error: (e: unknown) => fail(readError(e, where)),
    close: () => {
      if (!ended) fail(where.whole(where.file === undefined ? 'The request was aborted' : 'closed early'));
    },
  };
  const onDrain = () => input.resume();
  for (const [event, f] of Object.entries(on)) input.on(event, f);
  parser.on('drain', onDrain);
  return () => {
    for (const [event, f] of Object.entries(on)) input.off(event, f);
    parser.off('drain', onDrain);
    if (!ended) input.pause();
  };
}
