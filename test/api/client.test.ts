import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createTextclfClient, TextclfError, type TextclfClient } from '../../src/client/index.js';
import { ARTICLES, makeApp, type Fakes } from './fakes.js';

let server: http.Server;
let fakes: Fakes;
let client: TextclfClient;

before(async () => {
  const made = makeApp();
  fakes = made.fakes;
  server = http.createServer(made.app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  client = createTextclfClient({ baseUrl: `http://127.0.0.1:${port}/`, apiKey: 'k1' });
});
after(() => server.close());

test('client: train, wait, classify, batch, models — against a live server', async () => {
  const queued = await client.train(ARTICLES, { model: 'news', options: { epochs: 2 } });
  assert.equal(queued.status, 'queued');
  // Play the worker: finish the job shortly after, publishing version 1.
  setTimeout(() => {
    fakes.registry.publish('news', ['sport', 'business']);
    fakes.jobs.update(queued.jobId, { status: 'succeeded', version: 1 });
  }, 30);
  const job = await client.waitForJob(queued.jobId, { intervalMs: 10, timeoutMs: 5000 });
  assert.equal(job.status, 'succeeded');
  assert.equal(job.version, 1);

  const one = await client.classify('business as usual', { model: 'news' });
  assert.equal(one.label, 'business');
  assert.equal(one.version, 1);
  const many = await client.classifyBatch(['sport today', 'business today'], { model: 'news', topK: 1 });
  assert.deepEqual(
    many.results.map((r) => r.label),
    ['sport', 'business'],
  );
  assert.equal(many.results[0]?.scores.length, 1);

  assert.deepEqual(
    (await client.listModels()).map((m) => m.model),
    ['news'],
  );
  assert.equal((await client.listVersions('news'))[0]?.version, 1);
  assert.equal((await client.getVersion('news', 1)).vocabularySize, 42);
  assert.equal((await client.listJobs({ model: 'news' }))[0]?.jobId, queued.jobId);
  assert.equal((await client.ready()).status, 'ready');
});

test('client: NDJSON training sends the query options', async () => {
  const queued = await client.trainNdjson(ARTICLES, { model: 'stream', epochs: 3 });
  assert.equal(queued.model, 'stream');
  assert.deepEqual(fakes.jobs.submitted.at(-1)?.options, { epochs: 3 });
});

test('client: errors become TextclfError with the problem code', async () => {
  await assert.rejects(client.classify('x', { model: 'nothing' }), (e: unknown) => {
    assert.ok(e instanceof TextclfError);
    assert.equal(e.status, 404);
    assert.equal(e.code, 'MODEL_NOT_FOUND');
    return true;
  });
  await assert.rejects(client.train([{ text: 'a', label: 'b' }], { model: 'Bad Name' }), {
    code: 'INVALID_REQUEST',
    status: 400,
  });
  await assert.rejects(client.getJob('missing'), { code: 'JOB_NOT_FOUND' });
  fakes.health.redis = false;
  assert.equal((await client.ready()).status, 'not_ready');
  fakes.health.redis = true;
});

test('client: sends the API key as a bearer token', async () => {
  let seen: string | null = null;
  const spy = createTextclfClient({
    baseUrl: 'http://unused.invalid',
    apiKey: 'secret-key',
    fetch: async (input: Parameters<typeof fetch>[0]) => {
      seen = (input as Request).headers.get('authorization');
      return new Response(JSON.stringify({ models: [] }), {
        headers: { 'content-type': 'application/json' },
      });
    },
  });
  assert.deepEqual(await spy.listModels(), []);
  assert.equal(seen, 'Bearer secret-key');
});
