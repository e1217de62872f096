import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { describe, it } from 'node:test';
import { liveTrainingThreads } from '../../src/queue/index.js';
import { freePort } from '../../src/redis/index.js';
import type { Services } from '../../src/services/index.js';
import { startMain } from '../helpers/main-process.js';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.js';
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
const status = (s: Services, id: string, want: string) => async () =>
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

  it('a real training thread lowers its own priority (TRAINING_NICE), not the process', async (t) => {
    if (process.platform !== 'linux') return t.skip('per-thread nice values are Linux only');
    const niceOf = (tid: string) =>
      Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ')[16]);
    const base = getPriority();
    const s = await testServices({ worker: true, env: { TRAINING_NICE: '7' } });
    try {
      const words = ['alpha', 'beta', 'gamma', 'delta', 'eps', 'zeta', 'eta', 'theta'];
      const data = Array.from({ length: 200 }, (_, i) => ({
        text: `${words[i % 8]} ${words[(i * 3) % 8]} sample ${i}`,
        label: i % 2 ? 'odd' : 'even',
      }));
      const ds = await s.datasets.put(data);
      const job = await s.jobs.submit('nice', ds, { epochs: 200, batchSize: 1, validationSplit: 0 });
      const tids = await waitFor(
        () => {
          const found = readdirSync('/proc/self/task').filter(
            (tid) => niceOf(tid) === Math.min(19, base + 7),
          );
          return found.length > 0 ? found : undefined;
        },
        60_000,
        'a thread with nice +7',
      );
      assert.ok(tids.length >= 1);
      assert.equal(getPriority(), base, 'the main thread keeps its priority');
      await s.jobs.cancel(job.jobId);
    } finally {
      await s.close();
    }
  });

  it('a worker-only process runs all its threads at TRAINING_NICE; an API process keeps its priority', async (t) => {
    if (process.platform !== 'linux') return t.skip('per-thread nice values are Linux only');
    const nicesOf = (pid: number) =>
      readdirSync(`/proc/${pid}/task`).map((tid) =>
        Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ')[16]),
      );
    const base = getPriority();
    const redisUrl = await testRedisUrl();
    const started = await Promise.all(
      (['worker', 'api'] as const).map(async (role) => {
        const port = await freePort();
        const env = {
          ROLE: role,
          PORT: String(port),
          REDIS_URL: redisUrl,
          REDIS_PREFIX: uniquePrefix('nice'),
        };
        return { role, port, ...startMain({ ...env, TRAINING_NICE: '5', INFERENCE_THREADS: '1' }) };
      }),
    );
    try {
      for (const { port, log } of started) {
        await waitFor(
          () =>
            fetch(`http://127.0.0.1:${port}/readyz`).then(
              (r) => r.ok,
              () => false,
            ),
          30_000,
          `ready:\n${log()}`,
        );
      }
      const [worker, api] = started as [(typeof started)[0], (typeof started)[0]];
      const workerNices = nicesOf(worker.child.pid as number);
      assert.ok(workerNices.length > 3, 'the worker has its V8 and libuv threads');
      assert.deepEqual(new Set(workerNices), new Set([Math.min(19, base + 5)]));
      assert.deepEqual(new Set(nicesOf(api.child.pid as number)), new Set([base]));
    } finally {
      for (const { child } of started) child.kill('SIGKILL');
    }
  });
});
