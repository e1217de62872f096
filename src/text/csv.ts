/**
 * CSV training data (RFC 4180, parsed by `csv-parse`): a header naming a `text` and a `label`
 * column, then one article per row. Shared by the CLI (files) and the API (`POST /train` as
 * `text/csv`), so it reads a byte stream and reports rows by their 1-based line in the input.
 */
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { CsvError, Parser } from 'csv-parse';
import { AppError } from '../errors/index.js';
import { feed, lineBreaks, Where } from './csv-input.js';
import { labelsProblem, type Article } from './dataset.js';

/** A failing field of one row, as the API's validators report them. */
export interface CsvFieldError {
  path: string;
  message: string;
}

/** How {@link readCsvArticles} names its input and what it refuses. */
export interface CsvReadOptions {
  /**
   * The input is this file: errors read `<file>:<line>: <problem>` with code `INVALID_FILE`.
   * Without it the input is a request body: `Line <line>: <problem>`, code `INVALID_REQUEST`.
   */
  file?: string;
  /** Most bytes read from the stream (`PAYLOAD_TOO_LARGE`). */
  maxBytes?: number;
  /** Most data rows (`PAYLOAD_TOO_LARGE`). */
  maxDocuments?: number;
  /** More checks of each row's article: field errors to refuse it, or an AppError thrown. */
  check?(article: Article): readonly CsvFieldError[];
  /** Called with the bytes read so far after every chunk (progress). */
  onBytes?(bytes: number): void;
}

/** The articles in input order, and the line each one starts on. */
export interface CsvArticles {
  articles: Article[];
  lines: number[];
}

/** Where the text and the label are in each row. */
interface Columns {
  text: number;
  label: number;
  /** The label column is `labels` (`;`-separated): a multi-label set. */
  multi: boolean;
  width: number;
}

/**
 * Reads CSV articles from a byte stream: UTF-8 (a BOM is dropped), `,`-separated, fields quoted
 * with `"` when they hold commas, quotes (doubled) or line breaks; blank lines are skipped. The
 * header (matched trimmed, any case) must name `text` and either `label` or `labels`; other columns
 * are ignored. Every row must have as many fields as the header and a non-empty text and label.
 * The stream is never destroyed: on an error it is left paused for the caller to close or drain.
 * @throws AppError INVALID_FILE or INVALID_REQUEST (see {@link CsvReadOptions.file}) naming the
 *   line; PAYLOAD_TOO_LARGE past `maxBytes` or `maxDocuments`; whatever `check` throws, with the line
 */
export async function readCsvArticles(input: Readable, opts: CsvReadOptions = {}): Promise<CsvArticles> {
  const where = new Where(opts.file);
  const rows = new CsvRows(opts, where);
  // Rows are taken in `on_record`, as csv-parse meets them: an error later in the same chunk then
  // cannot discard rows already read, and the line of the last good row is known for the next one.
  const parser = new Parser({
    bom: true,
    skip_empty_lines: true,
    on_record: (record: string[], info: { lines: number }) => rows.take(record, info.lines),
  });
  const detach = feed(input, parser, opts, where);
  try {
    await finished(parser.resume());
  } catch (e) {
    throw e instanceof CsvError ? parseError(e, rows.lastLine, rows.columns, where) : e;
  } finally {
    detach();
  }
  if (!rows.columns)
    throw where.error(1, 'no header row: expected one naming the "text" and "label" columns');
  return rows.out;
}

/** The rows read so far: the header first, then one article per record. */
class CsvRows {
  readonly out: CsvArticles = { articles: [], lines: [] };
  columns: Columns | undefined;
  /** The line the last record ended on. */
  lastLine = 0;

  constructor(
    private readonly opts: CsvReadOptions,
    private readonly where: Where,
  ) {}

  /** Takes one record (csv-parse gives the line it ends on); returns nothing, so nothing is queued. */
  take(record: string[], endLine: number): undefined {
    const line = endLine - lineBreaks(record);
    this.lastLine = endLine;
    if (!this.columns) {
      this.columns = headerColumns(record, line, this.where);
      return;
    }
    const { maxDocuments } = this.opts;
    if (maxDocuments !== undefined && this.out.articles.length >= maxDocuments)
      throw this.where.error(line, `more than ${maxDocuments} documents`, 'PAYLOAD_TOO_LARGE', {
        limit: maxDocuments,
      });
    const article = rowArticle(record, this.columns, line, this.where);
    checkRow(article, line, this.where, this.opts.check);
    this.out.articles.push(article);
    this.out.lines.push(line);
  }
}

function headerColumns(header: string[], line: number, where: Where): Columns {
  const names = header.map((h) => h.trim().toLowerCase());
  const find = (name: string) => {
    const i = names.indexOf(name);
    if (i !== -1 && names.indexOf(name, i + 1) !== -1)
      throw where.error(line, `the header names the "${name}" column twice`);
    return i;
  };
  const found = `(the header is ${JSON.stringify(header.join(','))})`;
  const text = find('text');
  const label = find('label');
  const labels = find('labels');
  if (text === -1) throw where.error(line, `missing column "text" ${found}`);
  if (label === -1 && labels === -1) throw where.error(line, `missing column "label" ${found}`);
  if (label !== -1 && labels !== -1)
    throw where.error(line, 'the header has both a "label" and a "labels" column; keep one');
  return { text, label: label === -1 ? labels : label, multi: label === -1, width: header.length };
}

function rowArticle(row: string[], c: Columns, line: number, where: Where): Article {
  const text = row[c.text] as string;
  if (text.trim() === '') throw where.error(line, 'text is empty');
  const label = row[c.label] as string;
  if (c.multi) {
    // `a; b; c`: labels are trimmed around the separators; an empty cell means none of them.
    const labels = label
      .split(';')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    const problem = labelsProblem(labels);
    if (problem) throw where.error(line, problem);
    return { text, labels };
  }
  if (label.trim() === '') throw where.error(line, 'label is empty');
  return { text, label };
}

/** Runs the caller's check; what it reports or throws is given the row's line (its code kept). */
function checkRow(article: Article, line: number, where: Where, check: CsvReadOptions['check']): void {
  if (!check) return;
  let errors: readonly CsvFieldError[];
  try {
    errors = check(article);
  } catch (e) {
    if (e instanceof AppError) throw where.error(line, e.message, e.code, e.details);
    throw e;
  }
  const first = errors[0];
  if (first) throw where.error(line, `${first.path || '/'} ${first.message}`, where.code, { errors });
}

/** csv-parse's errors in the words of this service, on the line where the bad row starts. */
function parseError(e: CsvError, lastLine: number, c: Columns | undefined, where: Where): AppError {
  const at = typeof e.lines === 'number' ? e.lines : lastLine + 1;
  switch (e.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
      const record = Array.isArray(e.record) ? (e.record as string[]) : [];
      const n = record.length;
      return where.error(
        at - lineBreaks(record),
        `the row has ${n} field${n === 1 ? '' : 's'}, the header has ${c?.width ?? '?'}`,
      );
    }
    case 'CSV_QUOTE_NOT_CLOSED':
      // csv-parse names the end of the input; the open field started after the last whole record.
      return where.error(lastLine + 1, 'a quoted field is never closed (a `"` here runs to the end)');
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return where.error(at, 'text after a closing quote (a `"` inside a quoted field is written `""`)');
    case 'INVALID_OPENING_QUOTE':
      return where.error(at, 'a `"` inside an unquoted field (quote the field and write the `"` as `""`)');
    default:
      return where.error(at, e.message);
  }
}
