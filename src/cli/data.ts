/** Data files for the CLI: JSON Lines or CSV, read with a progress bar and validated with file lines. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import {
  arrayCorpus,
  CorpusPacker,
  DataValidator,
  packedCorpus,
  parseJsonLine,
  readCsvArticles,
  validateArticles,
  type Article,
  type Corpus,
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
 * A JSON Lines file's articles, parsed line by line as the file streams in (the file is never
 * held whole, nor its lines), each handed to `take` with its line number.
 */
async function forEachJsonLine(
  file: string,
  onBytes: (bytes: number) => void,
  take: (article: Article, line: number) => void,
): Promise<void> {
  const stream = createReadStream(file);
  stream.on('data', () => onBytes(stream.bytesRead));
  let line = 0;
  for await (const raw of createInterface({ input: stream, crlfDelay: Infinity })) {
    line++;
    const article = parseJsonLine(line === 1 ? raw.replace(/^\uFEFF/, '') : raw, file, line);
    if (article) take(article, line);
  }
}

/** A JSON Lines file's articles and the file line of each. */
async function readJsonLines(
  file: string,
  onBytes: (bytes: number) => void,
): Promise<{ articles: Article[]; lines: number[] }> {
  const articles: Article[] = [];
  const lines: number[] = [];
  await forEachJsonLine(file, onBytes, (a, line) => {
    articles.push(a);
    lines.push(line);
  });
  return { articles, lines };
}

/**
 * A training file as a corpus, checked as `readData` checks it. JSON Lines is validated line by
 * line and packed into gzipped blobs as it streams in, so a million documents are held as about
 * a third of the file's size rather than as articles (twice it); training streams the blobs.
 */
export async function readCorpus(
  file: string,
  format: DataFormat,
  progress: Progress,
  limits: DataLimits = {},
): Promise<Corpus> {
  if (format === 'csv') return arrayCorpus(await readData(file, format, progress, limits));
  progress.start('reading', await sizeOf(file), 'bytes');
  try {
    const validator = new DataValidator(limits, { file });
    const packer = new CorpusPacker();
    await forEachJsonLine(
      file,
      (bytes) => progress.update(bytes),
      (a, line) => {
        validator.add(a, line);
        packer.add(a);
      },
    );
    validator.finish();
    return packedCorpus(packer.finish());
  } finally {
    progress.end();
  }
}
