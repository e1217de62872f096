import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { silentLogger } from '../../src/log/index.js';
import { RedisUnavailableError, startPrivateRedis } from '../../src/redis/index.js';

describe('private redis-server', () => {
  it('starts with AOF, noeviction and loopback bind under DATA_DIR/redis, and stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'textclf-redis-'));
    try {
      const server = await startPrivateRedis(dir, silentLogger);
      const r = new Redis(server.url);
      try {
        assert.deepEqual(await r.config('GET', 'appendonly'), ['appendonly', 'yes']);
        assert.deepEqual(await r.config('GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
        assert.deepEqual(await r.config('GET', 'bind'), ['bind', '127.0.0.1']);
        assert.deepEqual(await r.config('GET', 'dir'), ['dir', join(dir, 'redis')]);
        await r.set('k', 'v');
      } finally {
        r.disconnect();
      }
      await server.stop();
      assert.ok(existsSync(join(dir, 'redis', 'appendonlydir')));
      // Data survives a restart on the same directory.
      const again = await startPrivateRedis(dir, silentLogger);
      const r2 = new Redis(again.url);
      assert.equal(await r2.get('k'), 'v');
      r2.disconnect();
      await again.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('explains the fix in one line when redis-server is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'textclf-redis-'));
    try {
      await assert.rejects(startPrivateRedis(dir, silentLogger, '/nonexistent/redis-server'), (e) => {
        return (
          e instanceof RedisUnavailableError &&
          /apt-get install redis-server/.test(e.message) &&
          /REDIS_URL/.test(e.message)
        );
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('main exits 2 with one line on a config error or when no Redis can be had', () => {
    const { REDIS_URL: _drop, ...inherited } = process.env;
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        env: { ...inherited, LOG_LEVEL: 'silent', ...env },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const bad = run({ PORT: 'abc' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^textclf: invalid configuration: PORT/);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    const dir = mkdtempSync(join(tmpdir(), 'textclf-main-'));
    try {
      const noRedis = run({
        TEXTCLF_BACKEND: 'cpu',
        DATA_DIR: dir,
        REDIS_SERVER_BIN: '/nonexistent/redis-server',
      });
      assert.equal(noRedis.status, 2, noRedis.stderr);
      assert.match(noRedis.stderr, /apt-get install redis-server/);
      assert.equal(noRedis.stderr.trim().split('\n').length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
