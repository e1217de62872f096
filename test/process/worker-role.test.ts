import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort } from '../../src/redis/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';
import { startMain } from '../helpers/main-process.js';
import { testRedisUrl } from '../helpers/redis.js';
import { testServices, waitFor } from '../helpers/services.js';

/** `ROLE=worker`: the HTTP surface Kubernetes probes and scrapes (`/healthz`, `/readyz`, `/metrics`). */
describe('the worker role', () => {
  it('answers its probes and reports the training it did in /metrics', async () => {
    const api = await testServices({ serving: false });
    const port = await freePort();
    const { child, log } = startMain({
      ROLE: 'worker',
      PORT: String(port),
      REDIS_URL: await testRedisUrl(),
      REDIS_PREFIX: api.keys.prefix,
    });
    const base = `http://127.0.0.1:${port}`;
    try {
      const health = await waitFor(
        () =>
          fetch(`${base}/healthz`).then(
            (r) => r.json(),
            () => undefined,
          ),
        60_000,
        `worker /healthz; log:\n${log()}`,
      );
      assert.deepEqual(health, { status: 'ok', role: 'worker' });
      const ready = await waitFor(
        () => fetch(`${base}/readyz`).then((r) => (r.status === 200 ? r.json() : undefined)),
        30_000,
        'worker ready',
      );
      assert.equal((ready as { redis: boolean }).redis, true);

      const ds = await api.datasets.put(syntheticArticles(40, 2));
      const job = await api.jobs.submit('w', ds, { epochs: 3, hiddenUnits: 8, validationSplit: 0.25 });
      await waitFor(async () => (await api.jobs.get(job.jobId)).status === 'succeeded', 90_000, 'job done');
      // The record turns `succeeded` in the publish script; the worker counts the attempt just after.
      const page = await waitFor(
        async () => {
          const text = await (await fetch(`${base}/metrics`)).text();
          return /^textclf_training_jobs_total\{outcome="succeeded"\} 1$/m.test(text) ? text : undefined;
        },
        10_000,
        'the attempt counted in /metrics',
      );
      assert.match(page, /^textclf_training_epoch_seconds_count\{phase="select"\} [1-9]/m);
      assert.match(page, /^textclf_training_docs_per_second\{phase="refit"\} \d/m);
      assert.match(page, /^textclf_queue_jobs\{queue="training",state="waiting"\} 0$/m);
      assert.match(page, /^process_resident_memory_bytes \d/m);
      await waitFor(
        async () => /^textclf_training_threads 0$/m.test(await (await fetch(`${base}/metrics`)).text()),
        10_000,
        'no training thread once the job is done',
      );
      assert.equal((await fetch(`${base}/nope`)).status, 404);
      // Idle, it holds no training thread, and SIGTERM (a scale-down to zero) ends it cleanly.
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0, log());
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
      await api.close();
    }
  });
});
