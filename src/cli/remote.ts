/**
 * `textclf remote ...`: the service's HTTP API through the typed client (src/client). Server
 * refusals (problem+json) become one line and exit code 2 in main.ts; an unreachable server exit 1.
 */
import { readFile } from 'node:fs/promises';
import { createTextclfClient, TextclfError, type Job, type TextclfClient } from '../client/index.js';
import { usageError, type ParsedArgs } from './args.js';
import { dataFormat } from './data.js';
import { formatEvaluation } from './output.js';
import { Progress } from './progress.js';
import { classifyCommand, listJobs, listModels, listVersions, rollback } from './remote-read.js';

/** The client for `--url` (or `TEXTCLF_URL`) with `--key` (or `TEXTCLF_KEY`). */
function clientFor(args: ParsedArgs): { tc: TextclfClient; url: string } {
  const url = args.flags.url ?? process.env.TEXTCLF_URL;
  if (!url) throw usageError('remote commands need --url URL (or TEXTCLF_URL)');
  if (!/^https?:\/\//i.test(url)) throw usageError(`--url must start with http:// or https://, got "${url}"`);
  const apiKey = args.flags.key ?? process.env.TEXTCLF_KEY;
  return { tc: createTextclfClient({ baseUrl: url, ...(apiKey ? { apiKey } : {}) }), url };
}

/** `remote <what> ...`: dispatches to the subcommand. */
export async function runRemote(args: ParsedArgs): Promise<void> {
  const [what = '', ...rest] = args.positionals;
  const { tc, url } = clientFor(args);
  try {
    switch (what) {
      case 'train':
        return await remoteTrain(tc, args);
      case 'classify':
        return await classifyCommand(tc, args, rest);
      case 'models':
        return await listModels(tc, args);
      case 'versions':
        return await listVersions(tc, args, rest);
      case 'rollback':
        return await rollback(tc, args, rest);
      case 'jobs':
        return await listJobs(tc, args);
      default:
        throw usageError(
          `unknown remote command "${what}" (train, classify, models, versions, rollback, jobs)`,
        );
    }
  } catch (err) {
    throw unreachable(err, url);
  }
}

/** fetch's `TypeError: fetch failed` says little; its cause (ECONNREFUSED, ENOTFOUND...) says why. */
function unreachable(err: unknown, url: string): unknown {
  if (!(err instanceof TypeError) || err.message !== 'fetch failed') return err;
  const cause = err.cause as { code?: string; message?: string } | undefined;
  return new Error(`cannot reach ${url} (${cause?.code ?? cause?.message ?? 'network error'})`);
}

/**
 * `remote train --data FILE [--model NAME] [--wait]`: uploads the file as it is (NDJSON, or CSV by
 * extension or `--format`, gzip-compressed), so the server validates it and names bad lines.
 */
async function remoteTrain(tc: TextclfClient, args: ParsedArgs): Promise<void> {
  const file = args.flags.data;
  if (!file) throw usageError('remote train needs --data FILE');
  const format = dataFormat(file, args.flags.format);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw usageError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const o = { ...args.options, ...(args.flags.model ? { model: args.flags.model } : {}), gzip: true };
  let accepted;
  try {
    accepted = format === 'csv' ? await tc.trainCsv(bytes, o) : await tc.trainNdjson(bytes, o);
  } catch (err) {
    throw inFile(err, file);
  }
  if (!args.wait) {
    const { jobId, model, dataset } = accepted;
    console.log(
      args.json
        ? JSON.stringify(accepted)
        : `queued job ${jobId} for model ${model}: ${dataset?.documents ?? '?'} documents, ` +
            `labels ${dataset?.labels.join(', ') ?? '?'}`,
    );
    return;
  }
  await waitAndReport(tc, args, accepted.jobId);
}

/** A server error about line N of the upload, told as `file:N: problem` like a local file error. */
function inFile(err: unknown, file: string): unknown {
  if (!(err instanceof TextclfError) || !err.problem) return err;
  const { line, detail } = err.problem;
  if (typeof line !== 'number' || !detail) return err;
  const e = usageError(`${file}:${line}: ${detail.replace(/^Line \d+: /, '')}`);
  return Object.assign(e, { details: { line, file, code: err.code } });
}

/** Follows the job's events with a bar, then prints the version and its evaluation. */
async function waitAndReport(tc: TextclfClient, args: ParsedArgs, jobId: string): Promise<void> {
  const progress = Progress.forFlags(args);
  let job: Job;
  try {
    job = await tc.watchJob(jobId, { onEvent: (e) => progress.job(e.job) });
  } finally {
    progress.end();
  }
  if (job.status !== 'succeeded' || job.version === undefined) {
    throw new Error(`job ${jobId} ${job.status}${job.error ? `: ${job.error}` : ''}`);
  }
  const version = await tc.getVersion(job.model, job.version);
  if (args.json) {
    console.log(JSON.stringify({ job, version }));
    return;
  }
  const ev = version.evaluation;
  console.log(
    `job ${jobId} succeeded: model ${job.model} version ${job.version} ` +
      `(${version.dataset.documents} documents, ${version.labels.length} labels, ` +
      `${version.trainSeconds.toFixed(1)} s)`,
  );
  console.log(
    ev.accuracy === undefined
      ? 'no evaluation (trained without a validation split)'
      : `validation: ${formatEvaluation(ev)}`,
  );
}
