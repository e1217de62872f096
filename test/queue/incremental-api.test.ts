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
 * Incremental retraining through the HTTP API on the real pipeline: a version trained on top of
 * another (`baseVersion`) learns the base's data set plus the posted articles, stored as a chunk
 * list, and records its lineage; bad bases and options are refused before anything is stored.
 */
const WEATHER = ['rain', 'storm', 'sunny', 'forecast', 'snow', 'wind', 'cloud', 'thunder'];

function weather(n: number): { text: string; label: string }[] {
  return Array.from({ length: n }, (_, i) => ({
    text: [0, 1, 2, 3, 4].map((k) => WEATHER[(i * 3 + k * 5) % WEATHER.length]).join(' ') + ' today city',
    label: 'weather',
  }));
}

describe('incremental retraining over HTTP', { timeout: 240_000 }, () => {
  let s: Services;
  let app: ReturnType<typeof createApp>;
  const options = { epochs: 15, hiddenUnits: 16, learningRate: 0.02, seed: 3 };

  /** Keys of stored data (blobs), and jobs queued so far: what a refused request must not change. */
  async function stored(): Promise<{ blobs: string[]; metas: number; jobs: number }> {
    const all = await s.redis.keys(`${s.keys.prefix}:dataset:*`);
    const counts = await s.queue.getJobCounts(
      'waiting',
      'active',
      'completed',
      'failed',
      'delayed',
      'prioritized',
    );
    return {
      blobs: all.filter((k) => !k.endsWith(':meta')).sort(),
      metas: all.filter((k) => k.endsWith(':meta')).length,
      jobs: Object.values(counts).reduce((a, b) => a + b, 0),
    };
  }

  async function finished(jobId: string) {
    const job = await waitFor(async () => {
      const j = (await request(app).get(`/jobs/${jobId}`)).body;
      return ['succeeded', 'failed'].includes(j.status) ? j : undefined;
    }, 200_000);
    assert.equal(job.status, 'succeeded', job.error);
    return job as { version: number; datasetHash: string; documents: number };
  }

  before(async () => {
    s = await testServices({ worker: true, env: { TEXTCLF_BACKEND: 'wasm' } });
    app = createApp(s.deps, { logger: silentLogger, config: parseConfig({ REDIS_PREFIX: s.keys.prefix }) });
    const v1 = await request(app)
      .post('/train')
      .send({ model: 'news', articles: syntheticArticles(30, 1), options });
    assert.equal(v1.status, 202, JSON.stringify(v1.body));
    assert.equal((await finished(v1.body.jobId)).version, 1);
  });
  after(() => s.close());

  it('trains v2 on top of v1: a chunk list, lineage in its detail, the new label learnt', async () => {
    const v1 = (await request(app).get('/models/news/versions/1')).body;
    const before = await stored();
    const added = weather(12);
    const res = await request(app).post('/train').send({ model: 'news', baseVersion: 1, articles: added });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assertSchema(res.body, 'TrainAccepted');
    assert.equal(res.body.baseVersion, 1);
    const chunks = res.body.dataset.chunks as string[];
    assert.equal(chunks.length, 2);
    assert.equal(chunks[0], v1.dataset.hash);
    assert.deepEqual(res.body.dataset.labels, ['politics', 'sport', 'tech', 'weather']);
    // The base's chunk is not copied: one new blob (the additions), and the list is a meta record only.
    const afterPost = await stored();
    assert.deepEqual(afterPost.blobs, [...before.blobs, s.keys.dataset(chunks[1]!)].sort());
    assert.equal(await s.redis.exists(s.keys.dataset(res.body.dataset.hash)), 0);
    assert.equal(afterPost.metas, before.metas + 2);

    const job = await finished(res.body.jobId);
    assert.equal(job.version, 2);
    assert.equal(job.documents, 90 + 12);
    const detail = (await request(app).get('/models/news/versions/2')).body;
    assertSchema(detail, 'VersionDetail');
    assert.deepEqual(detail.lineage, { baseVersion: 1, datasetChunks: chunks, documentsAdded: 12 });
    assert.deepEqual(detail.dataset, { hash: res.body.dataset.hash, documents: 102 });
    assert.deepEqual(detail.labels, ['politics', 'sport', 'tech', 'weather']);
    assert.equal(detail.options.hiddenUnits, 16, "the base's options carried over");
    assert.equal(detail.options.learningRate, 0.02);
    assert.ok(v1.vocabularySize < detail.vocabularySize, 'new terms in the vocabulary');
    assert.equal((await request(app).get('/models/news/versions/1')).body.lineage, undefined);
    // The process swaps to v2 once the publish reaches it over pub/sub and v2 has loaded: a job
    // shown as succeeded may be a moment ahead of that (seen once in CI under load).
    await waitFor(() => s.classifier.servedVersion('news') === 2, 20_000, 'v2 served');
    const answer = await request(app)
      .post('/classify')
      .send({ model: 'news', texts: ['storm and rain in the forecast', 'the striker scored a goal'] });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(
      answer.body.results.map((r: { label: string }) => r.label),
      ['weather', 'sport'],
    );

    // NDJSON: baseVersion in the query; the list grows by one chunk.
    const ndjson = weather(4)
      .map((a) => JSON.stringify({ ...a, text: `${a.text} again` }))
      .join('\n');
    const v3 = await request(app)
      .post('/train?model=news&baseVersion=2&epochs=3')
      .set('content-type', 'application/x-ndjson')
      .send(ndjson);
    assert.equal(v3.status, 202, JSON.stringify(v3.body));
    assert.deepEqual(v3.body.dataset.chunks.slice(0, 2), chunks);
    assert.equal((await finished(v3.body.jobId)).version, 3);
    const d3 = (await request(app).get('/models/news/versions/3')).body;
    assert.equal(d3.lineage.baseVersion, 2);
    assert.equal(d3.lineage.datasetChunks.length, 3);
    assert.equal(d3.options.epochs, 3, 'an option given overrides the base');
  });

  it('a baseVersion the model does not have is 404 VERSION_NOT_FOUND; nothing stored or queued', async () => {
    const before = await stored();
    const missing = await request(app)
      .post('/train')
      .send({ model: 'news', baseVersion: 99, articles: weather(4) });
    const p = assertProblem(missing, 404, 'VERSION_NOT_FOUND');
    assert.match(String(p.detail), /no version 99/);
    const noModel = await request(app)
      .post('/train')
      .send({ model: 'nope', baseVersion: 1, articles: weather(4) });
    assertProblem(noModel, 404, 'VERSION_NOT_FOUND');
    const nd = await request(app)
      .post('/train?model=news&baseVersion=42')
      .set('content-type', 'application/x-ndjson')
      .send(JSON.stringify(weather(1)[0]));
    assertProblem(nd, 404, 'VERSION_NOT_FOUND');
    assert.deepEqual(await stored(), before);
  });

  it('options that cannot be carried over are 400 INVALID_OPTIONS naming them; nothing stored or queued', async () => {
    const before = await stored();
    const res = await request(app)
      .post('/train')
      .send({
        model: 'news',
        baseVersion: 1,
        articles: weather(4),
        options: { hiddenUnits: 64, ngramMax: 1, epochs: 2 },
      });
    const p = assertProblem(res, 400, 'INVALID_OPTIONS');
    assert.deepEqual(
      (p.errors as { path: string }[]).map((e) => e.path),
      ['hiddenUnits', 'ngramMax'],
    );
    assert.match(String(p.detail), /hiddenUnits, ngramMax/);
    const multi = await request(app)
      .post('/train')
      .send({
        model: 'news',
        baseVersion: 1,
        articles: [
          { text: 'rain and goal', labels: ['weather', 'sport'] },
          { text: 'storm', labels: ['weather'] },
        ],
      });
    const q = assertProblem(multi, 400, 'INVALID_OPTIONS');
    assert.deepEqual(
      (q.errors as { path: string }[]).map((e) => e.path),
      ['multiLabel'],
    );
    assert.deepEqual(await stored(), before);
  });
});
