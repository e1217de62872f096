import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { freePort, makeKeys, spawnRedisServer, type RedisServerHandle } from '../../src/redis/index.js';
import type { VersionMeta } from '../../src/registry/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';
import { publishArtefact, trainedArtefacts } from '../helpers/artefacts.js';
import { startMain } from '../helpers/main-process.js';
import { uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/services.js';

/**
 * `src/main.ts` with ROLE=api as a process of its own, on a private redis-server (AOF) that the
 * tests stop and restart: readiness, serving from memory while Redis is away, reconnecting, and a
 * draining shutdown on SIGTERM.
 */
let artefacts: Uint8Array[] = [];
let meta: VersionMeta;

before(async () => {
  ({ artefacts, meta } = await trainedArtefacts([3, 4]));
});
after(() => {
  artefacts = [];
});

interface World {
  redis: RedisServerHandle;
  args: string[];
  dir: string;
  api: ChildProcess;
  base: string;
  prefix: string;
  log: () => string;
}

async function startWorld(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'textclf-api-process-'));
  const args = ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''];
  const redis = await spawnRedisServer('redis-server', args);
  const port = await freePort();
  const prefix = uniquePrefix('apiproc');
  const { child: api, log } = startMain({
    ROLE: 'api',
    PORT: String(port),
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    SHUTDOWN_GRACE_MS: '10000',
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      assert.equal(api.exitCode, null, `API exited:\n${log()}`);
      return (await status(`${base}/readyz`)) === 200;
    },
    60_000,
    'API ready',
  );
  return { redis, args, dir, api, base, prefix, log };
}

async function stopWorld(w: World): Promise<void> {
  if (w.api.exitCode === null && w.api.signalCode === null) w.api.kill('SIGKILL');
  await w.redis.stop();
  rmSync(w.dir, { recursive: true, force: true });
}

function status(url: string, init?: RequestInit): Promise<number> {
  return fetch(url, init).then(
    async (r) => (await r.arrayBuffer(), r.status),
    () => 0,
  );
}

async function classify(base: string): Promise<{ status: number; version?: number }> {
  const r = await fetch(`${base}/classify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', text: 'football goal match striker' }),
  });
  const body = (await r.json()) as { version?: number };
  return { status: r.status, ...(body.version !== undefined ? { version: body.version } : {}) };
}

function publish(w: World, i: number): Promise<void> {
  return publishArtefact(w.redis.url, w.prefix, artefacts[i]!, meta);
}

describe('the API process (ROLE=api)', () => {
  it('is not ready while Redis is away, keeps classifying from memory, and reconnects by itself', async () => {
    const w = await startWorld();
    try {
      await publish(w, 0);
      await waitFor(async () => (await classify(w.base)).version === 1, 20_000, 'version 1 served');
      await w.redis.stop();
      await waitFor(async () => (await status(`${w.base}/readyz`)) === 503, 10_000, '/readyz 503');
      for (let i = 0; i < 20; i++) assert.deepEqual(await classify(w.base), { status: 200, version: 1 });
      assert.equal(await status(`${w.base}/healthz`), 200, 'alive, only not ready');
      // Anything that needs Redis fails with a 5xx problem, not a crash or a hang.
      const models = await status(`${w.base}/models`);
      assert.ok(models >= 500 && models < 600, `GET /models answered ${models}`);
      assert.equal(await status(`${w.base}/readyz`), 503);

      w.redis = await spawnRedisServer('redis-server', w.args, undefined, w.redis.port);
      await waitFor(async () => (await status(`${w.base}/readyz`)) === 200, 20_000, '/readyz 200 again');
      assert.equal(await status(`${w.base}/models`), 200);
      // Its subscription came back too: a version published now is swapped in.
      await publish(w, 1);
      await waitFor(async () => (await classify(w.base)).version === 2, 20_000, 'version 2 served');
      assert.equal(w.api.exitCode, null);
    } finally {
      await stopWorld(w);
    }
  });

  it('SIGTERM: refuses new connections, lets an in-flight request finish, exits 0', async () => {
    const w = await startWorld();
    try {
      const lines = syntheticArticles(20, 7).map((a) => JSON.stringify(a) + '\n');
      const exited = new Promise<number | null>((res) => w.api.once('exit', (code) => res(code)));
      const url = new URL(`${w.base}/train?model=drain&epochs=1`);
      const reply = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          url,
          { method: 'POST', headers: { 'content-type': 'application/x-ndjson' } },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        // An upload that is still arriving when the signal comes.
        req.write(lines.slice(0, 10).join(''));
        setTimeout(() => {
          w.api.kill('SIGTERM');
          setTimeout(() => {
            void (async () => {
              const refused = await status(`${w.base}/healthz`);
              assert.equal(refused, 0, 'a new connection after SIGTERM is refused');
              assert.equal(w.api.exitCode, null, 'still running while a request is in flight');
              req.end(lines.slice(10).join(''));
            })().catch(reject);
          }, 700);
        }, 300);
      });
      const r = await reply;
      assert.equal(r.status, 202, r.body);
      const { jobId } = JSON.parse(r.body) as { jobId: string };
      const code = await Promise.race([
        exited,
        new Promise((res) => setTimeout(() => res('timeout'), 20_000)),
      ]);
      assert.equal(code, 0, `exit code; log:\n${w.log()}`);
      // The request's work was done, not dropped: its job is on record.
      const redis = new Redis(w.redis.url);
      assert.equal(await redis.hget(makeKeys(w.prefix).job(jobId), 'status'), 'queued');
      await redis.quit();
    } finally {
      await stopWorld(w);
    }
  });
});
