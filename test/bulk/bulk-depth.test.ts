import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createApp } from '../../src/api/index.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import { Metrics } from '../../src/metrics/index.js';
import { ModelRegistry } from '../../src/registry/index.js';
import type { Services } from '../../src/services/index.js';
import { assertSchema } from '../api/schema-check.js';
import { trainedArtefacts } from '../helpers/artefacts.js';
import { testServices } from '../helpers/services.js';
import { syntheticArticles } from '../fixtures/synthetic.js';
import { lines, ndjson, submit, type App } from './helpers.js';

/**
 * `GET /metrics/queue` is what KEDA sizes the worker pool on: a bulk classification job needs a
 * worker as much as a training job does, so both queues count. An API-only process (no worker)
 * on real Redis and BullMQ, so the jobs stay queued.
 */
describe('queue depth counts bulk classification jobs', { timeout: 60_000 }, () => {
  let s: Services;
  let app: App;
  const metrics = new Metrics(undefined, { defaults: false });
  before(async () => {
    s = await testServices({ worker: false, metrics });
    const { artefacts, meta } = await trainedArtefacts([1]);
    await new ModelRegistry(s.redis, s.keys, 10).publish('news', artefacts[0]!, meta);
    const config = parseConfig({ REDIS_PREFIX: s.keys.prefix });
    app = createApp(s.deps, { logger: silentLogger, config, metrics });
  });
  after(() => s.close());

  it('sums the training and classify queues into pending, and reports each queue', async () => {
    const empty = (await request(app).get('/metrics/queue')).body;
    assertSchema(empty, 'QueueDepth');
    assert.equal(empty.pending, 0);

    const bulk = await submit(app, ndjson(lines(5)), '?model=news');
    assert.equal(bulk.status, 202, JSON.stringify(bulk.body));
    for (let i = 0; i < 2; i++) {
      const res = await request(app)
        .post('/train')
        .send({ model: `t${i}`, articles: syntheticArticles(20, 3), options: { epochs: 1 } });
      assert.equal(res.status, 202, JSON.stringify(res.body));
    }

    const res = await request(app).get('/metrics/queue');
    assert.equal(res.status, 200);
    assertSchema(res.body, 'QueueDepth');
    assert.equal(res.body.queues.classify.pending, 1, JSON.stringify(res.body));
    assert.equal(res.body.queues.training.pending, 2, JSON.stringify(res.body));
    assert.equal(res.body.pending, 3, 'workers are needed for all three jobs');
    const { queues, ...sums } = res.body;
    for (const [k, v] of Object.entries(sums)) {
      assert.equal(v, queues.training[k] + queues.classify[k], `${k} is the sum of both queues`);
    }

    const text = (await request(app).get('/metrics')).text;
    const waiting = (queue: string) =>
      text
        .match(
          new RegExp(`^textclf_queue_jobs\\{queue="${queue}",state="(waiting|prioritized)"\\} (\\d+)$`, 'gm'),
        )
        ?.map((l) => Number(l.split(' ')[1]))
        .reduce((a, b) => a + b, 0);
    assert.equal(waiting('classify'), 1, text);
    assert.equal(waiting('training'), 2, text);
  });
});
