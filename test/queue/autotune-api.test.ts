import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createApp } from '../../src/api/index.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import type { Services } from '../../src/services/index.js';
import { assertProblem, assertSchema } from '../api/schema-check.js';
import { syntheticArticles } from '../fixtures/synthetic.js';
import { testServices, waitFor } from '../helpers/services.js';

/**
 * Autotune through the HTTP API on the real pipeline (Redis, BullMQ flows, a worker): a small
 * search whose trials are child jobs, the winner trained and published with its trial table, the
 * search's progress in the job, cancellation of the parent stopping its trials, and bad settings
 * refused before anything is queued.
 */
describe('autotune over HTTP', { timeout: 300_000 }, () => {
  let s: Services;
  let app: ReturnType<typeof createApp>;
  const articles = syntheticArticles(40, 7);
  // Small fixed options keep each trial to a second or two on the cpu backend.
  const fixed = { epochs: 6, maxFeatures: 2000, validationSplit: 0.25 };

  async function ended(jobId: string) {
    return waitFor(async () => {
      const j = (await request(app).get(`/jobs/${jobId}`)).body;
      return ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
    }, 250_000);
  }

  /** Jobs BullMQ still has waiting or running (trials included). */
  async function live(): Promise<number> {
    const c = await s.queue.getJobCounts('waiting', 'active', 'prioritized', 'delayed', 'waiting-children');
    return Object.values(c).reduce((a, b) => a + b, 0);
  }

  before(async () => {
    s = await testServices({ worker: true, env: { TEXTCLF_BACKEND: 'cpu' } });
    app = createApp(s.deps, { logger: silentLogger, config: parseConfig({ REDIS_PREFIX: s.keys.prefix }) });
  });
  after(() => s.close());

  it('runs the trials as child jobs, publishes the best with its trial table', async () => {
    const autotune = { trials: 4, budgetSeconds: 200 };
    const res = await request(app)
      .post('/train')
      .send({ model: 'tuned', articles, options: { ...fixed, hiddenUnits: 8, autotune } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const job = await ended(res.body.jobId);
    assert.equal(job.status, 'succeeded', job.error);
    assertSchema(job, 'Job');
    assert.equal(job.search.metric, 'accuracy');
    assert.equal(job.attempts, 1, 'the starts between rungs are not attempts');
    assert.ok(job.search.trialsDone >= 4, JSON.stringify(job.search));
    assert.equal(job.search.trialsDone, job.search.trialsTotal);

    const detail = (await request(app).get(`/models/tuned/versions/${job.version}`)).body;
    assertSchema(detail, 'VersionDetail');
    const report = detail.autotune;
    assert.equal(report.trials, 4);
    assert.equal(report.repeats, 4, 'a small validation split: up to four folds per configuration');
    const first = report.table.filter((t: { rung: number }) => t.rung === 0);
    assert.equal(first.length, 4);
    assert.deepEqual(first[0].options, {}, 'configuration 0 is the defaults');
    for (const t of report.table) {
      assert.equal(t.status, 'done', JSON.stringify(t));
      assert.match(t.worker, /:\d+$/);
      assert.ok(!('hiddenUnits' in t.options), 'an option given explicitly is not searched');
    }
    assert.ok(
      report.table.some((t: { rung: number }) => t.rung === 1),
      'the best third gets another split',
    );
    // The version is trained with the winner's options on top of the fixed ones.
    assert.ok(report.best);
    assert.equal(detail.options.hiddenUnits, 8);
    for (const [k, v] of Object.entries(report.best.options)) assert.deepEqual(detail.options[k], v, k);
    assert.ok(!('autotune' in detail.options));
    await waitFor(async () => (await live()) === 0, 10_000, 'no trial left queued or running');
    const c = (await request(app).post('/classify').send({ model: 'tuned', text: articles[0]!.text })).body;
    assert.equal(c.version, job.version);
  });

  it('takes the search settings from the query for NDJSON bodies', async () => {
    const body = articles.map((a) => JSON.stringify(a)).join('\n');
    const res = await request(app)
      .post(
        '/train?model=nd&autotuneTrials=2&autotuneSeconds=100&autotuneMetric=macroF1&epochs=4&maxFeatures=2000&validationSplit=0.25',
      )
      .set('Content-Type', 'application/x-ndjson')
      .send(body);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const job = await ended(res.body.jobId);
    assert.equal(job.status, 'succeeded', job.error);
    const detail = (await request(app).get(`/models/nd/versions/${job.version}`)).body;
    assert.equal(detail.autotune.metric, 'macroF1');
    assert.equal(detail.autotune.trials, 2);
    assert.equal(detail.autotune.budgetSeconds, 100);
  });

  it('cancelling the job cancels its trials; nothing is published and nothing keeps running', async () => {
    const res = await request(app)
      .post('/train')
      .send({ model: 'stopped', articles, options: { ...fixed, autotune: { trials: 16 } } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await waitFor(
      async () => (await request(app).get(`/jobs/${res.body.jobId}`)).body.status === 'running',
      60_000,
    );
    const del = await request(app).delete(`/jobs/${res.body.jobId}`);
    assert.equal(del.status, 200, JSON.stringify(del.body));
    await waitFor(async () => (await live()) === 0, 60_000, 'every trial gone');
    const job = (await request(app).get(`/jobs/${res.body.jobId}`)).body;
    assert.equal(job.status, 'cancelled');
    assertProblem(await request(app).get('/models/stopped/versions'), 404, 'MODEL_NOT_FOUND');
  });

  it('refuses settings it cannot run, before anything is queued', async () => {
    const before = await s.queue.getJobCounts('completed', 'waiting', 'active', 'waiting-children');
    const cases: [Record<string, unknown>, string, number, string][] = [
      [{ autotune: { trials: 1 } }, '/body/options/autotune/trials', 400, 'INVALID_OPTIONS'],
      [{ autotune: { budgetSeconds: 5 } }, '/body/options/autotune/budgetSeconds', 400, 'INVALID_OPTIONS'],
      [{ autotune: { metric: 'f2' } }, '/body/options/autotune/metric', 400, 'INVALID_OPTIONS'],
      [{ autotune: { metric: 'microF1' } }, 'autotune.metric', 400, 'INVALID_OPTIONS'],
      [{ autotune: {}, validationSplit: 0 }, 'validationSplit', 400, 'INVALID_OPTIONS'],
    ];
    for (const [options, path, status, code] of cases) {
      const res = await request(app).post('/train').send({ model: 'bad', articles, options });
      assertProblem(res, status, code);
      assert.ok(
        JSON.stringify(res.body).includes(path),
        `${JSON.stringify(options)}: ${JSON.stringify(res.body)}`,
      );
    }
    const tiny = await request(app)
      .post('/train')
      .send({ model: 'bad', articles: articles.slice(0, 30), options: { autotune: {} } });
    assertProblem(tiny, 400, 'INVALID_OPTIONS');
    assert.match(tiny.body.detail, /autotune needs at least 10 validation documents/);
    assert.deepEqual(
      await s.queue.getJobCounts('completed', 'waiting', 'active', 'waiting-children'),
      before,
    );
  });
});
