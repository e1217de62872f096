import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { testRedisUrl } from '../helpers/redis.js';
import { testServices, waitFor } from '../helpers/services.js';

const articles = [
  { text: 'red apple', label: 'fruit' },
  { text: 'green pear', label: 'fruit' },
  { text: 'fast car', label: 'vehicle' },
  { text: 'slow bus', label: 'vehicle' },
];
const entry = fileURLToPath(new URL('./fixtures/worker-process.ts', import.meta.url));

it('a job that keeps crashing its worker process ends failed, promptly, after a bounded number of starts', async () => {
  const s = await testServices({ serving: false });
  const children: ChildProcess[] = [];
  try {
    const ds = await s.datasets.put(articles);
    const job = await s.jobs.submit('crashy', ds, { epochs: 10 });
    let crashes = 0;
    let lastCrashAt = 0;
    // Workers come and go as a supervisor would restart them; each one that takes the job dies.
    for (let i = 0; i < 6; i++) {
      const child = spawn(process.execPath, ['--import', 'tsx', entry], {
        env: {
          ...process.env,
          REDIS_URL: await testRedisUrl(),
          REDIS_PREFIX: s.keys.prefix,
          CRASH_THREAD: '1',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      const exited = new Promise<string | null>((res) => child.once('exit', (_c, sig) => res(sig)));
      const failed = waitFor(
        async () => (await s.jobStore.get(job.jobId)).status === 'failed',
        20_000,
        'failed record',
      ).then(() => 'failed' as const);
      const outcome = await Promise.race([exited, failed]);
      if (outcome === 'failed') break;
      assert.equal(outcome, 'SIGKILL');
      crashes++;
      lastCrashAt = Date.now();
    }
    // Read the record itself (no reconcile-on-read): the surviving worker wrote `failed`.
    const rec = await s.jobStore.get(job.jobId);
    const recordedAfterMs = Date.now() - lastCrashAt;
    assert.equal(rec.status, 'failed');
    assert.match(
      rec.error ?? '',
      /crashed or lost its worker \d+ times; giving up \(job stalled more than allowable limit\)/,
    );
    assert.equal(crashes, 2, 'maxStalledCount 1: the second crash is the last');
    assert.ok(recordedAfterMs < 10_000, `record failed ${recordedAfterMs} ms after the last crash`);
    assert.ok(rec.finishedAt);
    assert.equal(await s.queue.getJobState(job.jobId), 'failed');
    assert.equal(await s.redis.exists(s.keys.jobCheckpoint(job.jobId)), 0);
    assert.equal((await s.registry.listModels()).length, 0);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await s.close();
  }
});
