import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTextclfClient, readSse, TextclfError, type Job } from '../../src/client/index.js';

/** The client's event-stream reader and `watchJob`, on canned streams (no server). */
const bytes = (chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const s of chunks) c.enqueue(new TextEncoder().encode(s));
      c.close();
    },
  });

const job = (status: Job['status'], epoch?: number): Job => ({
  jobId: 'j1',
  model: 'm',
  status,
  progress: epoch === undefined ? null : { phase: 'select', epoch, epochs: 3 },
  datasetHash: 'h',
  documents: 4,
  attempts: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...(status === 'succeeded' ? { version: 7 } : {}),
});

test('readSse: CRLF/CR/LF endings, comments, multi-line data, fields split across chunks, a last message without a blank line', async () => {
  const stream = bytes([
    ': keep-alive\r\n\r\nid: 1\r\nevent: status\r\ndata: {"a":',
    '1}\r\n\r',
    '\nevent: progress\ndata: line one\ndata:line two\n\n',
    'event: skipped-no-data\n\n',
    'data: x\rdata: y\r\r',
    'event: end\ndata: last',
  ]);
  const got = [];
  for await (const m of readSse(stream)) got.push(m);
  assert.deepEqual(got, [
    { event: 'status', data: '{"a":1}', id: '1' },
    { event: 'progress', data: 'line one\nline two', id: '1' },
    { event: 'message', data: 'x\ny', id: '1' },
    { event: 'end', data: 'last', id: '1' },
  ]);
});

test('watchJob follows the events to the end, reopening a stream that drops; server refusals are TextclfErrors', async () => {
  const sse = (...jobs: [string, Job][]) =>
    jobs.map(([e, j]) => `event: ${e}\ndata: ${JSON.stringify(j)}\n\n`);
  const streams = [
    sse(['status', job('running', 1)], ['progress', job('running', 2)]), // drops before the end
    sse(['status', job('running', 2)], ['progress', job('running', 3)], ['status', job('succeeded', 3)]),
  ];
  const calls: string[] = [];
  const fetch = async (input: string | URL | Request) => {
    const url = String(input instanceof Request ? input.url : input);
    calls.push(new URL(url).pathname);
    if (url.endsWith('/events')) {
      const next = streams.shift();
      if (!next)
        return new Response('{"code":"JOB_NOT_FOUND","title":"x","status":404,"type":"about:blank"}', {
          status: 404,
          headers: { 'content-type': 'application/problem+json' },
        });
      return new Response(bytes(next), { headers: { 'content-type': 'text/event-stream' } });
    }
    return Response.json(job('running', 2));
  };
  const tc = createTextclfClient({ baseUrl: 'http://textclf.test', fetch: fetch as typeof globalThis.fetch });
  const seen: string[] = [];
  const done = await tc.watchJob('j1', {
    onEvent: (e) => seen.push(`${e.event}:${e.job.progress?.epoch ?? '-'}`),
  });
  assert.equal(done.status, 'succeeded');
  assert.equal(done.version, 7);
  assert.deepEqual(seen, ['status:1', 'progress:2', 'status:2', 'progress:3', 'status:3']);
  assert.deepEqual(calls, ['/jobs/j1/events', '/jobs/j1', '/jobs/j1/events']);
  const err = await tc.watchJob('j1').catch((e: unknown) => e);
  assert.ok(err instanceof TextclfError);
  assert.equal(err.code, 'JOB_NOT_FOUND');
});
