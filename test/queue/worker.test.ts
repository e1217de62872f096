import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../src/errors/index.js';
import type { JobEvent } from '../../src/contract/index.js';
import type { Services } from '../../src/services/index.js';
import { testServices, waitFor } from '../helpers/services.js';

/** Worker behaviour (queueing, progress, cancel, retries, failure classes) with a stand-in thread. */
const fakeThread = { entry: new URL('./fixtures/fake-train-thread.ts', import.meta.url) };
const articles = [
  { text: 'red apple', label: 'fruit' },
  { text: 'green pear', label: 'fruit' },
  { text: 'fast car', label: 'vehicle' },
  { text: 'slow bus', label: 'vehicle' },
];
const finished = (s: Services, id: string) => async () => {
  const j = await s.jobs.get(id);
  return ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
};

describe('training worker (stand-in thread)', () => {
  it('runs a job queued -> running -> succeeded, with progress events and one version', async () => {
    const s = await testServices({ worker: true, thread: fakeThread });
    try {
      const ds = await s.datasets.put(articles);
      const job = await s.jobs.submit('m', ds, { epochs: 3 });
      assert.equal(job.status, 'queued');
      assert.equal(job.datasetHash, ds.hash);
      const events: JobEvent[] = [];
      const off = await s.jobs.subscribe(job.jobId, (e) => events.push(e));
      const done = await waitFor(finished(s, job.jobId));
      await waitFor(() => events.some((e) => e.job.status === 'succeeded'), 5000, 'final event');
      off();
      assert.equal(done.status, 'succeeded');
      assert.equal(done.version, 1);
      assert.equal(done.attempts, 1);
      assert.deepEqual(done.progress, { epoch: 3, epochs: 3, loss: 1 / 3, accuracy: 0.5 });
      assert.ok(done.startedAt && done.finishedAt);
      const statuses = events.map((e) => e.job.status);
      assert.equal(statuses[0], 'running');
      assert.equal(statuses.at(-1), 'succeeded');
      assert.deepEqual(
        events.filter((e) => e.type === 'progress').map((e) => e.job.progress?.epoch),
        [1, 2, 3],
      );
      assert.deepEqual(
        (await s.jobs.history(job.jobId)).map((p) => [p.epoch, p.loss]),
        [1, 2, 3].map((e) => [e, 1 / e]),
        'every epoch kept in the history, oldest first',
      );
      const v = await s.registry.getVersion('m', 1);
      assert.equal(v.jobId, job.jobId);
      assert.equal(v.dataset.hash, ds.hash);
      assert.equal(await s.redis.exists(s.keys.jobCheckpoint(job.jobId)), 0, 'checkpoint dropped once final');
      // The BullMQ payload holds references only.
      const bull = await s.redis.hget(`${s.keys.prefix}:train:${job.jobId}`, 'data');
      assert.deepEqual(JSON.parse(bull!), { model: 'm', datasetHash: ds.hash, options: { epochs: 3 } });
      const list = await s.jobs.list({ model: 'm' });
      assert.deepEqual(
        list.map((j) => j.jobId),
        [job.jobId],
      );
    } finally {
      await s.close();
    }
  });

  it('lists jobs newest first and rejects bad options before queueing', async () => {
    const s = await testServices();
    try {
      const ds = await s.datasets.put(articles);
      const a = await s.jobs.submit('m', ds, {});
      await new Promise((r) => setTimeout(r, 5));
      const b = await s.jobs.submit('n', ds, {});
      assert.deepEqual(
        (await s.jobs.list({})).map((j) => j.jobId),
        [b.jobId, a.jobId],
      );
      assert.deepEqual(
        (await s.jobs.list({ model: 'm' })).map((j) => j.jobId),
        [a.jobId],
      );
      await assert.rejects(
        s.jobs.submit('m', ds, { epochs: -1 }),
        (e) => isAppError(e) && e.code === 'INVALID_OPTIONS',
      );
      assert.equal((await s.jobs.list({})).length, 2);
      await assert.rejects(s.jobs.get('nope'), (e) => isAppError(e) && e.code === 'JOB_NOT_FOUND');
    } finally {
      await s.close();
    }
  });

  it('cancels a queued job: it never runs and publishes nothing', async () => {
    const s = await testServices();
    try {
      const ds = await s.datasets.put(articles);
      const job = await s.jobs.submit('m', ds, { epochs: 2 });
      const c = await s.jobs.cancel(job.jobId);
      assert.equal(c.status, 'cancelled');
      await assert.rejects(
        s.jobs.cancel(job.jobId),
        (e) => isAppError(e) && e.code === 'JOB_NOT_CANCELLABLE',
      );
      assert.equal(await s.jobs.get(job.jobId).then((j) => j.status), 'cancelled');
      // A worker that starts later never sees it.
      const w = await testServices({ prefix: s.keys.prefix, worker: true, thread: fakeThread });
      const other = await s.jobs.submit('m', ds, { epochs: 2 });
      await waitFor(finished(s, other.jobId));
      await w.close();
      assert.equal((await s.jobs.get(job.jobId)).status, 'cancelled');
      assert.deepEqual(
        (await s.registry.listVersions('m')).map((v) => v.version),
        [1],
      );
      assert.equal((await s.registry.getVersion('m', 1)).jobId, other.jobId);
    } finally {
      await s.close();
    }
  });

  it('cancels a running job between epochs and publishes no version', async () => {
    const s = await testServices({ worker: true, thread: fakeThread });
    try {
      const ds = await s.datasets.put(articles);
      const job = await s.jobs.submit('m', ds, { epochs: 50, seed: 3 });
      await waitFor(async () => (await s.jobs.get(job.jobId)).progress, 10_000, 'first epoch');
      const c = await s.jobs.cancel(job.jobId);
      assert.equal(c.status, 'cancelled');
      await waitFor(
        async () => (await s.queue.getJobState(job.jobId)) === 'completed',
        10_000,
        'worker to stop',
      );
      const after = await s.jobs.get(job.jobId);
      assert.equal(after.status, 'cancelled');
      assert.equal(after.version, undefined);
      assert.ok((after.progress?.epoch ?? 0) < 50);
      await assert.rejects(
        s.registry.listVersions('m'),
        (e) => isAppError(e) && e.code === 'MODEL_NOT_FOUND',
      );
    } finally {
      await s.close();
    }
  });

  it('fails bad options at once and retries transient failures with a bound', async () => {
    const s = await testServices({ worker: true, thread: fakeThread, env: { JOB_ATTEMPTS: '3' } });
    try {
      const ds = await s.datasets.put(articles);
      const bad = await s.jobs.submit('m', ds, { seed: 1 });
      const flaky = await s.jobs.submit('m', ds, { seed: 2 });
      const b = await waitFor(finished(s, bad.jobId));
      const f = await waitFor(finished(s, flaky.jobId));
      assert.equal(b.status, 'failed');
      assert.equal(b.attempts, 1);
      assert.match(b.error ?? '', /hiddenUnits/);
      assert.equal(f.status, 'failed');
      assert.equal(f.attempts, 3);
      assert.match(f.error ?? '', /transient/);
    } finally {
      await s.close();
    }
  });

  it('keeps a bounded job history: the oldest finished records go, unfinished ones stay', async () => {
    const s = await testServices({ env: { KEEP_JOBS: '2' } });
    try {
      const ds = await s.datasets.put(articles);
      const a = await s.jobs.submit('m', ds, {}); // stays queued
      const b = await s.jobs.submit('m', ds, {});
      await s.jobs.cancel(b.jobId); // finished
      const c = await s.jobs.submit('n', ds, {});
      const d = await s.jobs.submit('n', ds, {});
      const ids = (await s.jobs.list({})).map((j) => j.jobId);
      assert.deepEqual(ids, [d.jobId, c.jobId, a.jobId]);
      await assert.rejects(s.jobs.get(b.jobId), (e) => isAppError(e) && e.code === 'JOB_NOT_FOUND');
      assert.deepEqual(
        (await s.jobs.list({ model: 'm' })).map((j) => j.jobId),
        [a.jobId],
      );
    } finally {
      await s.close();
    }
  });
});
