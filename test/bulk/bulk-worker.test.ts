import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/api/index.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import type { Services } from '../../src/services/index.js';
import request from 'supertest';
import { testRedisUrl } from '../helpers/redis.js';
import { testServices, waitFor } from '../helpers/services.js';
import {
  assertAnswers,
  copyVersion,
  finished,
  lines,
  ndjson,
  results,
  submit,
  trainModel,
  type App,
} from './helpers.js';

/**
 * A worker killed (SIGKILL) in the middle of a bulk job: another worker takes the job over through
 * BullMQ's stalled-job recovery and resumes at the first chunk not stored; the chunks stored before
 * the crash are not classified again (`chunkWrites` counts every stored result chunk).
 */
const CHUNK = 10;
const CRASH_AFTER = 2; // chunk index: the worker dies once chunks 0..2 are stored

describe('bulk jobs on the workers: resumption after a crash, training first', { timeout: 180_000 }, () => {
  let trainer: Services;
  let api: Services;
  let app: App;
  before(async () => {
    trainer = await testServices({ worker: true, env: { TEXTCLF_BACKEND: 'cpu' } });
    const trainerApp = createApp(trainer.deps, {
      logger: silentLogger,
      config: parseConfig({ REDIS_PREFIX: trainer.keys.prefix }),
    });
    await trainModel(trainerApp, 'news');
    // The job's own prefix: an API without a worker, so only the crashing worker can take it first.
    const env = { TEXTCLF_BACKEND: 'cpu', BULK_CHUNK_LINES: String(CHUNK) };
    api = await testServices({ worker: false, env });
    await copyVersion(trainer, api, 'news', 1);
    app = createApp(api.deps, {
      logger: silentLogger,
      config: parseConfig({ REDIS_PREFIX: api.keys.prefix, ...env }),
    });
  });
  after(async () => {
    await api.close();
    await trainer.close();
  });

  it('resumes from the last stored chunk on another worker; earlier chunks are not recomputed', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/crash-worker.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      env: {
        ...process.env,
        REDIS_URL: await testRedisUrl(),
        REDIS_PREFIX: api.keys.prefix,
        BULK_CHUNK_LINES: String(CHUNK),
        CRASH_AFTER_CHUNK: String(CRASH_AFTER),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((r) =>
      child.once('exit', (_code, signal) => r(signal)),
    );
    let standby: Services | undefined;
    try {
      await new Promise<void>((res, rej) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && res());
        child.once('exit', (code) => rej(new Error(`worker process exited early (${code})`)));
      });
      const input = lines(95);
      const res = await submit(app, ndjson(input), '?model=news&topK=3');
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const jobId = res.body.jobId as string;
      assert.equal(await exited, 'SIGKILL');
      const record = () => api.redis.hgetall(`${api.keys.prefix}:bulk:job:${jobId}`);
      const atCrash = await record();
      assert.equal(atCrash.status, 'running');
      assert.equal(atCrash.doneChunks, String(CRASH_AFTER + 1));
      assert.equal(atCrash.processed, String((CRASH_AFTER + 1) * CHUNK));
      assert.equal(atCrash.chunkWrites, String(CRASH_AFTER + 1));

      standby = await testServices({
        prefix: api.keys.prefix,
        worker: true,
        serving: false,
        env: { TEXTCLF_BACKEND: 'cpu', BULK_CHUNK_LINES: String(CHUNK) },
        bulkTuning: { lockDurationMs: 1000, stalledIntervalMs: 500 },
      });
      const done = await finished(app, jobId, 60_000);
      assert.equal(done.status, 'succeeded', String(done.error));
      assert.deepEqual(done.progress, { processed: 95, total: 95 });
      const end = await waitFor(async () => ((await record()).status === 'succeeded' ? record() : undefined));
      assert.equal(end.starts, '2', 'taken twice: by the crashed worker, then by the standby');
      assert.equal(end.resumedFrom, String(CRASH_AFTER + 1), 'resumed at the first chunk not stored');
      assert.equal(end.chunkWrites, '10', 'each of the 10 chunks stored once: none recomputed');
      await assertAnswers(app, await results(app, jobId), input, { model: 'news', topK: 3 });
    } finally {
      child.kill('SIGKILL');
      await standby?.close();
    }
  });

  it('waits between chunks while its worker trains, then carries on', async () => {
    const fake = new URL('../queue/fixtures/fake-train-thread.ts', import.meta.url);
    const w = await testServices({
      prefix: api.keys.prefix,
      worker: true,
      serving: false,
      thread: { entry: fake },
      env: { TEXTCLF_BACKEND: 'cpu', BULK_CHUNK_LINES: String(CHUNK) },
    });
    try {
      // Slow fake epochs (seed 3: 200 ms each) on another model: about 3 s of training.
      const articles = [0, 1, 2, 3].map((i) => ({ text: `w${i}`, label: i % 2 ? 'a' : 'b' }));
      const train = await request(app)
        .post('/train')
        .send({ model: 'other', articles, options: { seed: 3, epochs: 15 } });
      assert.equal(train.status, 202);
      const trainJob = () => request(app).get(`/jobs/${train.body.jobId}`);
      await waitFor(async () => (await trainJob()).body.status === 'running', 10_000, 'training running');
      const res = await submit(app, ndjson(lines(40)), '?model=news');
      const jobId = res.body.jobId as string;
      await waitFor(
        async () => (await request(app).get(`/classify/jobs/${jobId}`)).body.status === 'running',
      );
      await new Promise((r) => setTimeout(r, 1000));
      const during = (await request(app).get(`/classify/jobs/${jobId}`)).body;
      assert.equal((await trainJob()).body.status, 'running', 'still training');
      assert.equal(during.progress.processed, 0, 'no chunk classified while the worker trains');
      const done = await finished(app, jobId, 60_000);
      assert.equal(done.status, 'succeeded');
      const trained = (await trainJob()).body;
      assert.equal(trained.status, 'succeeded');
      assert.ok(Date.parse(trained.finishedAt) <= Date.parse(String(done.finishedAt)));
    } finally {
      await w.close();
    }
  });
});
