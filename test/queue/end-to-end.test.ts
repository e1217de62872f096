import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { isAppError } from '../../src/errors/index.js';
import type { JobEvent, JobView } from '../../src/contract/index.js';
import type { Services } from '../../src/services/index.js';
import { testRedisUrl } from '../helpers/redis.js';
import { testServices, waitFor } from '../helpers/services.js';

/**
 * The real pipeline: the real `train` in a worker thread, artefacts through the registry, and
 * `deserializeArtefact` in the serving classifier. Tiny made-up data, a few epochs.
 */
const FRUIT = ['apple', 'pear', 'banana', 'cherry', 'plum', 'grape', 'mango', 'lemon'];
const VEHICLE = ['car', 'bus', 'truck', 'bike', 'train', 'tram', 'van', 'scooter'];
function dataset(n = 24): { text: string; label: string }[] {
  const out: { text: string; label: string }[] = [];
  for (let i = 0; i < n; i++) {
    const f = [FRUIT[i % 8], FRUIT[(i + 3) % 8], 'sweet juicy'].join(' ');
    const v = [VEHICLE[i % 8], VEHICLE[(i + 5) % 8], 'engine wheels road'].join(' ');
    out.push({ text: f, label: 'fruit' }, { text: v, label: 'vehicle' });
  }
  return out;
}
const OPTIONS = {
  epochs: 4,
  hiddenUnits: 8,
  learningRate: 0.05,
  minDf: 1,
  batchSize: 8,
  validationSplit: 0.2,
  seed: 7,
};

const final = (s: Services, id: string) => async (): Promise<JobView | undefined> => {
  const j = await s.jobs.get(id);
  return ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
};

describe('end to end with real training', { timeout: 120_000 }, () => {
  it('trains to version 1 with progress, serves it, hot-swaps to version 2 in another process, keeps v1 pinnable', async () => {
    const worker = await testServices({ worker: true, env: { TEXTCLF_BACKEND: 'wasm' } });
    // A second "API process": no worker, its own connections and classifier.
    const api = await testServices({ prefix: worker.keys.prefix, env: { TEXTCLF_BACKEND: 'wasm' } });
    try {
      await assert.rejects(
        api.classifier.classify('default', ['a red apple'], {}),
        (e) => isAppError(e) && e.code === 'MODEL_NOT_FOUND',
      );
      const ds = await api.datasets.put(dataset());
      const job = await api.jobs.submit('default', ds, OPTIONS);
      const events: JobEvent[] = [];
      const off = await api.jobs.subscribe(job.jobId, (e) => events.push(e));
      const done = await waitFor(final(api, job.jobId), 90_000, 'job 1');
      off();
      assert.equal(done.status, 'succeeded', done.error);
      assert.equal(done.version, 1);
      assert.ok(done.progress && done.progress.epoch <= done.progress.epochs);
      // Per phase, epochs arrive in order from 1 (select: early stopping, then refit on all data).
      const progress = events.flatMap((e) =>
        e.type === 'progress' && e.job.progress ? [e.job.progress] : [],
      );
      for (const phase of ['select', 'refit']) {
        const epochs = progress.filter((p) => p.phase === phase).map((p) => p.epoch);
        assert.deepEqual(
          epochs,
          epochs.map((_, i) => i + 1),
          `${phase} epochs ${epochs.join(',')}`,
        );
      }
      assert.equal(progress.filter((p) => p.phase === 'select').length > 0, true);
      assert.equal(progress[0]?.epochs, 4);
      const v1 = await api.registry.getVersion('default', 1);
      assert.deepEqual(v1.labels, ['fruit', 'vehicle']);
      assert.equal(v1.dataset.hash, ds.hash);
      assert.equal(v1.dataset.documents, 48);
      assert.ok(v1.vocabularySize > 0);
      assert.equal(typeof v1.accuracy, 'number');

      await waitFor(() => api.classifier.servedVersion('default') === 1, 5000, 'api to load v1');
      const r1 = await api.classifier.classify('default', ['juicy mango and plum', 'a bus on the road'], {
        topK: 1,
      });
      assert.equal(r1.version, 1);
      assert.deepEqual(
        r1.results.map((r) => r.label),
        ['fruit', 'vehicle'],
      );
      assert.equal(r1.results[0]?.scores.length, 1);

      const job2 = await api.jobs.submit('default', ds, { ...OPTIONS, seed: 8 });
      const done2 = await waitFor(final(api, job2.jobId), 90_000, 'job 2');
      assert.equal(done2.version, 2);
      // Both processes swap to v2 without a restart.
      await waitFor(() => api.classifier.servedVersion('default') === 2, 2000, 'api to swap to v2');
      await waitFor(
        () => worker.classifier.servedVersion('default') === 2,
        2000,
        'worker process to swap to v2',
      );
      assert.equal((await api.classifier.classify('default', ['pear'], {})).version, 2);
      const pinned = await api.classifier.classify('default', ['a truck and a van on the road'], {
        version: 1,
      });
      assert.deepEqual([pinned.version, pinned.results[0]?.label], [1, 'vehicle']);
      // Roll back with the alias: served again by v1.
      await api.registry.setLatest('default', 1);
      await waitFor(() => api.classifier.servedVersion('default') === 1, 2000, 'rollback');
    } finally {
      await api.close();
      await worker.close();
    }
  });

  it('cancels a running real training between batches; no version is published', async () => {
    const s = await testServices({ worker: true, env: { TEXTCLF_BACKEND: 'wasm' } });
    try {
      const ds = await s.datasets.put(dataset(60));
      const job = await s.jobs.submit('slow', ds, {
        ...OPTIONS,
        epochs: 500,
        batchSize: 1,
        validationSplit: 0,
      });
      await waitFor(async () => (await s.jobs.get(job.jobId)).progress, 60_000, 'first epoch');
      await s.jobs.cancel(job.jobId);
      await waitFor(
        async () => (await s.queue.getJobState(job.jobId)) === 'completed',
        20_000,
        'worker to stop',
      );
      const after = await s.jobs.get(job.jobId);
      assert.equal(after.status, 'cancelled');
      assert.equal(after.version, undefined);
      assert.ok((after.progress?.epoch ?? 0) < 500);
      await assert.rejects(
        s.registry.listVersions('slow'),
        (e) => isAppError(e) && e.code === 'MODEL_NOT_FOUND',
      );
      assert.equal(await s.redis.exists(s.keys.jobCheckpoint(job.jobId)), 0);
    } finally {
      await s.close();
    }
  });

  it('on shutdown hands a running job back; another worker resumes it from its checkpoint', async () => {
    const first = await testServices({ worker: true, env: { TEXTCLF_BACKEND: 'wasm' } });
    let second: Services | undefined;
    try {
      const ds = await first.datasets.put(dataset(60));
      const job = await first.jobs.submit('resume', ds, {
        ...OPTIONS,
        epochs: 40,
        batchSize: 1,
        validationSplit: 0,
      });
      await waitFor(async () => (await first.jobs.get(job.jobId)).progress, 60_000, 'first epoch');
      await first.worker?.close(0); // grace 0: stop between batches and hand the job back
      const handedBack = await first.jobs.get(job.jobId);
      assert.equal(handedBack.status, 'queued');
      const stoppedAt = handedBack.progress?.epoch ?? 0;
      assert.ok(stoppedAt >= 1 && stoppedAt < 40);
      assert.equal(await first.queue.getJobState(job.jobId), 'waiting');
      const epochs: number[] = [];
      const off = await first.jobs.subscribe(job.jobId, (e) => {
        if (e.type === 'progress' && e.job.progress) epochs.push(e.job.progress.epoch);
      });
      second = await testServices({
        prefix: first.keys.prefix,
        worker: true,
        serving: false,
        env: { TEXTCLF_BACKEND: 'wasm' },
      });
      const done = await waitFor(final(first, job.jobId), 90_000, 'resumed job');
      off();
      assert.equal(done.status, 'succeeded', done.error);
      assert.equal(done.version, 1);
      assert.ok((epochs[0] ?? 0) > 1, `resumed after epoch ${stoppedAt}, first new epoch ${epochs[0]}`);
      assert.ok((epochs[0] ?? 0) <= stoppedAt + 1);
      assert.deepEqual(
        (await first.registry.listVersions('resume')).map((v) => v.version),
        [1],
      );
    } finally {
      await second?.close();
      await first.close();
    }
  });

  it('a worker killed with SIGKILL mid-training: another takes the job over within 10 s (default lock and stall settings) and resumes from its checkpoint', async (t) => {
    const s = await testServices({ serving: false, env: { TEXTCLF_BACKEND: 'wasm' } });
    let standby: Services | undefined;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./fixtures/worker-process.ts', import.meta.url))],
      {
        env: { ...process.env, REDIS_URL: await testRedisUrl(), REDIS_PREFIX: s.keys.prefix },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      await new Promise<void>((res, rej) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && res());
        child.once('exit', (code) => rej(new Error(`worker process exited early (${code})`)));
      });
      const ds = await s.datasets.put(dataset(60));
      // Long enough to be still training when the standby is up and the kill lands (epochs of 60
      // documents take milliseconds on the host step; most of an epoch is its checkpoint).
      const job = await s.jobs.submit('crash', ds, {
        ...OPTIONS,
        epochs: 150,
        batchSize: 1,
        validationSplit: 0,
      });
      await waitFor(async () => ((await s.jobs.get(job.jobId)).progress?.epoch ?? 0) >= 3, 60_000, 'epoch 3');
      // A second worker, idle and ready before the first dies, as in a deployment with spare workers.
      standby = await testServices({
        prefix: s.keys.prefix,
        worker: true,
        serving: false,
        env: { TEXTCLF_BACKEND: 'wasm' },
      });
      child.kill('SIGKILL');
      const killedAt = Date.now();
      const killedEpoch = (await s.jobs.get(job.jobId)).progress?.epoch ?? 0;
      const epochs: number[] = [];
      const off = await s.jobs.subscribe(job.jobId, (e) => {
        if (e.type === 'progress' && e.job.progress) epochs.push(e.job.progress.epoch);
      });
      await waitFor(
        async () => (await s.jobs.get(job.jobId)).attempts >= 2,
        60_000,
        'job started again by the standby worker',
      );
      const takeoverMs = Date.now() - killedAt;
      t.diagnostic(`takeover after SIGKILL: ${takeoverMs} ms`);
      // The bound is BullMQ's protocol, not CPU speed: the dead worker's lock expires within
      // JOB_LOCK_MS (5 s) and the standby's stall check runs every JOB_STALLED_CHECK_MS (3 s).
      assert.ok(takeoverMs < 10_000, `taken over after ${takeoverMs} ms`);
      const done = await waitFor(final(s, job.jobId), 90_000, 'job finished');
      off();
      assert.equal(done.status, 'succeeded', done.error);
      assert.equal(done.version, 1);
      assert.equal(done.attempts, 2);
      assert.ok((epochs[0] ?? 0) >= 3, `killed after epoch ${killedEpoch}; resumed at epoch ${epochs[0]}`);
      assert.deepEqual(
        (await s.registry.listVersions('crash')).map((v) => v.version),
        [1],
      );
    } finally {
      child.kill('SIGKILL');
      await standby?.close();
      await s.close();
    }
  });

  it('an unusable checkpoint fails one attempt; the retry trains from scratch', async () => {
    const s = await testServices({ serving: false, env: { TEXTCLF_BACKEND: 'wasm' } });
    let w: Services | undefined;
    try {
      const ds = await s.datasets.put(dataset());
      const job = await s.jobs.submit('ckpt', ds, OPTIONS);
      await s.jobStore.saveCheckpoint(job.jobId, new Uint8Array([1, 2, 3, 4, 5]), 2);
      w = await testServices({
        prefix: s.keys.prefix,
        worker: true,
        serving: false,
        env: { TEXTCLF_BACKEND: 'wasm' },
      });
      const done = await waitFor(final(s, job.jobId), 60_000, 'job');
      assert.equal(done.status, 'succeeded', done.error);
      assert.equal(done.attempts, 2);
      assert.equal(done.version, 1);
    } finally {
      await w?.close();
      await s.close();
    }
  });
});
