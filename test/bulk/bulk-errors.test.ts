import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createApp } from '../../src/api/index.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import type { Services } from '../../src/services/index.js';
import { assertProblem } from '../api/schema-check.js';
import { testServices, waitFor } from '../helpers/services.js';
import {
  bulkKeys,
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
 * Bad input to `POST /classify/jobs` queues nothing and leaves nothing in Redis; results are 409
 * before a job succeeded and 410 once they expired (`BULK_RESULTS_TTL_S=1`).
 */
describe('bulk classification jobs: bad input and expiry', { timeout: 180_000 }, () => {
  let s: Services;
  let app: App;
  before(async () => {
    const env = { TEXTCLF_BACKEND: 'cpu', BULK_CHUNK_LINES: '7', BULK_RESULTS_TTL_S: '1' };
    s = await testServices({ worker: true, env });
    const config = parseConfig({
      REDIS_PREFIX: s.keys.prefix,
      MAX_DOCUMENTS: '60',
      MAX_TEXT_BYTES: '2000',
      ...env,
    });
    app = createApp(s.deps, { logger: silentLogger, config });
    await trainModel(app, 'news');
    // Serving loads the new version under a pin of its own: the checks below start once it is done.
    await waitFor(
      async () => (await pinHolders(s, 'news', 1)).length === 0,
      20_000,
      'the serving pin released',
    );
  });
  after(() => s.close());

  /** POST /classify/jobs?model=news from a real socket, `between` awaited after each part but the last. */
  async function streamed(a: App, parts: string[], between: () => Promise<void>): Promise<request.Response> {
    const server = a.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const req = httpRequest({
        port,
        host: '127.0.0.1',
        method: 'POST',
        path: '/classify/jobs?model=news',
        headers: { 'content-type': 'application/x-ndjson' },
      });
      const answer = new Promise<request.Response>((resolve, reject) => {
        req.on('response', (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => {
            const headers = res.headers as Record<string, string>;
            resolve({ status: res.statusCode, headers, body: JSON.parse(text) } as request.Response);
          });
        });
        req.on('error', reject);
      });
      for (const [i, part] of parts.entries()) {
        req.write(part);
        if (i < parts.length - 1) await between();
      }
      req.end();
      return await answer;
    } finally {
      server.close();
    }
  }

  /** Sends a refused request; asserts its problem, then that nothing was queued or stored, nor pinned. */
  async function refused(
    res: Promise<request.Response> | request.Response,
    status: number,
    code: string,
  ): Promise<Record<string, unknown>> {
    const problem = assertProblem(await res, status, code);
    const counts = await s.bulk.queue.getJobCounts();
    assert.equal(
      Object.values(counts).reduce((a, b) => a + b, 0),
      0,
      `nothing queued: ${JSON.stringify(counts)}`,
    );
    assert.deepEqual(await bulkKeys(s), [], 'no chunks or records left behind');
    assert.deepEqual(await pinHolders(s, 'news', 1), [], 'no pin left');
    return problem;
  }

  it('404 for an unknown model or version, before the body is read', async () => {
    const body = ndjson(lines(20));
    const p = await refused(submit(app, body, '?model=nope'), 404, 'MODEL_NOT_FOUND');
    assert.equal(p.model, 'nope');
    await refused(submit(app, body, '?model=news&version=9'), 404, 'VERSION_NOT_FOUND');
  });

  it('400 naming the line for a broken body, also after chunks were stored; 400 for an empty one', async () => {
    const good = lines(30).map((l) => JSON.stringify(l));
    // Streamed: the first 19 lines arrive first and two chunks of 7 are stored; then line 20 is broken.
    const first = good.slice(0, 19).join('\n') + '\n';
    const rest = ['{"text": "unterminated', ...good.slice(19)].join('\n');
    const stored = async () => {
      const inputs = async () => (await bulkKeys(s)).filter((k) => k.includes(':bulk:in:'));
      await waitFor(async () => (await inputs()).length === 2, 5000, 'two chunks stored while streaming');
    };
    const p = await refused(streamed(app, [first, rest], stored), 400, 'INVALID_JSON');
    assert.equal(p.line, 20);
    assert.match(String(p.detail), /^Line 20: /);
    const noText = [...good.slice(0, 4), '{"id": "x"}'].join('\n');
    assert.equal((await refused(submit(app, noText, '?model=news'), 400, 'INVALID_REQUEST')).line, 5);
    const extra = [...good.slice(0, 9), '{"text": "a", "label": "b"}'].join('\n');
    assert.equal((await refused(submit(app, extra, '?model=news'), 400, 'INVALID_REQUEST')).line, 10);
    const blank = [...good.slice(0, 2), '{"text": "  "}'].join('\n');
    assert.equal((await refused(submit(app, blank, '?model=news'), 400, 'INVALID_REQUEST')).line, 3);
    const big = [...good.slice(0, 8), JSON.stringify({ text: 'x '.repeat(1500) })].join('\n');
    assert.equal((await refused(submit(app, big, '?model=news'), 413, 'PAYLOAD_TOO_LARGE')).line, 9);
    await refused(submit(app, ndjson(lines(61)), '?model=news'), 413, 'PAYLOAD_TOO_LARGE');
    await refused(submit(app, '', '?model=news'), 400, 'INVALID_REQUEST');
    await refused(submit(app, '\n  \n\n', '?model=news'), 400, 'INVALID_REQUEST');
    await refused(
      submit(app, Buffer.from([0x1f, 0x8b, 1, 2, 3]), '?model=news', { 'Content-Encoding': 'gzip' }),
      400,
      'INVALID_REQUEST',
    );
  });

  it('400 for bad options (threshold on a single-label model, topK out of range), 415 for JSON', async () => {
    const body = ndjson(lines(3));
    const p = await refused(submit(app, body, '?model=news&threshold=0.5'), 400, 'INVALID_REQUEST');
    assert.equal((p.errors as { path: string }[])[0]?.path, '/query/threshold');
    await refused(submit(app, body, '?model=news&topK=0'), 400, 'INVALID_REQUEST');
    await refused(submit(app, body, '?model=news&colour=red'), 400, 'INVALID_REQUEST');
    const json = request(app)
      .post('/classify/jobs')
      .send({ texts: ['a'] });
    await refused(json, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('results: 409 before the job succeeded, 200 once it did, 410 once BULK_RESULTS_TTL_S passed', async () => {
    await s.bulk.queue.pause();
    const res = await submit(app, ndjson(lines(10)), '?model=news');
    assert.equal(res.status, 202);
    assertProblem(
      await request(app).get(`/classify/jobs/${res.body.jobId}/results`),
      409,
      'RESULTS_NOT_READY',
    );
    await s.bulk.queue.resume();
    const job = await finished(app, res.body.jobId);
    assert.equal(job.status, 'succeeded');
    assert.equal(Date.parse(String(job.expiresAt)) - Date.parse(String(job.finishedAt)), 1000);
    if (Date.now() < Date.parse(String(job.expiresAt)) - 300)
      assert.equal((await results(app, res.body.jobId)).length, 10);
    await new Promise((r) =>
      setTimeout(r, Math.max(0, Date.parse(String(job.expiresAt)) - Date.now()) + 200),
    );
    const gone = assertProblem(
      await request(app).get(`/classify/jobs/${res.body.jobId}/results`),
      410,
      'RESULTS_EXPIRED',
    );
    assert.equal(gone.jobId, res.body.jobId);
    assert.equal(
      (await request(app).get(`/classify/jobs/${res.body.jobId}`)).body.status,
      'succeeded',
      'the record stays',
    );
    assert.deepEqual(
      (await bulkKeys(s)).filter((k) => k.includes(':out:')),
      [],
      'the result chunks expired in Redis',
    );
  });
});
