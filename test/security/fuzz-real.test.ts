import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { FUZZ_ENV, fuzzRequests, sendFuzz } from '../../bench/fuzz-requests.js';
import type { VersionMeta } from '../../src/registry/index.js';
import type { Services } from '../../src/services/index.js';
import type { ArtefactLoader } from '../../src/serving/index.js';
import { fakeVersionMeta } from '../fixtures/fake-version.js';
import { testServices } from '../helpers/services.js';
import { API_KEYS, KEYS, securedApp } from './helpers.js';

/** Artefacts are tiny JSON blobs; the loader makes a model that always answers their label. */
const loader: ArtefactLoader = async (bytes) => {
  const { labels } = JSON.parse(Buffer.from(bytes).toString('utf8')) as { labels: string[] };
  return {
    labels,
    predict: (texts) =>
      texts.map(() => ({
        label: labels[0] ?? '',
        scores: labels.map((l, i) => ({ label: l, probability: i ? 0 : 1 })),
      })),
    dispose: () => undefined,
  };
};
const meta = (labels: string[]): VersionMeta => ({ ...fakeVersionMeta, labels });
const publish = (s: Services, model: string, labels: string[]) =>
  s.registry.publish(model, new Uint8Array(Buffer.from(JSON.stringify({ labels }))), meta(labels));

/** Job records and datasets under the test's prefix. */
async function stored(s: Services): Promise<{ jobs: string[]; datasets: string[] }> {
  const p = s.keys.prefix;
  const jobs = (await s.redis.keys(`${p}:job:*`))
    .filter((k) => !k.endsWith(':checkpoint'))
    .map((k) => k.slice(`${p}:job:`.length));
  const datasets = (await s.redis.keys(`${p}:dataset:*`)).map((k) =>
    k.slice(`${p}:dataset:`.length).replace(/:meta$/, ''),
  );
  return { jobs: jobs.sort(), datasets: [...new Set(datasets)].sort() };
}

test(
  'fuzz against the real services on Redis: no 5xx, no hang, no dataset or job from a rejected request',
  { timeout: 120_000 },
  async () => {
    const services = await testServices({ loadArtefact: loader, env: { ...FUZZ_ENV } });
    const { app } = securedApp({
      env: { ...FUZZ_ENV, API_KEYS },
      deps: services.deps,
      prefix: services.keys.prefix,
    });
    const server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await publish(services, 'default', ['sport', 'business']);
      await publish(services, 'fuzz', ['a', 'b', 'c']);
      await publish(services, 'fuzz', ['a', 'b']);
      const before = await stored(services);
      assert.deepEqual(before, { jobs: [], datasets: [] });
      const accepted = { jobs: new Set<string>(), datasets: new Set<string>() };
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(fuzzRequests(KEYS.both), async (r) => {
          const out = await sendFuzz(base, r);
          statuses.set(out.status, (statuses.get(out.status) ?? 0) + 1);
          const what = `${r.method} ${r.path} ${JSON.stringify(r.headers)} ${Buffer.from(r.body ?? [])
            .toString('utf8')
            .slice(0, 200)}`;
          assert.ok(
            out.status >= 200 && out.status < 500,
            `${what} -> ${out.status} ${out.error ?? out.body}`,
          );
          if (r.path.startsWith('/train') && out.status === 202) {
            const body = JSON.parse(out.body ?? '{}') as { jobId: string; dataset: { hash: string } };
            accepted.jobs.add(body.jobId);
            accepted.datasets.add(body.dataset.hash);
          }
        }),
        { numRuns: 400, seed: 20261127 },
      );
      // Any route failing at its first step would make this test pass vacuously: check the mix.
      assert.ok((statuses.get(200) ?? 0) > 10, JSON.stringify([...statuses]));
      assert.ok(accepted.jobs.size > 5, `accepted trainings: ${accepted.jobs.size}`);
      for (const s of [400, 401, 404, 413, 415])
        assert.ok((statuses.get(s) ?? 0) > 0, `some ${s}: ${JSON.stringify([...statuses])}`);
      const after = await stored(services);
      assert.deepEqual(after.jobs, [...accepted.jobs].sort(), 'job records are exactly the accepted ones');
      assert.deepEqual(
        after.datasets,
        [...accepted.datasets].sort(),
        'datasets are exactly the accepted ones',
      );
      const counts = await services.queue.getJobCounts();
      assert.equal(
        Object.values(counts).reduce((a, b) => a + b, 0),
        accepted.jobs.size,
        `BullMQ jobs ${JSON.stringify(counts)}`,
      );
      // Polluted keys never reached a prototype.
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      const health = await sendFuzz(base, { method: 'GET', path: '/healthz', headers: {} });
      assert.equal(health.status, 200);
    } finally {
      server.closeAllConnections();
      server.close();
      await services.close(0);
    }
  },
);
