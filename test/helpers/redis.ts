/**
 * One private `redis-server` per test process (no persistence), or `TEST_REDIS_URL` when set.
 * Each test takes its own random key prefix, so tests never see each other's keys.
 */
import { randomBytes } from 'node:crypto';
import { spawnRedisServer, type RedisServerHandle } from '../../src/redis/index.js';

let server: Promise<RedisServerHandle> | undefined;
let pid: number | undefined;

/** URL of the test Redis; starts it on first use and stops it when the test file ends. */
export async function testRedisUrl(): Promise<string> {
  const fromEnv = process.env.TEST_REDIS_URL;
  if (fromEnv) return fromEnv;
  if (!server) {
    server = spawnRedisServer(process.env.REDIS_SERVER_BIN ?? 'redis-server', [
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
    // The child does not hold the event loop open; it is killed when this test process exits
    // (an `after` hook could run before other files' hooks that still use the connection).
    const stop = () => {
      try {
        if (pid) process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    process.once('exit', stop);
    // A test process ended by a signal (runner timeout, Ctrl-C) emits no 'exit': stop Redis, then
    // let the signal do what it would have done.
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      process.once(sig, () => {
        stop();
        process.kill(process.pid, sig);
      });
    }
  }
  const s = await server;
  pid = s.pid;
  return s.url;
}

/** A fresh key prefix for one test. */
export function uniquePrefix(name = 't'): string {
  return `test-${name}-${randomBytes(4).toString('hex')}`;
}
