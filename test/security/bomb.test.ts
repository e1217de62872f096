import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { securedApp } from './helpers.js';

test('a gzip bomb (~200 KB that decodes to 200 MB) is 413 for JSON and NDJSON, without buffering it', async () => {
  const { app, fakes } = securedApp({ env: { MAX_BODY_BYTES: '1000000' } });
  const server = createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const bomb = gzipSync(Buffer.alloc(200_000_000, 0x20), { level: 9 });
    assert.ok(bomb.length < 300_000);
    const rss0 = process.memoryUsage().rss;
    for (const [path, type] of [
      ['/classify', 'application/json'],
      ['/train', 'application/json'],
      ['/train', 'application/x-ndjson'],
    ] as const) {
      const res = await fetch(base + path, {
        method: 'POST',
        headers: { 'content-type': type, 'content-encoding': 'gzip' },
        body: bomb,
      });
      const body = (await res.json()) as { code: string };
      assert.equal(res.status, 413, `${path} ${type}: ${JSON.stringify(body)}`);
      assert.equal(body.code, 'PAYLOAD_TOO_LARGE');
    }
    const grownMb = (process.memoryUsage().rss - rss0) / 1e6;
    assert.ok(grownMb < 100, `RSS grew ${grownMb.toFixed(0)} MB: the decoded body was buffered`);
    assert.equal(fakes.datasets.stored.size, 0);
    // A small gzip body is still fine.
    fakes.registry.publish('default', ['a', 'b']);
    const ok = await fetch(`${base}/classify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ text: 'hello' })),
    });
    assert.equal(ok.status, 200);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
