/** Data files for the CLI: JSON Lines or CSV, read with a progress bar and validated with file lines. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import {
  parseJsonLine,
  readCsvArticles,
  validateArticles,
  type Article,
  type DataLimits,
} from '../text/index.js';
import { usageError } from './args.js';
import type { Progress } from './progress.js';

/** How a data file is read: `jsonl` (one `{"text", "label"}` object a line) or `csv`. */
export type DataFormat = 'jsonl' | 'csv';

/** The format `--format` names, else the file's: `.csv` is CSV, anything else JSON Lines. */
export function dataFormat(file: string, flag: string | undefined): DataFormat {
  if (flag === undefined) return extname(file).toLowerCase() === '.csv' ? 'csv' : 'jsonl';
  const f = flag.toLowerCase();
  if (f === 'csv') return 'csv';
  if (f === 'jsonl' || f === 'ndjson') return 'jsonl';
  throw usageError(`--format must be csv or jsonl, got "${flag}"`);
}

/** The file's size, or a one-line usage error when it cannot be read. */
async function sizeOf(file: string): Promise<number> {
  try {
    const s = await stat(file);
    if (!s.isFile()) throw usageError(`${file}: not a file`);
    return s.size;
  } catch (err) {
    if (err instanceof Error && err.name === 'AppError') throw err;
    throw usageError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * Reads and validates a training or test file. Errors name the file and line
 * (`file:line: problem`, AppError INVALID_FILE / INVALID_DATA), as for JSON Lines. `limits.known`:
 * the label counts of the data the file adds to (`--base`), checked together with the file's.
 */
export async function readData(
  file: string,
  format: DataFormat,
  progress: Progress,
  limits: DataLimits = {},
): Promise<Article[]> {
  const size = await sizeOf(file);
  progress.start('reading', size, 'bytes');
  const onBytes = (bytes: number) => progress.update(bytes);
  try {
    if (format === 'csv') {
      const { articles, lines } = await readCsvArticles(createReadStream(file), { file, onBytes });
      validateArticles(articles, limits, { file, lines });
      return articles;
    }
    const { articles, lines } = await readJsonLines(file, onBytes);
    validateArticles(articles, limits, { file, lines });
    return articles;
  } finally {
    progress.end();
  }
}

/**
 * A JSON Lines file's articles, parsed line by line as the file streams in: the file is never
 * held whole (nor its lines), so reading a million documents costs the articles, not three
 * copies of the file besides them.
 */
async function readJsonLines(
  file: string,
  onBytes: (bytes: number) => void,
): Promise<{ articles: Article[]; lines: number[] }> {
  const stream = createReadStream(file);
  stream.on('data', () => onBytes(stream.bytesRead));
  const articles: Article[] = [];
  const lines: number[] = [];
  let line = 0;
  for await (const raw of createInterface({ input: stream, crlfDelay: Infinity })) {
    line++;
    const article = parseJsonLine(line === 1 ? raw.replace(/^\uFEFF/, '') : raw, file, line);
    if (!article) continue;
    articles.push(article);
    lines.push(line);
  }
  return { articles, lines };
}
