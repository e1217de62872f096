import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { liveTrainingThreads, type QueueServices } from '../../src/queue/index.js';
import { testServices, waitFor } from '../helpers/services.js';

/** No training thread outlives its job: success, cancellation, shutdown, or a thread that hangs. */
const fakeThread = { entry: new URL('./fixtures/fake-train-thread.ts', import.meta.url) };
const stubbornThread = { entry: new URL('./fixtures/stubborn-thread.ts', import.meta.url) };
const articles = [
  { text: 'red apple', label: 'fruit' },
  { text: 'green pear', label: 'fruit' },
  { text: 'fast car', label: 'vehicle' },
  { text: 'slow bus', label: 'vehicle' },
];
const status = (s: QueueServices, id: string, want: string) => async () =>
  (await s.jobStore.get(id)).status === want;
/** Threads end asynchronously after their job settles; a zombie would stay far longer than this. */
const noThreads = () => waitFor(() => liveTrainingThreads() === 0, 2000, 'no live training thread');

describe('training threads end with their job', () => {
  it('after a job succeeds, and after a running job is cancelled', async () => {
    const s = await testServices({ worker: true, thread: fakeThread });
    try {
      const ds = await s.datasets.put(articles);
      assert.equal(liveTrainingThreads(), 0);
      const ok = await s.jobs.submit('m', ds, { epochs: 2 });
      await waitFor(status(s, ok.jobId, 'succeeded'), 20_000, 'success');
      await noThreads();

      const slow = await s.jobs.submit('m', ds, { epochs: 50, seed: 3 });
      await waitFor(() => liveTrainingThreads() === 1, 20_000, 'thread running');
      await waitFor(async () => (await s.jobStore.get(slow.jobId)).progress, 20_000, 'first epoch');
      await s.jobs.cancel(slow.jobId);
      await noThreads();
      assert.equal((await s.jobStore.get(slow.jobId)).status, 'cancelled');
    } finally {
      await s.close();
    }
    assert.equal(liveTrainingThreads(), 0);
  });

  it('after a shutdown that hands the running job back', async () => {
    const s = await testServices({ worker: true, thread: fakeThread });
    const ds = await s.datasets.put(articles);
    const job = await s.jobs.submit('m', ds, { epochs: 50, seed: 3 });
    await waitFor(async () => (await s.jobStore.get(job.jobId)).progress, 20_000, 'first epoch');
    assert.equal(liveTrainingThreads(), 1);
    await s.close(0);
    assert.equal(liveTrainingThreads(), 0);
  });

  it('a thread that ignores the cancel is terminated at shutdown', async () => {
    const s = await testServices({ worker: true, thread: stubbornThread });
    const ds = await s.datasets.put(articles);
    const job = await s.jobs.submit('m', ds, { epochs: 10 });
    await waitFor(async () => (await s.jobStore.get(job.jobId)).progress, 20_000, 'first epoch');
    const t = Date.now();
    await s.close(0); // cancel at once; the thread never reads it and is terminated after 5 s
    assert.equal(liveTrainingThreads(), 0);
    assert.ok(Date.now() - t < 15_000);
  });
});
