import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createApp } from '../../src/api/index.js';
import { createSecurity } from '../../src/api/security/index.js';
import { silentLogger } from '../../src/log/index.js';
import type { Services } from '../../src/services/index.js';
import { assertProblem } from '../api/schema-check.js';
import { makeFakes, testConfig } from '../api/fakes.js';
import { testServices } from '../helpers/services.js';
import { API_KEYS, KEYS } from './helpers.js';

/** The queue board (bull-board) at /queues: read-only and open without keys; `train` scope with them. */
describe('the queue board', () => {
  let s: Services;
  before(async () => {
    s = await testServices({ serving: false });
  });
  after(() => s.close(0));

  const app = (env: Record<string, string>) => {
    const config = testConfig({ REDIS_PREFIX: s.keys.prefix, RATE_LIMIT_TRAIN_PER_MINUTE: '0', ...env });
    const security = createSecurity({ config, redis: s.redis, logger: silentLogger });
    const queueBoard = { queue: s.queue, guards: security.boardGuards, keysOn: security.keys > 0 };
    return createApp(makeFakes(), { logger: silentLogger, config, guards: security.guards, queueBoard });
  };

  it('without API keys: the board and its API answer, read-only', async () => {
    const a = app({});
    const page = await request(a).get('/queues');
    assert.equal(page.status, 200);
    assert.match(page.text, /<html/i);
    const queues = await request(a).get('/queues/api/queues');
    assert.equal(queues.status, 200);
    const train = (queues.body.queues as { name: string; readOnlyMode: boolean }[]).find(
      (q) => q.name === 'train',
    );
    assert.equal(train?.readOnlyMode, true);
  });

  it('with API keys: 401 without a key, 403 without the train scope, writable with it (header or cookie)', async () => {
    const a = app({ API_KEYS });
    assertProblem(await request(a).get('/queues'), 401, 'UNAUTHORIZED');
    assertProblem(
      await request(a).get('/queues').set('Authorization', `Bearer ${KEYS.classify}`),
      403,
      'FORBIDDEN',
    );
    const byHeader = await request(a).get('/queues/api/queues').set('Authorization', `Bearer ${KEYS.train}`);
    assert.equal(byHeader.status, 200);
    assert.equal(byHeader.body.queues[0].readOnlyMode, false);
    const byCookie = await request(a)
      .get('/queues')
      .set('Cookie', `textclf_key=${encodeURIComponent(KEYS.both)}`);
    assert.equal(byCookie.status, 200);
    // The cookie opens only the board: the API itself still wants the header.
    const api = await request(a).get('/jobs').set('Cookie', `textclf_key=${KEYS.both}`);
    assertProblem(api, 401, 'UNAUTHORIZED');
  });
});
