/**
 * `npm run bench:serve-models [N]`: one API process asked for N bbc-sized models (default 20), with
 * and without a serving memory budget. A throw-away Redis; one `ROLE=all` process (tsx) trains
 * bbc-news through `POST /train` and is stopped; its artefact is then published under N model
 * names (the same weights: each name is loaded on its own, so each costs a full model's memory).
 * Per variant, a compiled `ROLE=api` process (`node dist/main.js`, default threads, with the
 * MALLOC_MMAP_THRESHOLD_ the image's entrypoint sets for API processes) classifies one
 * test article with each model in turn, then with each again; reported: VmRSS after each pass and
 * VmHWM (its peak), models held and unloads (from /metrics), the slowest first request of a model
 * (it waits for the load) and failed requests.
 * Variants (SERVE_MODELS_VARIANTS, comma-separated MiB; default `0,1024`): SERVING_MEMORY_MB for the
 * process (0: no bound; SERVING_MAX_MODELS is set to 0 so only the memory budget bounds it).
 * Env: DATASETS_DIR, SERVE_MODELS_EPOCHS (training epochs; default the service's),
 * SERVE_MEMORY_NO_BUILD=1 (use dist/ as it is). Exit code 1 when a bounded variant's VmRSS after a pass
 * is past its budget or any request failed.
 */
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { makeKeys } from '../src/redis/index.js';
import { ModelRegistry } from '../src/registry/index.js';
import { loadAverage, memoryOf, root, startRedis, startService } from './lib/processes.js';
import { bbcFiles, readJsonl, runBench, trainNdjson, waitForJob } from './lib/service.js';

const count = Number(process.argv[2] ?? 20);
const variants = (process.env.SERVE_MODELS_VARIANTS ?? '0,1024').split(',').map(Number);

interface Row {
  budgetMb: number;
  passes: { rssMb: number; slowestMs: number; failed: number }[];
  hwmMb: number;
  held: number;
  unloads: number;
}

/** Trains bbc-news once and publishes its artefact as models m1..mN. */
async function publishModels(redisUrl: string, prefix: string, trainFile: string): Promise<number> {
  const trainer = await startService({ role: 'all', redisUrl, prefix, name: 'trainer' });
  try {
    const query: Record<string, string | number> = { model: 'bbc' };
    if (process.env.SERVE_MODELS_EPOCHS) query.epochs = Number(process.env.SERVE_MODELS_EPOCHS);
    console.log('training bbc-news through POST /train (ROLE=all, tsx) ...');
    await waitForJob(trainer.base, await trainNdjson(trainer.base, trainFile, query));
  } finally {
    await trainer.stop();
  }
  const redis = new Redis(redisUrl);
  try {
    const registry = new ModelRegistry(redis, makeKeys(prefix), 5);
    const { bytes, detail } = await registry.loadArtefact('bbc', 1);
    const { model, version, createdAt, isLatest, checksum, jobId, ...meta } = detail;
    void [model, version, createdAt, isLatest, checksum, jobId];
    for (let i = 1; i <= count; i++) await registry.publish(`m${i}`, bytes, meta);
    return bytes.byteLength;
  } finally {
    redis.disconnect();
  }
}

/** One request per model, in order: the process's RSS after, the slowest request, failures. */
async function pass(base: string, pid: number, text: string): Promise<Row['passes'][number]> {
  let slowestMs = 0;
  let failed = 0;
  for (let i = 1; i <= count; i++) {
    const t0 = performance.now();
    const r = await fetch(`${base}/classify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: `m${i}`, texts: [text] }),
    });
    await r.text();
    if (r.status !== 200) failed++;
    slowestMs = Math.max(slowestMs, performance.now() - t0);
  }
  return { rssMb: memoryOf(pid).rssMb, slowestMs, failed };
}

const metric = (text: string, name: string) =>
  [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce(
    (a, m) => a + Number(m[1]),
    0,
  );

async function measure(budgetMb: number, redisUrl: string, prefix: string, text: string): Promise<Row> {
  // As the image's entrypoint starts an API process (docker/entrypoint.sh).
  const env = {
    SERVING_MEMORY_MB: String(budgetMb),
    SERVING_MAX_MODELS: '0',
    MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? '131072',
  };
  const api = await startService({
    role: 'api',
    redisUrl,
    prefix,
    env,
    compiled: true,
    name: `api:${budgetMb}`,
  });
  try {
    const passes = [await pass(api.base, api.pid, text), await pass(api.base, api.pid, text)];
    const m = await (await fetch(`${api.base}/metrics`)).text();
    return {
      budgetMb,
      passes,
      hwmMb: memoryOf(api.pid).hwmMb,
      held: metric(m, 'textclf_models_held'),
      unloads: metric(m, 'textclf_model_unloads_total'),
    };
  } finally {
    await api.stop();
  }
}

function report(rows: Row[], artefact: number): boolean {
  console.log('');
  console.log(
    `ROLE=api (node dist/main.js, default threads), ${count} models of ${(artefact / 1e6).toFixed(1)} MB ` +
      `(bbc-news), each classified once per pass, two passes; ${process.version}`,
  );
  console.log(
    '| SERVING_MEMORY_MB | VmRSS after pass 1 / 2 MB | VmHWM MB | models held | unloads | slowest request (pass 1 / 2) ms | failed |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  let ok = true;
  for (const r of rows) {
    const [a, b] = r.passes as [Row['passes'][number], Row['passes'][number]];
    const failed = a.failed + b.failed;
    console.log(
      `| ${r.budgetMb || 'none'} | ${a.rssMb.toFixed(0)} / ${b.rssMb.toFixed(0)} | ${r.hwmMb.toFixed(0)} | ${r.held} | ` +
        `${r.unloads} | ${a.slowestMs.toFixed(0)} / ${b.slowestMs.toFixed(0)} | ${failed} |`,
    );
    // Both MiB. The peak is reported beside: a load in progress and models unloaded but not yet
    // collected add to it for a moment.
    const within = r.budgetMb === 0 || r.passes.every((p) => p.rssMb <= r.budgetMb);
    if (r.budgetMb)
      console.log(
        `  budget ${r.budgetMb} MiB: VmRSS after each pass ${within ? 'within' : 'PAST'} it (peak ${r.hwmMb.toFixed(0)})`,
      );
    ok &&= within && failed === 0;
  }
  return ok;
}

async function main(): Promise<number> {
  const files = bbcFiles();
  if (!files) return 2;
  if (process.env.SERVE_MEMORY_NO_BUILD !== '1') {
    const r = spawnSync(process.execPath, [`${root}/scripts/build-dist.mjs`], {
      cwd: root,
      stdio: 'inherit',
    });
    if (r.status !== 0) throw new Error('npm run build failed');
  }
  const text = readJsonl(files.testFile)[0]!.text;
  console.log(`load average at start: ${loadAverage()}`);
  const redis = await startRedis();
  try {
    const prefix = `models${Date.now()}`;
    const artefact = await publishModels(redis.url, prefix, files.trainFile);
    const rows: Row[] = [];
    for (const v of variants) {
      const r = await measure(v, redis.url, prefix, text);
      console.log(`  SERVING_MEMORY_MB=${v}: VmHWM ${r.hwmMb.toFixed(0)} MB, ${r.unloads} unloads`);
      rows.push(r);
    }
    const ok = report(rows, artefact);
    console.log(`load average at end: ${loadAverage()}`);
    return ok ? 0 : 1;
  } finally {
    await redis.stop();
  }
}

runBench('bench:serve-models', main);
