import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import request from 'supertest';
import { assertProblem, assertSchema } from './schema-check.js';
import { ARTICLES, makeApp } from './fakes.js';

async function trained(app: Parameters<typeof request>[0], model = 'default'): Promise<string> {
  const res = await request(app).post('/train').send({ model, articles: ARTICLES });
  return res.body.jobId as string;
}

test('GET /jobs lists newest first, filters by model, honours limit', async () => {
  const { app } = makeApp();
  const a = await trained(app, 'a');
  const b = await trained(app, 'b');
  const c = await trained(app, 'a');
  const all = await request(app).get('/jobs');
  assert.equal(all.status, 200);
  assertSchema(all.body, 'JobList');
  assert.deepEqual(
    all.body.jobs.map((j: { jobId: string }) => j.jobId),
    [c, b, a],
  );
  const onlyA = await request(app).get('/jobs?model=a&limit=1');
  assert.deepEqual(
    onlyA.body.jobs.map((j: { jobId: string }) => j.jobId),
    [c],
  );
  assertProblem(await request(app).get('/jobs?limit=0'), 400, 'INVALID_REQUEST');
  assertProblem(await request(app).get('/jobs?model=Bad'), 400, 'INVALID_REQUEST');
});

test('GET /jobs/{id} shows progress and the published version; unknown job is 404', async () => {
  const { app, fakes } = makeApp();
  const id = await trained(app);
  fakes.jobs.update(id, { status: 'running', progress: { epoch: 2, epochs: 5, loss: 0.4, accuracy: 0.8 } });
  let res = await request(app).get(`/jobs/${id}`);
  assertSchema(res.body, 'Job');
  assert.deepEqual(res.body.progress, { epoch: 2, epochs: 5, loss: 0.4, accuracy: 0.8 });
  fakes.jobs.update(id, { status: 'succeeded', version: 1, finishedAt: new Date().toISOString() });
  res = await request(app).get(`/jobs/${id}`);
  assert.equal(res.body.version, 1);
  assert.deepEqual(res.body.history, []);
  // Every epoch reported so far comes back, oldest first, so curves can be drawn after the fact.
  const epochs = [1, 2, 3].map((epoch) => ({ epoch, epochs: 3, loss: 1 / epoch, accuracy: 0.5 }));
  for (const progress of epochs) fakes.jobs.update(id, { progress }, 'progress');
  res = await request(app).get(`/jobs/${id}`);
  assertSchema(res.body, 'Job');
  assert.deepEqual(res.body.history, epochs);
  assertProblem(await request(app).get('/jobs/job-999'), 404, 'JOB_NOT_FOUND');
  assertProblem(await request(app).get('/jobs/bad%20id'), 400, 'INVALID_REQUEST');
});

test('DELETE /jobs/{id} cancels; a finished job is 409 JOB_NOT_CANCELLABLE', async () => {
  const { app } = makeApp();
  const id = await trained(app);
  const res = await request(app).delete(`/jobs/${id}`);
  assert.equal(res.status, 200);
  assert.equal(res.body.status, 'cancelled');
  assertProblem(await request(app).delete(`/jobs/${id}`), 409, 'JOB_NOT_CANCELLABLE');
  assertProblem(await request(app).delete('/jobs/job-404'), 404, 'JOB_NOT_FOUND');
});

/** Opens an SSE stream on a real socket and collects parsed events until the server ends it. */
async function openStream(app: http.RequestListener, path: string) {
  const server = http.createServer(app).listen(0);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const req = http.get({ port, path });
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  // Closing the stream from this side is part of the tests, not a failure.
  req.on('error', () => {});
  res.on('error', () => {});
  const events: { event: string; data: unknown }[] = [];
  let buf = '';
  const waiters: (() => void)[] = [];
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buf += chunk;
    for (let i = buf.indexOf('\n\n'); i !== -1; i = buf.indexOf('\n\n')) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
      waiters.splice(0).forEach((w) => w());
    }
  });
  const ended = new Promise<void>((resolve) => res.on('close', () => resolve()));
  const waitFor = async (n: number) => {
    while (events.length < n) await new Promise<void>((r) => waiters.push(r));
  };
  const close = () => {
    req.destroy();
    server.close();
  };
  return { res, events, waitFor, ended, close };
}

test('SSE: current state first, then changes, then end when terminal; unsubscribed after', async () => {
  const { app, fakes } = makeApp();
  const id = await trained(app);
  fakes.jobs.update(id, { status: 'running', progress: { epoch: 1, epochs: 2 } });
  const s = await openStream(app, `/jobs/${id}/events`);
  assert.equal(s.res.statusCode, 200);
  assert.match(s.res.headers['content-type'] ?? '', /^text\/event-stream/);
  await s.waitFor(1);
  assert.equal(s.events[0]?.event, 'status');
  assert.equal((s.events[0]?.data as { status: string }).status, 'running');
  assert.equal(fakes.jobs.subscribers(id), 1);
  fakes.jobs.update(id, { progress: { epoch: 2, epochs: 2, loss: 0.1 } }, 'progress');
  fakes.jobs.update(id, { status: 'succeeded', version: 1 });
  await s.ended;
  assert.deepEqual(
    s.events.map((e) => e.event),
    ['status', 'progress', 'status', 'end'],
  );
  for (const e of s.events) assertSchema(e.data, 'Job');
  assert.equal((s.events[3]?.data as { version: number }).version, 1);
  assert.equal(fakes.jobs.subscribers(id), 0);
  s.close();
});

test('SSE: a terminal job gets its state and end at once; a client that leaves is unsubscribed', async () => {
  const { app, fakes } = makeApp();
  const done = await trained(app);
  fakes.jobs.update(done, { status: 'failed', error: 'bad data' });
  const s1 = await openStream(app, `/jobs/${done}/events`);
  await s1.ended;
  assert.deepEqual(
    s1.events.map((e) => e.event),
    ['status', 'end'],
  );
  s1.close();

  const live = await trained(app);
  const s2 = await openStream(app, `/jobs/${live}/events`);
  await s2.waitFor(1);
  assert.equal(fakes.jobs.subscribers(live), 1);
  s2.close();
  for (let i = 0; i < 50 && fakes.jobs.subscribers(live) > 0; i++)
    await new Promise((r) => setTimeout(r, 10));
  assert.equal(fakes.jobs.subscribers(live), 0);
});

test('SSE: unknown job is a 404 problem, not a stream', async () => {
  const { app, fakes } = makeApp();
  assertProblem(await request(app).get('/jobs/job-77/events'), 404, 'JOB_NOT_FOUND');
  assert.equal(fakes.jobs.subscribers('job-77'), 0);
});
