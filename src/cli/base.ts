/**
 * Incremental retraining on the command line (`train`/`fit-eval --base DIR`). A model directory
 * records the data files it learnt from in `data.json` (absolute path, sha256, format, documents;
 * in training order), as the service records a version's data set chunks; the files are not
 * copied. `--base DIR` reads those files again (each checked against its hash), adds `--data`,
 * and trains on top of DIR's model.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AppError } from '../errors/index.js';
import { loadArtefact } from '../model/index.js';
import { articleLabels, type Article } from '../text/index.js';
import { baseFromClassifier, type BaseModel } from '../training/index.js';
import { readData, type DataFormat } from './data.js';
import type { Progress } from './progress.js';

const DATA_RECORD = 'data.json';

/** One data file a model learnt from. */
export interface DataFile {
  path: string;
  sha256: string;
  format: DataFormat;
  documents: number;
}

/** A base model and everything it learnt from. */
export interface CliBase {
  base: BaseModel;
  data: Article[];
  files: DataFile[];
  /** Label counts of `data`: the added file's labels are checked together with them. */
  counts: Record<string, number>;
}

async function fileHash(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The record of a data file just read (hashed as it is on disk now). */
export async function describeFile(path: string, format: DataFormat, documents: number): Promise<DataFile> {
  return { path: resolve(path), sha256: await fileHash(path), format, documents };
}

/** Writes `dir/data.json`: the files the model in `dir` learnt from, in order. */
export async function recordData(dir: string, files: DataFile[]): Promise<void> {
  await writeFile(join(dir, DATA_RECORD), JSON.stringify({ version: 1, files }, null, 2) + '\n');
}

async function recordedFiles(dir: string): Promise<DataFile[]> {
  try {
    const record = JSON.parse(await readFile(join(dir, DATA_RECORD), 'utf8')) as { files?: DataFile[] };
    if (!Array.isArray(record.files)) throw new Error('no files');
    return record.files;
  } catch (err) {
    throw new AppError(
      'INVALID_FILE',
      `${dir} records no training data (${DATA_RECORD}); train it with this version of textclf first`,
      { file: join(dir, DATA_RECORD) },
      { cause: err },
    );
  }
}

/**
 * The model in `dir` and the data it learnt from, each file checked against its recorded hash.
 * @throws AppError INVALID_FILE when the record is missing or a file is gone or changed
 */
export async function loadBase(dir: string, progress: Progress): Promise<CliBase> {
  const files = await recordedFiles(dir);
  const data: Article[] = [];
  for (const f of files) {
    const now = await fileHash(f.path).catch(() => 'missing');
    if (now !== f.sha256)
      throw new AppError(
        'INVALID_FILE',
        `${f.path}: the base model's training data is ${now === 'missing' ? 'gone' : 'changed'} (sha256 differs from ${join(dir, DATA_RECORD)})`,
        { file: f.path },
      );
    for (const a of await readData(f.path, f.format, progress)) data.push(a);
  }
  const classifier = await loadArtefact(dir);
  const base = baseFromClassifier(classifier);
  classifier.dispose();
  const counts: Record<string, number> = {};
  for (const a of data) for (const l of articleLabels(a)) counts[l] = (counts[l] ?? 0) + 1;
  return { base, data, files, counts };
}
