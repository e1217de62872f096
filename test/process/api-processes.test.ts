import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort, spawnRedisServer, type RedisServerHandle } from '../../src/redis/index.js';
import type { VersionMeta } from '../../src/registry/index.js';
import { publishArtefact, trainedArtefacts } from '../helpers/artefacts.js';
import { startMain } from '../helpers/main-process.js';
import { uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/services.js';

/**
 * `API_PROCESSES=2`: one command, several API processes on one port (node:cluster). Each must hot
 * reload on its own, a dead one comes back, and SIGTERM stops them all.
 */
let artefacts: Uint8Array[] = [];
let meta: VersionMeta;
let redis: RedisServerHandle;

before(async () => {
  ({ artefacts, meta } = await trainedArtefacts([3, 4]));
  redis = await spawnRedisServer('redis-server', ['--save', '', '--appendonly', 'no']);
});
after(async () => {
  await redis.stop();
});

/** Classifications answered with 200 so far (each process counts its own in its metrics). */
let answered = 0;

/** Classifies on a fresh connection each time, so the primary's round-robin reaches every process. */
function classify(base: string): Promise<{ status: number; version?: number }> {
  return new Promise((resolve) => {
    const req = request(
      `${base}/classify`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', connection: 'close' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          const v = (JSON.parse(body) as { version?: number }).version;
          if (res.statusCode === 200) answered++;
          resolve({ status: res.statusCode ?? 0, ...(v !== undefined ? { version: v } : {}) });
        });
      },
    );
    req.on('error', () => resolve({ status: 0 }));
    req.end(JSON.stringify({ model: 'm', text: 'football goal match striker' }));
  });
}

/** Every one of `n` classifications (spread over the processes) answers `version`. */
async function allServe(base: string, version: number, n = 12): Promise<boolean> {
  for (let i = 0; i < n; i++) if ((await classify(base)).version !== version) return false;
  return true;
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  const dir = `/proc/${pid}/task`;
  if (!existsSync(dir)) return out;
  for (const t of readdirSync(dir)) {
    const text = readFileSync(`${dir}/${t}/children`, 'utf8').trim();
    if (text) out.push(...text.split(' ').map(Number));
  }
  return out;
}

function publish(prefix: string, i: number): Promise<void> {
  return publishArtefact(redis.url, prefix, artefacts[i]!, meta);
}

describe('API_PROCESSES', { skip: process.platform !== 'linux' && 'reads /proc' }, () => {
  it('serves from several processes on one port, each hot-reloads, a killed one returns, SIGTERM stops all', async () => {
    const port = await freePort();
    const prefix = uniquePrefix('cluster');
    const { child: primary, log } = startMain({
      ROLE: 'api',
      API_PROCESSES: '2',
      PORT: String(port),
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
    });
    const exited = new Promise<number | null>((res) => primary.once('exit', (code) => res(code)));
    const base = `http://127.0.0.1:${port}`;
    try {
      await publish(prefix, 0);
      await waitFor(() => allServe(base, 1), 60_000, `both processes serve version 1; log:\n${log()}`);
      const first = childrenOf(primary.pid!);
      assert.equal(first.length, 2, `two API processes: ${first.join(',')}`);

      await publish(prefix, 1);
      await waitFor(() => allServe(base, 2), 20_000, `both processes serve version 2; log:\n${log()}`);
      // One scrape, whichever process takes it, sees the classifications of both.
      const page = await (await fetch(`${base}/metrics`, { headers: { connection: 'close' } })).text();
      const counted = page
        .split('\n')
        .filter((l) => l.startsWith('textclf_classifications_total{model="m"'))
        .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
      assert.equal(counted, answered, page);
      assert.match(page, /^textclf_served_version\{model="m"\} 2$/m);

      process.kill(first[0]!, 'SIGKILL');
      await waitFor(
        () => {
          const now = childrenOf(primary.pid!);
          return now.length === 2 && !now.includes(first[0]!);
        },
        30_000,
        'a new process replaces the killed one',
      );
      // The newcomer loads the latest version on its first request.
      await waitFor(() => allServe(base, 2), 30_000, 'all processes serve version 2 again');

      const pids = childrenOf(primary.pid!);
      primary.kill('SIGTERM');
      assert.equal(await exited, 0, log());
      for (const pid of pids)
        assert.ok(!existsSync(`/proc/${pid}/stat`) || isZombie(pid), `process ${pid} gone`);
    } finally {
      if (primary.exitCode === null) primary.kill('SIGKILL');
    }
  });
});

describe('a taken port', () => {
  for (const processes of ['1', '2']) {
    it(`API_PROCESSES=${processes}: one line naming the port, exit 2`, async () => {
      const blocker = createServer();
      await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', res));
      const port = (blocker.address() as AddressInfo).port;
      try {
        const { child, log } = startMain({
          ROLE: 'api',
          API_PROCESSES: processes,
          PORT: String(port),
          REDIS_URL: redis.url,
          REDIS_PREFIX: uniquePrefix('port'),
          LOG_LEVEL: 'silent',
        });
        const [code] = (await once(child, 'exit')) as [number | null];
        assert.equal(code, 2, log());
        assert.match(
          log(),
          new RegExp(`^textclf: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`, 'm'),
        );
      } finally {
        blocker.close();
      }
    });
  }
});

describe('an unavailable TensorFlow.js backend', () => {
  // tfjs-node is optional and cannot install here; where it is installed there is nothing to refuse.
  const installed = (() => {
    try {
      import.meta.resolve('@tensorflow/tfjs-node');
      return true;
    } catch {
      return false;
    }
  })();
  for (const env of <Record<string, string>[]>[
    { ROLE: 'api' }, // checked by the inference threads
    { ROLE: 'api', INFERENCE_THREADS: '0' }, // checked by the main thread, which then classifies
    { ROLE: 'worker' },
  ]) {
    it(`${JSON.stringify(env)}: one line naming the backend, exit 2`, { skip: installed }, async () => {
      const { child, log } = startMain({
        ...env,
        PORT: '0',
        TEXTCLF_BACKEND: 'tensorflow',
        REDIS_URL: redis.url,
        REDIS_PREFIX: uniquePrefix('backend'),
        LOG_LEVEL: 'silent',
      });
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 2, log());
      assert.match(log(), /^textclf: .*TensorFlow\.js backend "tensorflow" is not available/m);
      assert.equal(log().trim().split('\n').length, 1, log());
    });
  }
});

function isZombie(pid: number): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}
