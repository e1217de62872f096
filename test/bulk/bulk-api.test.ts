import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createApp } from '../../src/api/index.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import { ModelRegistry } from '../../src/registry/index.js';
import type { Services } from '../../src/services/index.js';
import { assertProblem, assertSchema } from '../api/schema-check.js';
import { testServices, waitFor } from '../helpers/services.js';
import { securedApp } from '../security/helpers.js';
import {
  assertAnswers,
  bulkKeys,
  copyVersion,
  finished,
  lines,
  ndjson,
  pinHolders,
  results,
  submit,
  trainModel,
  type App,
} from './helpers.js';

/**
 * Bulk classification jobs through the HTTP API on the real services (Redis, BullMQ, a worker):
 * chunked input, progress, results in input order as `/classify` answers, gzip, cancellation, the
 * pin on the version, scopes.
 */
const CHUNK = 7;

describe('bulk classification jobs over HTTP', { timeout: 240_000 }, () => {
  let s: Services;
  let app: App;
  // Tests that need it set `onChunk` (awaited after each stored result chunk).
  let onChunk: ((jobId: string, n: number) => Promise<void>) | undefined;
  before(async () => {
    const env = { TEXTCLF_BACKEND: 'cpu', BULK_CHUNK_LINES: String(CHUNK) };
    s = await testServices({ worker: true, env, bulkTuning: { afterChunk: (id, n) => onChunk?.(id, n) } });
    app = createApp(s.deps, {
      logger: silentLogger,
      config: parseConfig({ REDIS_PREFIX: s.keys.prefix, ...env }),
    });
    await trainModel(app, 'news');
  });
  after(() => s.close());

  it('accepts a job (version pinned), reports progress, streams answers in input order with ids, as /classify answers', async () => {
    const input = lines(40);
    // A blank line is skipped (but counted in line numbers).
    const body = ndjson(input.slice(0, 10)) + '\n' + ndjson(input.slice(10));
    const res = await submit(app, body, '?model=news&topK=2');
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assertSchema(res.body, 'BulkJobAccepted');
    assert.deepEqual(
      { ...res.body, jobId: 'x' },
      { jobId: 'x', model: 'news', version: 1, status: 'queued' },
    );
    assert.equal(res.headers.location, `/classify/jobs/${res.body.jobId}`);
    const seen = new Set<number>();
    const job = await waitFor(async () => {
      const j = (await request(app).get(`/classify/jobs/${res.body.jobId}`)).body;
      assertSchema(j, 'BulkJob');
      seen.add(j.progress.processed);
      return j.status === 'succeeded' ? j : undefined;
    }, 60_000);
    assert.deepEqual(job.progress, { processed: 40, total: 40 });
    assert.ok(
      [...seen].every((p) => p % CHUNK === 0 || p === 40),
      `progress by chunks: ${[...seen]}`,
    );
    assert.ok(job.startedAt && job.finishedAt && job.expiresAt);
    const hours = (Date.parse(job.expiresAt) - Date.parse(job.finishedAt)) / 3_600_000;
    assert.equal(Math.round(hours), 24, 'BULK_RESULTS_TTL_S: 24 h by default');
    const got = await results(app, res.body.jobId);
    for (const line of got) assertSchema(line, 'BulkResult');
    await assertAnswers(app, got, input, { model: 'news', topK: 2 });
    // Stored as ceil(40 / 7) result chunks; the texts and the pin are gone once it succeeded.
    const keys = await bulkKeys(s);
    assert.equal(keys.filter((k) => k.includes(`:out:${res.body.jobId}:`)).length, 6);
    assert.equal(keys.filter((k) => k.includes(`:in:${res.body.jobId}:`)).length, 0);
    assert.deepEqual(await pinHolders(s, 'news', 1), []);
  });

  it('takes a gzipped body, a pinned version and minProbability; a multi-label model answers multiLabel/labels', async () => {
    const input = lines(15, 9);
    const res = await submit(app, gzipSync(ndjson(input)), '?model=news&version=1&minProbability=0.9', {
      'Content-Encoding': 'gzip',
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal((await finished(app, res.body.jobId)).status, 'succeeded');
    const got = await results(app, res.body.jobId);
    assert.ok(
      got.some((l) => l.abstained === true),
      'some answers abstain below 0.9',
    );
    await assertAnswers(app, got, input, { model: 'news', version: 1, minProbability: 0.9 });

    const tags = [0, 1, 2, 3, 4, 5, 6, 7].flatMap((i) => [
      { text: `goal striker match ${i}`, labels: ['sport'] },
      { text: `shares bank market ${i}`, labels: ['money'] },
      { text: `goal shares striker bank ${i}`, labels: ['money', 'sport'] },
    ]);
    await trainModel(app, 'tags', { model: 'tags', articles: tags, options: { epochs: 8, seed: 2 } });
    const texts = lines(12, 4).concat([{ id: 'both', text: 'goal striker shares bank' }]);
    const ml = await submit(app, ndjson(texts), '?model=tags&threshold=0.3');
    assert.equal(ml.status, 202, JSON.stringify(ml.body));
    assert.equal((await finished(app, ml.body.jobId)).status, 'succeeded');
    const answers = await results(app, ml.body.jobId);
    assert.ok(answers.every((a) => a.multiLabel === true && Array.isArray(a.labels)));
    await assertAnswers(app, answers, texts, { model: 'tags', threshold: 0.3 });
  });

  it('cancels a queued job and a running one: 200 cancelled, then 409; its chunks and pin are gone', async () => {
    await s.bulk.queue.pause();
    const queued = await submit(app, ndjson(lines(30)), '?model=news');
    assert.equal(queued.status, 202);
    assert.ok((await bulkKeys(s)).some((k) => k.includes(`:in:${queued.body.jobId}:`)));
    assert.deepEqual(await pinHolders(s, 'news', 1), [`bulk:${queued.body.jobId}`]);
    assertProblem(
      await request(app).get(`/classify/jobs/${queued.body.jobId}/results`),
      409,
      'RESULTS_NOT_READY',
    );
    const c1 = await request(app).delete(`/classify/jobs/${queued.body.jobId}`);
    assert.equal(c1.status, 200);
    assertSchema(c1.body, 'BulkJob');
    assert.equal(c1.body.status, 'cancelled');
    await s.bulk.queue.resume();

    // A running job: cancelled after its second chunk is stored; it stores no more.
    let jobId = '';
    onChunk = async (id, n) => {
      if (id === jobId && n === 1)
        assert.equal((await request(app).delete(`/classify/jobs/${id}`)).status, 200);
    };
    const running = await submit(app, ndjson(lines(70)), '?model=news');
    jobId = running.body.jobId;
    const done = await finished(app, jobId);
    onChunk = undefined;
    assert.equal(done.status, 'cancelled');
    assert.deepEqual(done.progress, { processed: 2 * CHUNK, total: 70 }, 'stopped after the chunk it was in');
    for (const id of [queued.body.jobId, jobId]) {
      assertProblem(await request(app).delete(`/classify/jobs/${id}`), 409, 'JOB_NOT_CANCELLABLE');
      assertProblem(await request(app).get(`/classify/jobs/${id}/results`), 409, 'RESULTS_NOT_READY');
      await waitFor(async () => !(await bulkKeys(s)).some((k) => k.includes(`:${id}:`)), 5000, 'chunks gone');
    }
    assert.deepEqual(await pinHolders(s, 'news', 1), []);
    assertProblem(await request(app).delete('/classify/jobs/nope'), 404, 'JOB_NOT_FOUND');
    assertProblem(await request(app).get('/classify/jobs/nope'), 404, 'JOB_NOT_FOUND');
    assertProblem(await request(app).get('/classify/jobs/nope/results'), 404, 'JOB_NOT_FOUND');
  });

  it('pins its version from submit to end: DELETE and retention leave it alone meanwhile', async () => {
    const v2 = await copyVersion(s, s, 'news', 1);
    await s.bulk.queue.pause();
    const res = await submit(app, ndjson(lines(20)), '?model=news&version=1');
    assert.equal(res.body.version, 1);
    assertProblem(await request(app).delete('/models/news/versions/1'), 409, 'VERSION_IN_USE');
    assert.deepEqual(
      await new ModelRegistry(s.redis, s.keys, 1).applyRetention('news'),
      [],
      'retention keeps it',
    );
    await s.bulk.queue.resume();
    assert.equal((await finished(app, res.body.jobId)).status, 'succeeded');
    assert.equal((await request(app).delete('/models/news/versions/1')).status, 204);
    assert.equal(
      (await submit(app, ndjson(lines(3)), '?model=news')).body.version,
      v2,
      'latest when not given',
    );
  });

  it('needs the classify scope with API keys on', async () => {
    const keys = 'train-only-key-000001:train,classify-key-0000002:classify';
    const { app: secured } = securedApp({ deps: s.deps, env: { API_KEYS: keys } });
    const send = (key: string) =>
      request(secured)
        .post('/classify/jobs?model=news')
        .set('Authorization', `Bearer ${key}`)
        .set('Content-Type', 'application/x-ndjson')
        .send(ndjson(lines(2)));
    assertProblem(await send('train-only-key-000001'), 403, 'FORBIDDEN');
    const ok = await send('classify-key-0000002');
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
    const get = await request(secured).get(`/classify/jobs/${ok.body.jobId}`);
    assertProblem(get, 401, 'UNAUTHORIZED');
  });
});
