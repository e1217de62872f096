/**
 * The dashboard's Server-Sent Events reader (it reads `GET /jobs/{id}/events` through fetch, so the
 * API key goes along): the stream format as the server writes it, cut into chunks anywhere.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readEvents, SseParser, type SseEvent } from '../../web/src/sse.js';

const STREAM =
  'id: 1\nevent: status\ndata: {"status":"running"}\n\n' +
  ': keep-alive\n\n' +
  'id: 2\r\nevent: progress\r\ndata: {"epoch":1}\r\n\r\n' +
  'event: end\rdata: {"status":"succeeded"}\r\r';

const EXPECTED: SseEvent[] = [
  { event: 'status', data: '{"status":"running"}', id: '1' },
  { event: 'progress', data: '{"epoch":1}', id: '2' },
  { event: 'end', data: '{"status":"succeeded"}', id: '2' },
];

describe('SSE parser', () => {
  it('reads LF, CRLF and CR line ends, skips comments, keeps the last id', () => {
    assert.deepEqual(new SseParser().push(STREAM), EXPECTED);
  });

  it('gives the same events whatever the chunk boundaries (including inside a CRLF)', () => {
    for (let size = 1; size <= 7; size++) {
      const p = new SseParser();
      const out: SseEvent[] = [];
      for (let i = 0; i < STREAM.length; i += size) out.push(...p.push(STREAM.slice(i, i + size)));
      assert.deepEqual(out, EXPECTED, `chunks of ${size}`);
    }
  });

  it('joins data lines, defaults the event to "message", drops events without data', () => {
    const events = new SseParser().push('data: a\ndata:b\n\nevent: x\n\nretry: 5\ndata\n\n');
    assert.deepEqual(events, [
      { event: 'message', data: 'a\nb', id: undefined },
      { event: 'message', data: '', id: undefined },
    ]);
  });

  it('readEvents decodes UTF-8 split across chunks and drops an unfinished last event', async () => {
    const bytes = new TextEncoder().encode('event: status\ndata: {"label":"café ✓"}\n\ndata: cut');
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 3) c.enqueue(bytes.slice(i, i + 3));
        c.close();
      },
    });
    const events: SseEvent[] = [];
    for await (const e of readEvents(body)) events.push(e);
    assert.deepEqual(events, [{ event: 'status', data: '{"label":"café ✓"}', id: undefined }]);
  });
});
