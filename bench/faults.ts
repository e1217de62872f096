/**
 * `npm run faults`: the fault suite against real processes. Starts a private redis-server with AOF,
 * one API process (`ROLE=api`) and worker processes (`ROLE=worker`) of `src/main.ts`, then:
 *   a.  kills the training worker with SIGKILL at epoch 3 of 10 on bbc-news; a new worker takes over;
 *   b1. restarts Redis while idle; b2. restarts Redis while a job trains;
 *   c.  classifies at 64 connections for 60 s without training (baseline), then again while a job
 *       trains and its version is published and swapped in;
 *   e.  a rolling restart (2 API processes, then every worker, one by one, SIGTERM) under 50 clients;
 *   d.  kills Redis with SIGKILL right after versions are published, with appendfsync everysec and
 *       always (its own Redis; FAULTS_DURABILITY_ROUNDS rounds), and counts acknowledged writes lost;
 *   f.  a full Redis (its own, at 40 MB): bbc-news posted three times is refused at once (507), serving goes on.
 * After each it reads Redis directly: lost jobs, datasets and versions, and artefacts whose checksum
 * no longer matches. Prints one table; exit code 1 when a target is missed.
 * Env: DATASETS_DIR, FAULTS_LOAD_SECONDS (60), FAULTS_CONNECTIONS (64), FAULTS_REDIS_DOWN_MS (3000),
 * FAULTS_ONLY (e.g. `a,b` to skip c), FAULTS_API_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import { redisKillAfterPublish } from './lib/faults-durability.js';
import { redisFull } from './lib/faults-full.js';
import { rollingRestart } from './lib/faults-rolling.js';
import { AofRedis, CountingHttp } from './lib/faults-env.js';
import {
  loadDuringTraining,
  redisRestartIdle,
  redisRestartTraining,
  trainPlain,
  workerKill,
  type Ctx,
  type Row,
} from './lib/faults-scenarios.js';
import { loadAverage } from './lib/processes.js';
import { service } from './lib/faults-env.js';
import { bbcFiles, readJsonl, runBench } from './lib/service.js';

const seconds = Number(process.env.FAULTS_LOAD_SECONDS ?? 60);
const connections = Number(process.env.FAULTS_CONNECTIONS ?? 64);
const downMs = Number(process.env.FAULTS_REDIS_DOWN_MS ?? 3000);
const only = new Set((process.env.FAULTS_ONLY ?? 'a,b,c,e,d,f').split(','));

function print(rows: Row[]): void {
  console.log('');
  console.log('| scenario | requests sent | failed | jobs lost | versions corrupted | figures | result |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.scenario} | ${r.sent} | ${r.failed} | ${r.jobsLost} | ${r.versionsCorrupted} | ${r.figures} | ${r.pass ? 'PASS' : 'MISS'} |`,
    );
  }
  for (const r of rows) for (const n of r.notes) console.log(`${r.scenario.split('.')[0]}: ${n}`);
}

async function main(): Promise<number> {
  const files = bbcFiles();
  if (!files) return 2;
  const { trainFile, testFile } = files;
  const loadStart = loadAverage();
  console.log(`load average at start: ${loadStart}`);
  const redis = await AofRedis.start();
  const prefix = `faults${Date.now()}`;
  const ctx: Ctx = {
    redis,
    prefix,
    api: await service('api', redis.url, prefix, 'API'),
    http: new CountingHttp(),
    trainFile,
    test: readJsonl(testFile),
    workers: [],
    expect: { jobs: [], datasets: [], versions: new Map() },
  };
  console.log(`redis ${redis.url} (AOF in ${redis.dir}); API pid ${ctx.api.pid} on ${ctx.api.base}`);
  const rows: Row[] = [];
  const step = async (name: string, fn: () => Promise<Row | Row[]>) => {
    const t = Date.now();
    console.log(`running ${name}...`);
    const r = await fn();
    rows.push(...(Array.isArray(r) ? r : [r]));
    console.log(`  done in ${((Date.now() - t) / 1000).toFixed(0)} s; load average ${loadAverage()}`);
  };
  try {
    // Every later scenario needs a trained model; a trains it (or, when skipped, a plain job does).
    if (only.has('a')) await step('a (worker kill -9)', () => workerKill(ctx));
    else {
      ctx.workers.push(await service('worker', redis.url, prefix, 'worker'));
      await trainPlain(ctx, 3);
    }
    if (only.has('b')) {
      await step('b1 (Redis restart, idle)', () => redisRestartIdle(ctx, downMs));
      await step('b2 (Redis restart, training)', () => redisRestartTraining(ctx, downMs));
    }
    if (only.has('c')) await step('c (load)', () => loadDuringTraining(ctx, seconds, connections));
    if (only.has('e')) await step('e (rolling restart)', () => rollingRestart(ctx));
    if (only.has('d')) await step('d (Redis SIGKILL after publish)', () => redisKillAfterPublish());
    if (only.has('f')) await step('f (Redis full)', () => redisFull(ctx));
  } finally {
    print(rows);
    console.log(`load average: ${loadStart} at start, ${loadAverage()} at end`);
    for (const w of ctx.workers) await w.stop();
    await ctx.api.stop();
    await redis.destroy();
  }
  return rows.every((r) => r.pass) ? 0 : 1;
}

runBench('faults', main);
