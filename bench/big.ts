/**
 * `npm run bench:big [N]`: training at scale. Makes the synthetic corpus (`../shared/bench/
 * synthetic-corpus.mjs`, N documents, default 1,000,000; the last 5 % are the test split), then
 * trains it (1) through the CLI (`textclf fit-eval`) and (2) through the service (`POST /train`
 * NDJSON → a worker job, test accuracy through `POST /classify`), and, when Debian's `fasttext` is
 * installed, (3) fastText e25 on the same split. Reports wall time, epochs, docs/s, tokens/s,
 * accuracy and the peak RSS of the process that trained (VmHWM, sampled from /proc), plus the
 * service's time from job start to its first finished epoch. BIG_SKIP=cli,service,fasttext skips parts.
 * Our processes run with MALLOC_MMAP_THRESHOLD_=131072 unless set otherwise, as the image runs them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasFastText, runFastText } from './lib/fasttext.js';
import { memoryOf, root, startRedis, startService } from './lib/processes.js';
import { classifyBatch, getJob, runBench, trainNdjson } from './lib/service.js';

const n = Number(process.argv[2] ?? 1_000_000);
const skip = new Set((process.env.BIG_SKIP ?? '').split(','));
const rows: string[][] = [];
const f1 = (x: number) => x.toFixed(1);

/** Splits the corpus into train and test files; @returns their paths, the test set and the train token count. */
function makeCorpus(dir: string) {
  const all = join(dir, 'all.jsonl');
  spawnSync(process.execPath, [join(root, '..', 'shared', 'bench', 'synthetic-corpus.mjs'), String(n), all], {
    stdio: 'inherit',
  });
  const lines = readFileSync(all, 'utf8').trimEnd().split('\n');
  const cut = Math.floor(lines.length * 0.95);
  const train = join(dir, 'train.jsonl');
  const test = join(dir, 'test.jsonl');
  writeFileSync(train, lines.slice(0, cut).join('\n') + '\n');
  writeFileSync(test, lines.slice(cut).join('\n') + '\n');
  let tokens = 0;
  for (let i = 0; i < cut; i++) tokens += (JSON.parse(lines[i]!) as { text: string }).text.split(' ').length;
  const testSet = lines.slice(cut).map((l) => JSON.parse(l) as { text: string; label: string });
  return { train, test, tokens, testSet, trainDocs: cut };
}

/** glibc's mmap threshold as the image's entrypoint fixes it (freed large buffers go back to the system). */
const mallocEnv = { MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? '131072' };

/** Runs a child to completion, sampling its peak RSS. */
function sampled(cmd: string, args: string[]): Promise<{ stdout: string; seconds: number; peakMb: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...mallocEnv },
    });
    let stdout = '';
    let peak = 0;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const timer = setInterval(() => {
      try {
        // A process that has exited but is not yet reaped has no VmHWM (NaN): keep the last figure.
        const hwm = memoryOf(child.pid!).hwmMb;
        if (Number.isFinite(hwm)) peak = Math.max(peak, hwm);
      } catch {
        // exited
      }
    }, 200);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code === 0) resolve({ stdout, seconds: (performance.now() - t0) / 1000, peakMb: peak });
      else reject(new Error(`${cmd} exited with ${code}`));
    });
  });
}

async function viaCli(train: string, test: string, tokens: number): Promise<void> {
  const args = [
    '--import',
    'tsx',
    join(root, 'src/cli/main.ts'),
    'fit-eval',
    '--train',
    train,
    '--test',
    test,
  ];
  const r = await sampled(process.execPath, [...args, '--json']);
  const m = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
  const tokPerS = (tokens * m.epochs!) / m.trainSeconds!;
  rows.push([
    'CLI fit-eval',
    f1(r.seconds),
    String(m.epochs),
    String(Math.round(m.docsPerSecond!)),
    String(Math.round(tokPerS)),
    m.accuracy!.toFixed(4),
    f1(r.peakMb),
    '-',
  ]);
}

async function viaService(
  train: string,
  testSet: { text: string; label: string }[],
  c: { tokens: number; trainDocs: number },
): Promise<void> {
  const redis = await startRedis();
  const env = { MAX_BODY_BYTES: String(2 ** 31 - 1), MAX_DOCUMENTS: String(n + 1), ...mallocEnv };
  // An API process and a worker of their own, so the peak is the training worker's alone.
  const svc = await startService({ role: 'api', redisUrl: redis.url, prefix: 'big', env, name: 'api' });
  const worker = await startService({
    role: 'worker',
    redisUrl: redis.url,
    prefix: 'big',
    env,
    name: 'worker',
  });
  try {
    const t0 = performance.now();
    let peak = 0;
    const jobId = await trainNdjson(svc.base, train, { model: 'big' });
    const accepted = (performance.now() - t0) / 1000;
    let firstEpoch = NaN;
    let job = await getJob(svc.base, jobId);
    for (; !['succeeded', 'failed', 'cancelled'].includes(job.status); job = await getJob(svc.base, jobId)) {
      peak = Math.max(peak, memoryOf(worker.pid).hwmMb);
      if (Number.isNaN(firstEpoch) && (job.progress?.epoch ?? 0) >= 1)
        firstEpoch = (performance.now() - t0) / 1000 - accepted;
      await new Promise((r) => setTimeout(r, 250));
    }
    const wall = (performance.now() - t0) / 1000;
    if (job.status !== 'succeeded') throw new Error(`job ${job.status}: ${job.error}`);
    peak = Math.max(peak, memoryOf(worker.pid).hwmMb);
    let right = 0;
    for (let i = 0; i < testSet.length; i += 1000) {
      const chunk = testSet.slice(i, i + 1000);
      const answer = await classifyBatch(
        svc.base,
        'big',
        chunk.map((a) => a.text),
      );
      answer.results.forEach((r, k) => (right += r.label === chunk[k]!.label ? 1 : 0));
    }
    const epochs = (job as { history?: unknown[] }).history?.length ?? job.progress?.epoch ?? 0;
    rows.push([
      'service (accept + job; worker process)',
      `${f1(wall)} (accepted in ${f1(accepted)})`,
      String(epochs),
      String(Math.round((c.trainDocs * Number(epochs)) / wall)),
      String(Math.round((c.tokens * Number(epochs)) / wall)),
      (right / testSet.length).toFixed(4),
      f1(peak),
      f1(firstEpoch),
    ]);
  } finally {
    await worker.stop();
    await svc.stop();
    await redis.stop();
  }
}

runBench('big', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'textclf-big-'));
  try {
    const { train, test, tokens, testSet, trainDocs } = makeCorpus(dir);
    console.error(`${n} documents, ${tokens} training tokens`);
    if (!skip.has('cli')) await viaCli(train, test, tokens);
    if (!skip.has('service')) await viaService(train, testSet, { tokens, trainDocs });
    if (!skip.has('fasttext') && hasFastText()) {
      const ft = await runFastText(train, test);
      rows.push([
        'fastText e25 (2 threads)',
        f1(ft.trainSeconds),
        '25',
        '-',
        String(Math.round((tokens * 25) / ft.trainSeconds)),
        ft.accuracy.toFixed(4),
        f1(ft.peakRssMb),
        '-',
      ]);
    }
    console.log('| run | wall s | epochs | docs/s | tokens/s | accuracy | peak RSS MB | s to first epoch |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
