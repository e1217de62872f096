import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import { spawnRedisServer, type RedisServerHandle } from '../../src/redis/index.js';
import { createServices } from '../../src/services/index.js';
import { waitFor } from '../helpers/services.js';

const fakeThread = { entry: new URL('./fixtures/fake-train-thread.ts', import.meta.url) };
const articles = [
  { text: 'red apple', label: 'fruit' },
  { text: 'green pear', label: 'fruit' },
  { text: 'fast car', label: 'vehicle' },
  { text: 'slow bus', label: 'vehicle' },
];

it('a Redis restart (AOF) while training loses nothing and the job completes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'textclf-restart-'));
  const args = ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''];
  let server: RedisServerHandle = await spawnRedisServer('redis-server', args);
  const config = parseConfig({ REDIS_PREFIX: 'restart', TEXTCLF_BACKEND: 'cpu', REGISTRY_POLL_MS: '0' });
  const s = createServices({
    config,
    redisUrl: server.url,
    logger: silentLogger,
    worker: true,
    thread: fakeThread,
  });
  try {
    await s.start();
    const ds = await s.datasets.put(articles);
    const job = await s.jobs.submit('m', ds, { epochs: 10, seed: 3 }); // 200 ms per epoch
    await waitFor(async () => ((await s.jobs.get(job.jobId)).progress?.epoch ?? 0) >= 2, 10_000, 'epoch 2');
    await server.stop();
    await new Promise((r) => setTimeout(r, 500));
    server = await spawnRedisServer('redis-server', args, undefined, server.port);
    const done = await waitFor(
      async () => {
        const j = await s.jobs.get(job.jobId).catch(() => undefined);
        return j && ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
      },
      30_000,
      'job to finish',
    );
    assert.equal(done.status, 'succeeded', done.error);
    assert.equal(done.version, 1);
    assert.equal((await s.datasets.getRef(ds.hash))?.documents, 4);
    assert.deepEqual(
      (await s.registry.listVersions('m')).map((v) => v.version),
      [1],
    );
    assert.equal(await s.deps.health.redisReady(), true);
  } finally {
    await s.close(1000);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
