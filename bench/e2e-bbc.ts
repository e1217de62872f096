/**
 * `npm run bench:e2e`: the service end to end on bbc-news. Starts a throw-away redis-server and one
 * service process (`ROLE=all`: API plus training worker), POSTs `train.jsonl` to `/train` as NDJSON,
 * follows the job to `succeeded`, then classifies every text of `test.jsonl` through `POST /classify`
 * in batches and prints accuracy (floor 0.98) and timings. Exit code 1 when below the floor.
 * Env: DATASETS_DIR, E2E_BATCH (texts per request, default 100), E2E_EPOCHS (default: the service's).
 */
import { loadAverage, startRedis, startService, type Child } from './lib/processes.js';
import {
  classifyBatch,
  bbcFiles,
  runBench,
  progressLine,
  readJsonl,
  trainNdjson,
  waitForJob,
} from './lib/service.js';

const FLOOR = 0.98;
const MODEL = 'bbc';
const batchSize = Number(process.env.E2E_BATCH ?? 100);

async function main(): Promise<number> {
  const files = bbcFiles();
  if (!files) return 2;
  const { trainFile, testFile } = files;
  const children: Child[] = [];
  try {
    console.log(`load average at start: ${loadAverage()}`);
    const redis = await startRedis();
    children.push(redis);
    const t0 = Date.now();
    const svc = await startService({ role: 'all', redisUrl: redis.url, prefix: `e2e${Date.now()}` });
    children.unshift(svc);
    console.log(`service (ROLE=all, pid ${svc.pid}) ready on ${svc.base} in ${Date.now() - t0} ms`);

    const tTrain = Date.now();
    const query: Record<string, string | number> = { model: MODEL };
    if (process.env.E2E_EPOCHS) query.epochs = Number(process.env.E2E_EPOCHS);
    const jobId = await trainNdjson(svc.base, trainFile, query);
    const accepted = Date.now() - tTrain;
    console.log(
      `POST /train (NDJSON, ${readJsonl(trainFile).length} articles) -> 202 job ${jobId} in ${accepted} ms`,
    );
    const job = await waitForJob(svc.base, jobId, { onProgress: (j) => console.log(`  ${progressLine(j)}`) });
    const trainWall = (job.seenAt - tTrain) / 1000;
    const jobSeconds =
      job.startedAt && job.finishedAt ? (Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000 : NaN;
    console.log(
      `job succeeded: version ${job.version}, job ran ${jobSeconds.toFixed(1)} s (startedAt..finishedAt)`,
    );

    const test = readJsonl(testFile);
    // The API loads the new version when it hears of it; the first answer may wait for that load.
    const tFirst = process.hrtime.bigint();
    await classifyBatch(svc.base, MODEL, [test[0]?.text ?? 'x']);
    const firstMs = Number(process.hrtime.bigint() - tFirst) / 1e6;
    const tClassify = process.hrtime.bigint();
    let correct = 0;
    let version: number | undefined;
    for (let i = 0; i < test.length; i += batchSize) {
      const chunk = test.slice(i, i + batchSize);
      const out = await classifyBatch(
        svc.base,
        MODEL,
        chunk.map((a) => a.text),
      );
      version = out.version;
      out.results.forEach((r, k) => {
        if (r.label === chunk[k]?.label) correct++;
      });
    }
    const classifySeconds = Number(process.hrtime.bigint() - tClassify) / 1e9;
    const accuracy = correct / test.length;
    const requests = Math.ceil(test.length / batchSize);

    console.log('');
    console.log('| figure | value |');
    console.log('| --- | --- |');
    console.log(`| training request to succeeded (wall) | ${trainWall.toFixed(1)} s |`);
    console.log(`| training job (startedAt..finishedAt) | ${jobSeconds.toFixed(1)} s |`);
    console.log(`| final epoch | ${progressLine(job)} |`);
    console.log(`| model version served | ${version} |`);
    console.log(
      `| first answer after succeeded (includes the API loading the version) | ${firstMs.toFixed(0)} ms |`,
    );
    console.log(
      `| classify ${test.length} test texts (${requests} requests of ≤ ${batchSize}) | ${(classifySeconds * 1000).toFixed(0)} ms (${Math.round(test.length / classifySeconds)} texts/s) |`,
    );
    console.log(
      `| accuracy | ${accuracy.toFixed(4)} (${correct}/${test.length}) ${accuracy >= FLOOR ? `≥ ${FLOOR} PASS` : `< ${FLOOR} FAIL`} |`,
    );
    console.log(`load average at end: ${loadAverage()}`);
    return accuracy >= FLOOR ? 0 : 1;
  } finally {
    for (const c of children) await c.stop();
  }
}

runBench('bench:e2e', main);
