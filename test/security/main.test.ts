import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { freePort } from '../../src/redis/index.js';
import { startMain } from '../helpers/main-process.js';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.js';

/** `src/main.ts` as users start it: security comes from the environment. */
const KEY = 'main-test-key-0000000001';

test('main: a malformed API_KEYS or CORS_ORIGINS stops the process with one line that does not echo the key', async () => {
  const redisUrl = await testRedisUrl();
  for (const [env, expect] of [
    [{ API_KEYS: 'secret-but-bad-scope-000:admin' }, /API key entry 1: unknown scope "admin"/],
    [{ CORS_ORIGINS: 'not-an-origin' }, /CORS_ORIGINS/],
  ] as const) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        ROLE: 'api',
        PORT: '0',
        REDIS_URL: redisUrl,
        REDIS_PREFIX: uniquePrefix('main'),
        TEXTCLF_BACKEND: 'cpu',
        LOG_LEVEL: 'silent',
        ...env,
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, expect);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!r.stderr.includes('secret-but-bad-scope'), 'the key is not echoed');
  }
});

test('main: with API_KEYS the API answers 401 without a key, 200 with it; probes stay open; the key is never logged', async () => {
  const port = await freePort();
  const { child, log } = startMain({
    ROLE: 'api',
    PORT: String(port),
    REDIS_URL: await testRedisUrl(),
    REDIS_PREFIX: uniquePrefix('main'),
    LOG_LEVEL: 'info',
    API_KEYS: `${KEY}:train`,
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 60_000;
    while (
      !(await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `main did not start:\n${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const models = await fetch(`${base}/models`);
    assert.equal(models.status, 401);
    assert.equal(models.headers.get('www-authenticate'), 'Bearer');
    assert.equal(
      (await fetch(`${base}/models`, { headers: { authorization: `Bearer ${KEY}` } })).status,
      200,
    );
    const classify = await fetch(`${base}/classify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: '{"text":"x"}',
    });
    assert.equal(classify.status, 403, 'the key has only the train scope');
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    assert.match(log(), /"apiKeys":"on"/);
    assert.doesNotMatch(log(), /no API keys configured/);
    assert.ok(!log().includes(KEY), 'key not in the log');
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});
