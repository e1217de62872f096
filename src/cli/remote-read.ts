/** `remote classify`, `models`, `versions`, `rollback` and `jobs`: one call each, printed. */
import { createInterface } from 'node:readline';
import type { TextclfClient } from '../client/index.js';
import { topKFlag, usageError, type ParsedArgs } from './args.js';
import { metric, table } from './output.js';

/** Texts per request when classifying piped stdin: large enough to be quick, far below the limit. */
const BATCH = 256;

type Scored = { label: string | null; scores: { label: string; probability: number }[] };

/**
 * `remote classify [--model M] [--top-k N] [TEXT...]`: the texts given, else one per stdin line
 * (a terminal's lines one by one, piped ones in batches). Prints `label<TAB>probability` per
 * text, or with `--json` one object per line: `{model, version, label, scores}`.
 */
export async function classifyCommand(tc: TextclfClient, args: ParsedArgs, texts: string[]): Promise<void> {
  const o = { ...(args.flags.model ? { model: args.flags.model } : {}), topK: topKFlag(args) };
  if (o.topK === undefined) delete o.topK;
  const send = async (batch: string[]) => {
    const r = await tc.classifyBatch(batch, o);
    for (const p of r.results as Scored[]) {
      const top = p.scores[0]?.probability;
      console.log(
        args.json
          ? JSON.stringify({ model: r.model, version: r.version, label: p.label, scores: p.scores })
          : `${p.label ?? '(abstained)'}\t${metric(top)}`,
      );
    }
  };
  if (texts.length > 0) {
    for (let i = 0; i < texts.length; i += BATCH) await send(texts.slice(i, i + BATCH));
    return;
  }
  const batchSize = process.stdin.isTTY ? 1 : BATCH;
  let batch: string[] = [];
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    if (!line.trim()) continue;
    batch.push(line);
    if (batch.length >= batchSize) {
      await send(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await send(batch);
}

/** `remote models`: each model, the version `latest` points to and how many are kept. */
export async function listModels(tc: TextclfClient, args: ParsedArgs): Promise<void> {
  const models = await tc.listModels();
  if (args.json) return void console.log(JSON.stringify(models));
  if (models.length === 0) return void console.log('no models yet');
  console.log(
    table([
      ['model', 'latest', 'versions', 'updated'],
      ...models.map((m) => [m.model, m.latest, m.versions, m.updatedAt]),
    ]),
  );
}

function argument(rest: string[], i: number, usage: string): string {
  const v = rest[i];
  if (v === undefined || v === '') throw usageError(`usage: textclf remote ${usage}`);
  return v;
}

function versionArgument(raw: string): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1) throw usageError(`VERSION must be a positive integer, got "${raw}"`);
  return v;
}

/** `remote versions MODEL`: its kept versions, newest first as the server lists them. */
export async function listVersions(tc: TextclfClient, args: ParsedArgs, rest: string[]): Promise<void> {
  const versions = await tc.listVersions(argument(rest, 0, 'versions MODEL'));
  if (args.json) return void console.log(JSON.stringify(versions));
  console.log(
    table([
      ['version', 'latest', 'accuracy', 'macro-F1', 'labels', 'created'],
      ...versions.map((v) => [
        v.version,
        v.isLatest ? '*' : '',
        metric(v.accuracy),
        metric(v.macroF1),
        v.labels.length,
        v.createdAt,
      ]),
    ]),
  );
}

/** `remote rollback MODEL VERSION`: points `latest` at VERSION (back or forward). */
export async function rollback(tc: TextclfClient, args: ParsedArgs, rest: string[]): Promise<void> {
  const usage = 'rollback MODEL VERSION';
  const model = argument(rest, 0, usage);
  const v = await tc.setLatest(model, versionArgument(argument(rest, 1, usage)));
  console.log(args.json ? JSON.stringify(v) : `${v.model}: latest is now version ${v.version}`);
}

/** `remote jobs [--model M] [--limit N]`: recent jobs, newest first. */
export async function listJobs(tc: TextclfClient, args: ParsedArgs): Promise<void> {
  const limit = args.flags.limit === undefined ? undefined : Number(args.flags.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw usageError('--limit must be a positive integer');
  const jobs = await tc.listJobs({
    ...(args.flags.model ? { model: args.flags.model } : {}),
    ...(limit ? { limit } : {}),
  });
  if (args.json) return void console.log(JSON.stringify(jobs));
  if (jobs.length === 0) return void console.log('no jobs');
  console.log(
    table([
      ['job', 'model', 'status', 'progress', 'version', 'created'],
      ...jobs.map((j) => [
        j.jobId,
        j.model,
        j.status,
        j.progress ? `${j.progress.phase ?? ''} ${j.progress.epoch}/${j.progress.epochs}`.trim() : '',
        j.version,
        j.createdAt,
      ]),
    ]),
  );
}
