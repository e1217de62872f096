import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createApp } from '../../src/api/index.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import type { Services } from '../../src/services/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';
import { startMain } from '../helpers/main-process.js';
import { testRedisUrl } from '../helpers/redis.js';
import { testServices, waitFor } from '../helpers/services.js';

interface Trial {
  id: string;
  status: string;
  worker: string;
  startedAt: string;
}

/**
 * `kill -9` of a worker process in the middle of an autotune search: the trial it was running is
 * taken over by another worker once its lock lapses and runs again there; the trials already done
 * are not repeated; the search ends with one version. The API runs in this process, the workers
 * (`ROLE=worker`, short locks) in processes of their own.
 */
describe('autotune survives a worker killed mid-search', { timeout: 240_000 }, () => {
  let s: Services;
  let app: ReturnType<typeof createApp>;
  const workers: ChildProcess[] = [];

  async function startWorker(): Promise<ChildProcess> {
    const { child, log } = startMain({
      ROLE: 'worker',
      PORT: '0',
      REDIS_URL: await testRedisUrl(),
      REDIS_PREFIX: s.keys.prefix,
      JOB_LOCK_MS: '2000',
      JOB_STALLED_CHECK_MS: '1000',
    });
    workers.push(child);
    const name = `:${child.pid}`;
    await waitFor(
      async () => (await s.queue.getWorkers()).some((w) => w.rawname?.endsWith(name)),
      60_000,
      `worker ${child.pid} taking jobs\n${log()}`,
    );
    return child;
  }

  before(async () => {
    s = await testServices({ worker: false });
    app = createApp(s.deps, { logger: silentLogger, config: parseConfig({ REDIS_PREFIX: s.keys.prefix }) });
  });
  after(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await s.close();
  });

  it('repeats only the killed trial and publishes one version', async () => {
    const first = await startWorker();
    const options = { epochs: 8, maxFeatures: 3000, validationSplit: 0.25, autotune: { trials: 5 } };
    const res = await request(app)
      .post('/train')
      .send({ model: 'crashy', articles: syntheticArticles(60, 9), options });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const jobId = res.body.jobId as string;
    // Wait until the first worker runs a trial after at least one has ended, then kill it.
    const victim = await waitFor(
      async () => {
        const done = await s.redis.hlen(s.keys.jobSearch(jobId));
        const active = (await s.queue.getActive()).find((j) => j.name === 'trial');
        return done >= 2 && active?.processedBy?.endsWith(`:${first.pid}`) ? active : undefined;
      },
      120_000,
      'a running trial after one ended',
    );
    const dead = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await dead;
    // Read once the process is gone: a trial whose result it stored stands, even if it died
    // before BullMQ marked the trial's job done.
    const endedBefore = Object.keys(await s.redis.hgetall(s.keys.jobSearch(jobId))).filter(
      (k) => k !== '_deadline',
    );
    const second = await startWorker();

    const job = await waitFor(
      async () => {
        const j = (await request(app).get(`/jobs/${jobId}`)).body;
        return ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
      },
      180_000,
      'the search to end',
    );
    assert.equal(job.status, 'succeeded', job.error);
    const versions = (await request(app).get('/models/crashy/versions')).body.versions;
    assert.equal(versions.length, 1, 'one version published');
    const table = (await request(app).get(`/models/crashy/versions/${job.version}`)).body.autotune
      .table as Trial[];
    const ids = table.map((t) => t.id);
    assert.equal(new Set(ids).size, ids.length, 'every trial once in the table');
    assert.ok(
      table.every((t) => t.status === 'done'),
      JSON.stringify(table),
    );
    const killedTrial = (victim.data as unknown as { spec: { id: string } }).spec.id;
    const rerun = table.find((t) => t.id === killedTrial)!;
    if (!endedBefore.includes(killedTrial))
      assert.ok(
        rerun.worker.endsWith(`:${second.pid}`),
        `the killed trial ran again on the new worker: ${rerun.worker}`,
      );
    for (const t of table.filter((t) => endedBefore.includes(t.id)))
      assert.ok(t.worker.endsWith(`:${first.pid}`), `trial ${t.id}, done before the kill, was not repeated`);
  });
});
