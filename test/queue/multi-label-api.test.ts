import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createApp } from '../../src/api/index.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import type { Services } from '../../src/services/index.js';
import { assertProblem, assertSchema } from '../api/schema-check.js';
import { testServices, waitFor } from '../helpers/services.js';

/**
 * A multi-label model through the HTTP API on the real pipeline: `labels` arrays in, one sigmoid
 * per label trained by a worker, per-label thresholds, `multiLabel` answers.
 */
const TOPICS: Record<string, string[]> = {
  sport: ['goal', 'match', 'striker', 'league', 'coach', 'referee'],
  money: ['shares', 'profit', 'bank', 'market', 'investor', 'bond'],
  weather: ['rain', 'storm', 'sunny', 'forecast', 'snow', 'wind'],
};
const FILLER = ['today', 'people', 'said', 'really', 'there', 'news', 'city', 'week'];

function articles(n: number, seed: number): { text: string; labels: string[] }[] {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = (xs: string[]) => xs[Math.floor(next() * xs.length)]!;
  const names = Object.keys(TOPICS);
  const out: { text: string; labels: string[] }[] = [];
  for (let i = 0; i < n; i++) {
    // One topic, two, or none (filler only).
    const labels = i % 5 === 4 ? [] : i % 3 === 0 ? [names[i % 3]!, names[(i + 1) % 3]!] : [names[i % 3]!];
    const words: string[] = [];
    for (const l of labels) for (let k = 0; k < 3; k++) words.push(pick(TOPICS[l]!));
    for (let k = 0; k < 4; k++) words.push(pick(FILLER));
    out.push({ text: words.join(' '), labels: labels.sort() });
  }
  return out;
}

describe('a multi-label model over HTTP', { timeout: 180_000 }, () => {
  let s: Services;
  let app: ReturnType<typeof createApp>;
  before(async () => {
    s = await testServices({ worker: true, env: { TEXTCLF_BACKEND: 'wasm' } });
    const config = parseConfig({ REDIS_PREFIX: s.keys.prefix, EXPLAIN_MAX_TEXTS: '2' });
    app = createApp(s.deps, { logger: silentLogger, config });
  });
  after(() => s.close());

  it('trains from `labels`, answers labels above their thresholds, honours `threshold`, reports multi-label metrics', async () => {
    const res = await request(app)
      .post('/train')
      .send({
        model: 'tags',
        articles: articles(240, 3),
        options: { epochs: 12, seed: 5, learningRate: 0.02 },
      });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.dataset.multiLabel, true);
    assert.deepEqual(res.body.dataset.labels, ['money', 'sport', 'weather']);
    const job = await waitFor(async () => {
      const j = (await request(app).get(`/jobs/${res.body.jobId}`)).body;
      return ['succeeded', 'failed'].includes(j.status) ? j : undefined;
    }, 150_000);
    assert.equal(job.status, 'succeeded', job.error);

    const both = await request(app)
      .post('/classify')
      .send({ model: 'tags', text: 'goal striker shares bank today' });
    assert.equal(both.status, 200);
    assertSchema(both.body, 'ClassifyResponse');
    assert.equal(both.body.multiLabel, true);
    assert.deepEqual(both.body.labels.map((l: { label: string }) => l.label).sort(), ['money', 'sport']);
    assert.equal(both.body.scores.length, 3, 'every label scored by default');
    const none = await request(app)
      .post('/classify')
      .send({ model: 'tags', text: 'people said city news week' });
    assert.deepEqual(none.body.labels, [], 'filler text carries none of the labels');
    // Probabilities of a multi-label model need not sum to 1: each label is its own decision.
    const all = await request(app)
      .post('/classify')
      .send({ model: 'tags', text: 'goal striker', threshold: 0 });
    assert.equal(all.body.labels.length, 3, 'threshold 0 returns every label');
    const strict = await request(app)
      .post('/classify')
      .send({ model: 'tags', texts: ['goal striker'], threshold: 1 });
    assertSchema(strict.body, 'ClassifyBatchResponse');
    assert.deepEqual(strict.body.results[0].labels, []);

    // Explanations (computed in the inference thread): one per returned label, spans into the text as sent.
    const text = 'GOAL！ Striker… shares, BANK today';
    const ex = await request(app).post('/classify').send({ model: 'tags', text, explain: 3 });
    assertSchema(ex.body, 'ClassifyResponse');
    assert.deepEqual(
      ex.body.explanation.map((e: { label: string }) => e.label),
      ex.body.labels.map((l: { label: string }) => l.label),
    );
    for (const e of ex.body.explanation as {
      label: string;
      terms: { term: string; weight: number; spans: number[][] }[];
    }[]) {
      const positive = e.terms.filter((t) => t.weight > 0);
      assert.ok(positive.length >= 1 && positive.length <= 3, JSON.stringify(e));
      const words = positive.flatMap((t) => t.spans.map(([a, b]) => text.slice(a, b).toLowerCase()));
      const expected = e.label === 'sport' ? /goal|striker/ : /shares|bank/;
      assert.ok(
        words.some((w) => expected.test(w)),
        `${e.label}: ${JSON.stringify(words)}`,
      );
    }
    const detail = await request(app).get('/models/tags/versions/1');
    assertSchema(detail.body, 'VersionDetail');
    assert.equal(detail.body.multiLabel, true);
    const ev = detail.body.evaluation;
    assert.equal(ev.multiLabel, true);
    for (const k of ['microF1', 'macroF1', 'subsetAccuracy', 'hammingLoss'])
      assert.equal(typeof ev[k], 'number', k);
    assert.ok(ev.microF1 > 0.8, `micro-F1 ${ev.microF1}`);
    assert.deepEqual(
      ev.perLabel.map((m: { label: string }) => m.label),
      ['money', 'sport', 'weather'],
    );
    for (const m of ev.perLabel) assert.ok(m.threshold >= 0.05 && m.threshold <= 0.95);
    assert.equal(ev.calibration.method, 'platt');
  });

  it('refuses `threshold` on a single-label model, and bad `labels`, naming the field; nothing queued', async () => {
    const single = [0, 1, 2, 3, 4, 5].map((i) => ({ text: `word${i % 2} thing`, label: i % 2 ? 'a' : 'b' }));
    const r = await request(app)
      .post('/train')
      .send({ model: 'one', articles: single, options: { epochs: 2 } });
    assert.equal(r.status, 202);
    await waitFor(
      async () => (await request(app).get(`/jobs/${r.body.jobId}`)).body.status === 'succeeded',
      60_000,
    );
    const p = assertProblem(
      await request(app).post('/classify').send({ model: 'one', text: 'word1', threshold: 0.3 }),
      400,
      'INVALID_REQUEST',
    );
    assert.equal((p.errors as { path: string }[])[0]!.path, '/body/threshold');
    const one = await request(app)
      .post('/classify')
      .send({ model: 'one', text: 'word1 thing', explain: true });
    assert.equal(one.body.explanation.length, 1);
    assert.equal(one.body.explanation[0].label, one.body.label);
    const capped = assertProblem(
      await request(app)
        .post('/classify')
        .send({ model: 'one', texts: ['a', 'b', 'c'], explain: true }),
      400,
      'INVALID_REQUEST',
    );
    assert.equal((capped.errors as { path: string }[])[0]!.path, '/body/explain');
    const two = await request(app)
      .post('/classify')
      .send({ model: 'one', texts: ['word0', 'word1'], explain: 1 });
    assert.equal(two.body.results.length, 2);
    for (const r of two.body.results) assert.ok(r.explanation[0].terms.length <= 2);
    for (const explain of [0, 51, 'yes', 2.5]) {
      const res = await request(app).post('/classify').send({ model: 'one', text: 'x', explain });
      assertProblem(res, 400, 'INVALID_REQUEST');
    }
    const before = (await request(app).get('/jobs')).body.jobs.length;
    const bad: [unknown, string, RegExp][] = [
      [{ text: 'x', label: 'a', labels: ['a'] }, '/body/articles/1', /only one of: label, labels/],
      [{ text: 'x', labels: ['a', 'a'] }, '/body/articles/1/labels', /duplicate/],
      [{ text: 'x', labels: ['a', ''] }, '/body/articles/1/labels/1', /fewer than 1/],
      [{ text: 'x', labels: 'a' }, '/body/articles/1/labels', /array/],
      [{ text: 'x' }, '/body/articles/1/label', /required/],
    ];
    for (const [article, path, message] of bad) {
      const body = { model: 'm', articles: [{ text: 'y', labels: ['a'] }, article] };
      const res = assertProblem(await request(app).post('/train').send(body), 400, 'INVALID_REQUEST');
      const hit = (res.errors as { path: string; message: string }[]).find((e) => e.path === path);
      assert.ok(hit, `${JSON.stringify(article)}: ${JSON.stringify(res.errors)}`);
      assert.match(hit.message, message);
    }
    for (const threshold of [-0.1, 1.5, 'high']) {
      const res = assertProblem(
        await request(app).post('/classify').send({ model: 'one', text: 'x', threshold }),
        400,
        'INVALID_REQUEST',
      );
      assert.equal((res.errors as { path: string }[])[0]!.path, '/body/threshold');
    }
    assert.equal((await request(app).get('/jobs')).body.jobs.length, before, 'nothing queued');
  });
});
