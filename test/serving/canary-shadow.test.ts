import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import request from 'supertest';
import { createApp } from '../../src/api/index.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import { Metrics } from '../../src/metrics/index.js';
import { PubSubHub } from '../../src/redis/index.js';
import { ModelRegistry } from '../../src/registry/index.js';
import type { Services } from '../../src/services/index.js';
import { ModelServer, routingBucket, type ArtefactLoader } from '../../src/serving/index.js';
import { assertProblem, assertSchema } from '../api/schema-check.js';
import { fakeVersionMeta } from '../fixtures/fake-version.js';
import { testRedisUrl } from '../helpers/redis.js';
import { testServices, waitFor } from '../helpers/services.js';

/**
 * Canary and shadow versions through the HTTP API on the real services (Redis registry, pub/sub,
 * Lua), with "artefacts" that are tiny JSON blobs: `keyword` versions answer the first of their
 * labels the text contains (two such versions agree on every text), `always` versions one label.
 */
interface Spec {
  labels: string[];
  always?: string;
  delayMs?: number;
}
const loader: ArtefactLoader = async (bytes) => {
  const spec = JSON.parse(Buffer.from(bytes).toString('utf8')) as Spec;
  const pick = (t: string) => spec.always ?? spec.labels.find((l) => t.includes(l)) ?? spec.labels[0]!;
  return {
    labels: spec.labels,
    predict: async (texts) => {
      if (spec.delayMs) await new Promise((r) => setTimeout(r, spec.delayMs));
      return texts.map((t) => {
        const label = pick(t);
        const rest = spec.labels.filter((l) => l !== label);
        return {
          label,
          scores: [{ label, probability: 0.8 }, ...rest.map((l) => ({ label: l, probability: 0.2 }))],
        };
      });
    },
    dispose: () => undefined,
  };
};
const LABELS = ['sport', 'business'];
const publish = (s: Services, model: string, spec: Partial<Spec> = {}) =>
  s.registry.publish(model, new Uint8Array(Buffer.from(JSON.stringify({ labels: LABELS, ...spec }))), {
    ...fakeVersionMeta,
    labels: LABELS,
  });
const text = (i: number) => (i % 2 === 0 ? `sport news ${i}` : `business news ${i}`);

/** The app on a listening port, for many requests on kept-alive connections. */
async function listen(s: Services, metrics?: Metrics): Promise<{ server: Server; base: string }> {
  const app = createApp(s.deps, {
    logger: silentLogger,
    config: parseConfig({ REDIS_PREFIX: s.keys.prefix }),
    ...(metrics ? { metrics } : {}),
  });
  const server = createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** POSTs `n` classify bodies, `concurrency` at a time; the answering versions, in order. */
async function classifyMany(
  base: string,
  n: number,
  body: (i: number) => Record<string, unknown>,
  concurrency = 8,
): Promise<number[]> {
  const versions: number[] = new Array<number>(n);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < n; i = next++) {
      const res = await fetch(`${base}/classify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body(i)),
      });
      const json = (await res.json()) as { version: number };
      assert.equal(res.status, 200, JSON.stringify(json));
      versions[i] = json.version;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return versions;
}

const share = (versions: number[], v: number) => versions.filter((x) => x === v).length / versions.length;

describe('canary and shadow versions over HTTP', { timeout: 180_000 }, () => {
  let s: Services;
  let metrics: Metrics;
  let http: { server: Server; base: string };
  before(async () => {
    metrics = new Metrics(undefined, { defaults: false });
    s = await testServices({ loadArtefact: loader, metrics });
    http = await listen(s, metrics);
    await publish(s, 'news'); // v1: keyword
    await publish(s, 'news'); // v2: keyword (agrees with v1 on every text)
    await publish(s, 'news', { always: 'business' }); // v3: agrees on half the texts
    await publish(s, 'news'); // v4: latest
  });
  after(async () => {
    http.server.close();
    await s.close();
  });

  const put = (body: Record<string, unknown>, model = 'news') =>
    request(http.server).put(`/models/${model}/alias/latest`).send(body);
  const followed = (want: Record<string, number>) =>
    waitFor(
      () => JSON.stringify(s.classifier.servedSetup('news')) === JSON.stringify(want),
      5000,
      `setup ${JSON.stringify(want)}`,
    );

  it('a 90/10 canary answers its share of 10,000 requests, each answer naming its version', async () => {
    const res = await put({ version: 1, canary: { version: 2, percent: 10 } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assertSchema(res.body, 'LatestAlias');
    assert.deepEqual(
      [res.body.version, res.body.isLatest, res.body.canary],
      [1, true, { version: 2, percent: 10 }],
    );
    const listed = await request(http.server).get('/models');
    assertSchema(listed.body, 'ModelList');
    assert.deepEqual(listed.body.models[0].canary, { version: 2, percent: 10 });
    await followed({ latest: 1, canary: 2, percent: 10 });

    const versions = await classifyMany(http.base, 10_000, (i) => ({ model: 'news', text: text(i) }));
    const observed = share(versions, 2);
    console.log(
      `canary 90/10 over 10,000 requests: canary (v2) answered ${(observed * 100).toFixed(2)} %, ` +
        `latest (v1) ${(share(versions, 1) * 100).toFixed(2)} %`,
    );
    assert.ok(Math.abs(observed - 0.1) <= 0.02, `canary share ${observed}`);
    assert.equal(share(versions, 1) + observed, 1, 'only latest and the canary answer');
    // The classification metrics count each answer under the version that gave it.
    const counted = await metrics.registry.getSingleMetric('textclf_classifications_total')!.get();
    const byVersion = (v: string) =>
      counted.values.filter((x) => x.labels.version === v).reduce((sum, x) => sum + x.value, 0);
    assert.equal(byVersion('2'), versions.filter((v) => v === 2).length);
    assert.equal(byVersion('1'), versions.filter((v) => v === 1).length);
    // A pinned version is what it says, canary or not.
    const pinned = await classifyMany(http.base, 50, () => ({ model: 'news', text: 'x', version: 1 }));
    assert.deepEqual(new Set(pinned), new Set([1]));
  });

  it('routingKey: the same key always gets the same version, different keys spread', async () => {
    await put({ version: 1, canary: { version: 2, percent: 30 } }).expect(200);
    await followed({ latest: 1, canary: 2, percent: 30 });
    const keys = Array.from({ length: 400 }, (_, i) => `user-${i}`);
    const rounds = 5;
    const versions = await classifyMany(http.base, keys.length * rounds, (i) => ({
      model: 'news',
      text: text(i),
      routingKey: keys[i % keys.length],
    }));
    const byKey = new Map<string, Set<number>>();
    versions.forEach((v, i) => {
      const k = keys[i % keys.length]!;
      byKey.set(k, (byKey.get(k) ?? new Set()).add(v));
    });
    for (const [k, vs] of byKey) {
      assert.equal(vs.size, 1, `${k} answered by ${[...vs].join(', ')}`);
      assert.equal([...vs][0], routingBucket('news', k) < 30 ? 2 : 1, `${k} in its bucket`);
    }
    const onCanary = keys.filter((k) => byKey.get(k)?.has(2)).length / keys.length;
    console.log(
      `routingKey: 400 keys x ${rounds} requests, every key on one version; ` +
        `${(onCanary * 100).toFixed(1)} % of keys on the 30 % canary`,
    );
    assert.ok(onCanary > 0.2 && onCanary < 0.4, `keys on the canary ${onCanary}`);

    // A batch is answered by one version: the key's.
    const canaryKey = keys.find((k) => routingBucket('news', k) < 30)!;
    const batch = await request(http.server)
      .post('/classify')
      .send({ model: 'news', texts: [text(0), text(1), text(2)], routingKey: canaryKey });
    assertSchema(batch.body, 'ClassifyBatchResponse');
    assert.equal(batch.body.version, 2);
    // Raising the share keeps every key the canary had, and adds more.
    await put({ version: 1, canary: { version: 2, percent: 60 } }).expect(200);
    await followed({ latest: 1, canary: 2, percent: 60 });
    const later = await classifyMany(http.base, keys.length, (i) => ({
      model: 'news',
      text: 'x',
      routingKey: keys[i],
    }));
    keys.forEach((k, i) => {
      if (byKey.get(k)?.has(2)) assert.equal(later[i], 2, `${k} stays on the canary`);
    });
    assert.ok(share(later, 2) > onCanary + 0.15, `more keys at 60 %: ${share(later, 2)}`);
  });

  it('a shadow scores every request off the request path; the report counts 1,000 of them', async () => {
    await put({ version: 1, shadow: 2 }).expect(200);
    await followed({ latest: 1, shadow: 2 });
    const versions = await classifyMany(http.base, 1000, (i) => ({ model: 'news', text: text(i) }));
    assert.deepEqual(new Set(versions), new Set([1]), 'the shadow never answers');
    // Pinned requests are not compared with the shadow.
    await classifyMany(http.base, 20, () => ({ model: 'news', text: 'x', version: 1 }));
    const agreeing = await waitFor(
      async () => {
        const r = await request(http.server).get('/models/news/shadow');
        return r.body.requests === 1000 ? r : undefined;
      },
      10_000,
      'shadow report of 1000',
    );
    assertSchema(agreeing.body, 'ShadowReport');
    console.log(`shadow report, v2 beside v1 (same rule): ${JSON.stringify(agreeing.body)}`);
    assert.equal(agreeing.body.version, 2);
    assert.equal(agreeing.body.agreement, 1);
    assert.equal(agreeing.body.skipped, 0);
    assert.deepEqual(agreeing.body.labels, {
      served: { sport: 500, business: 500 },
      shadow: { sport: 500, business: 500 },
    });

    // A new shadow starts a new report: v3 answers `business` always, so it agrees on half.
    const set = await put({ version: 1, shadow: 3 }).expect(200);
    assert.equal(set.body.shadow, 3);
    await followed({ latest: 1, shadow: 3 });
    const fresh = await request(http.server).get('/models/news/shadow');
    assert.deepEqual([fresh.body.requests, fresh.body.agreement], [0, null]);
    assert.ok(fresh.body.since >= agreeing.body.since);
    await classifyMany(http.base, 1000, (i) => ({ model: 'news', text: text(i) }));
    const half = await waitFor(
      async () => {
        const r = await request(http.server).get('/models/news/shadow');
        return r.body.requests === 1000 ? r : undefined;
      },
      10_000,
      'second shadow report',
    );
    console.log(`shadow report, v3 (always business) beside v1: ${JSON.stringify(half.body)}`);
    assert.equal(half.body.agreement, 0.5);
    assert.deepEqual(half.body.labels, { served: { sport: 500, business: 500 }, shadow: { business: 1000 } });

    // Without a shadow there is no report.
    await put({ version: 1 }).expect(200);
    assertProblem(await request(http.server).get('/models/news/shadow'), 404, 'SHADOW_NOT_FOUND');
    assertProblem(await request(http.server).get('/models/nope/shadow'), 404, 'MODEL_NOT_FOUND');
  });

  it('refuses bad setups with problem+json, and a refused PUT changes nothing', async () => {
    await put({ version: 4, canary: { version: 2, percent: 10 }, shadow: 3 }).expect(200);
    const bad: [Record<string, unknown>, number, string, string?][] = [
      [{ version: 4, canary: { version: 2, percent: 0 } }, 400, 'INVALID_REQUEST', '/body/canary/percent'],
      [{ version: 4, canary: { version: 2, percent: 100 } }, 400, 'INVALID_REQUEST', '/body/canary/percent'],
      [{ version: 4, canary: { version: 2, percent: 10.5 } }, 400, 'INVALID_REQUEST', '/body/canary/percent'],
      [{ version: 4, canary: { version: 2, percent: '10' } }, 400, 'INVALID_REQUEST', '/body/canary/percent'],
      [{ version: 4, canary: { version: 2 } }, 400, 'INVALID_REQUEST'],
      [{ version: 4, canary: { version: 2, percent: 10, weight: 1 } }, 400, 'INVALID_REQUEST'],
      [{ version: 4, canary: { version: 4, percent: 10 } }, 400, 'INVALID_REQUEST', '/body/canary/version'],
      [{ version: 4, shadow: 4 }, 400, 'INVALID_REQUEST', '/body/shadow'],
      [
        { version: 4, canary: { version: 2, percent: 10 }, shadow: 2 },
        400,
        'INVALID_REQUEST',
        '/body/shadow',
      ],
      [{ version: 4, shadow: 'two' }, 400, 'INVALID_REQUEST', '/body/shadow'],
      [{ version: 4, canary: { version: 99, percent: 10 } }, 404, 'VERSION_NOT_FOUND'],
      [{ version: 4, shadow: 99 }, 404, 'VERSION_NOT_FOUND'],
    ];
    for (const [body, status, code, path] of bad) {
      const p = assertProblem(await put(body), status, code);
      if (path) {
        const paths = (p.errors as { path: string }[] | undefined)?.map((e) => e.path) ?? [];
        assert.ok(paths.includes(path), `${JSON.stringify(body)}: ${JSON.stringify(p)}`);
      }
    }
    const missing = assertProblem(await put({ version: 4, shadow: 99 }), 404, 'VERSION_NOT_FOUND');
    assert.equal(missing.field, 'shadow');
    assert.equal(missing.version, 99);
    assert.equal(
      assertProblem(await put({ version: 4, canary: { version: 98, percent: 5 } }), 404, 'VERSION_NOT_FOUND')
        .field,
      'canary.version',
    );
    const models = await request(http.server).get('/models');
    assert.deepEqual(
      [models.body.models[0].latest, models.body.models[0].canary, models.body.models[0].shadow],
      [4, { version: 2, percent: 10 }, 3],
      'unchanged by the refused requests',
    );
    for (const routingKey of [5, '', 'k'.repeat(257), null, ['a']]) {
      const r = await request(http.server).post('/classify').send({ model: 'news', text: 'x', routingKey });
      assertProblem(r, 400, 'INVALID_REQUEST');
    }
    const ok = await request(http.server)
      .post('/classify')
      .send({ model: 'news', text: 'x', routingKey: 'k'.repeat(256) });
    assert.equal(ok.status, 200);
  });

  it('DELETE and retention leave the canary and the shadow alone; a publish ends them', async () => {
    await put({ version: 4, canary: { version: 1, percent: 10 }, shadow: 2 }).expect(200);
    const canaryGone = assertProblem(
      await request(http.server).delete('/models/news/versions/1'),
      409,
      'VERSION_IN_USE',
    );
    assert.match(String(canaryGone.detail), /canary/);
    const shadowGone = assertProblem(
      await request(http.server).delete('/models/news/versions/2'),
      409,
      'VERSION_IN_USE',
    );
    assert.match(String(shadowGone.detail), /shadow/);
    // Retention keeping one version: only v3 (neither latest, canary nor shadow) goes.
    const strict = new ModelRegistry(s.redis, s.keys, 1);
    assert.deepEqual(await strict.applyRetention('news'), [3]);
    const left = await request(http.server).get('/models/news/versions');
    assert.deepEqual(
      left.body.versions.map((v: { version: number }) => v.version),
      [4, 2, 1],
    );

    // Publishing (a finished training job) moves latest and ends the canary and the shadow.
    const published = await publish(s, 'news');
    assert.equal(published.status, 'published');
    const models = await request(http.server).get('/models');
    assert.deepEqual(models.body.models[0], {
      model: 'news',
      latest: 5,
      versions: 4,
      updatedAt: models.body.models[0].updatedAt,
    });
    assertProblem(await request(http.server).get('/models/news/shadow'), 404, 'SHADOW_NOT_FOUND');
    await followed({ latest: 5 });
    assert.equal((await request(http.server).delete('/models/news/versions/1')).status, 204);
  });

  it('a second API process on the same Redis follows canary changes', async () => {
    const other = await testServices({ loadArtefact: loader, prefix: s.keys.prefix });
    const app2 = createApp(other.deps, {
      logger: silentLogger,
      config: parseConfig({ REDIS_PREFIX: s.keys.prefix }),
    });
    try {
      await waitFor(() => other.classifier.servedVersion('news') === 5, 5000, 'second process serves v5');
      const key = Array.from({ length: 100 }, (_, i) => `k${i}`).find((k) => routingBucket('news', k) < 20)!;
      await put({ version: 5, canary: { version: 4, percent: 20 }, shadow: 2 }).expect(200);
      await waitFor(
        () => other.classifier.servedSetup('news')?.canary === 4,
        5000,
        'second process loads the canary',
      );
      assert.deepEqual(other.classifier.servedSetup('news'), {
        latest: 5,
        canary: 4,
        percent: 20,
        shadow: 2,
      });
      const res = await request(app2).post('/classify').send({ model: 'news', text: 'x', routingKey: key });
      assert.equal(res.body.version, 4, 'the canary answers the key there too');
      // Both processes add to one shadow report (the keyed request above, the batch here, one more there).
      await request(app2)
        .post('/classify')
        .send({ model: 'news', texts: ['sport a', 'business b'] })
        .expect(200);
      await followed({ latest: 5, canary: 4, percent: 20, shadow: 2 });
      await request(http.server).post('/classify').send({ model: 'news', text: 'sport c' }).expect(200);
      await waitFor(
        async () => {
          const r = await request(app2).get('/models/news/shadow');
          return r.body.requests + r.body.skipped === 4 ? r.body : undefined;
        },
        5000,
        'both count',
      );
      await put({ version: 5 }).expect(200);
      await waitFor(
        () => other.classifier.servedSetup('news')?.canary === undefined,
        5000,
        'canary cleared there',
      );
      assert.equal(
        (await request(app2).post('/classify').send({ model: 'news', text: 'x', routingKey: key })).body
          .version,
        5,
      );
    } finally {
      await other.close();
    }
  });
});

describe('shadow scoring is bounded and never delays an answer', { timeout: 60_000 }, () => {
  it('skips what a slow shadow cannot take, counts it, and answers at once', async () => {
    const s = await testServices({ loadArtefact: loader, serving: false });
    const hub = new PubSubHub(new Redis(await testRedisUrl()));
    const server = new ModelServer(s.registry, hub, s.keys, loader, {
      pinnedCacheSize: 2,
      pollMs: 0,
      eager: true,
      shadow: { maxTextsInFlight: 8, flushMs: 20 },
    });
    await server.start();
    const app = createApp(
      { ...s.deps, classifier: server },
      {
        logger: silentLogger,
        config: parseConfig({ REDIS_PREFIX: s.keys.prefix }),
      },
    );
    try {
      await publish(s, 'm');
      await publish(s, 'm', { delayMs: 300 }); // the shadow: slow
      await s.registry.setLatest('m', 1, { shadow: 2 });
      await waitFor(() => server.servedSetup('m')?.shadow === 2, 5000, 'shadow loaded');
      const started = performance.now();
      for (let i = 0; i < 10; i++) {
        const res = await request(app)
          .post('/classify')
          .send({ model: 'm', texts: [text(0), text(1), text(2)] });
        assert.equal(res.status, 200);
        assert.equal(res.body.version, 1);
      }
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 1500, `10 answers took ${elapsed.toFixed(0)} ms beside a 300 ms shadow`);
      assert.ok(server.shadowTextsInFlight() <= 8, `in flight ${server.shadowTextsInFlight()}`);
      // Two requests (6 texts) fit under 8 at a time; the rest were skipped, none queued.
      const report = await waitFor(
        async () => {
          const r = await request(app).get('/models/m/shadow');
          return r.body.requests + r.body.skipped === 30 ? r.body : undefined;
        },
        5000,
        'every text scored or skipped',
      );
      assert.ok(report.skipped >= 20, JSON.stringify(report));
      assert.equal(report.agreement, 1);
      assert.equal(server.shadowTextsInFlight(), 0);
    } finally {
      await server.close();
      await hub.close();
      await s.close();
    }
  });
});

describe('swapping setups', { timeout: 60_000 }, () => {
  it('shares loaded versions between setups, keeps dropped ones for rollback, disposes each once', async () => {
    const disposed: number[] = [];
    const loads: number[] = [];
    const counting: ArtefactLoader = async (bytes, reread) => {
      const m = await loader(bytes, reread);
      const { id } = JSON.parse(Buffer.from(bytes).toString('utf8')) as { id: number };
      loads.push(id);
      return { ...m, dispose: () => disposed.push(id) };
    };
    const s = await testServices({ loadArtefact: counting, env: { PINNED_CACHE_SIZE: '4' } });
    const blob = (id: number) => new Uint8Array(Buffer.from(JSON.stringify({ labels: LABELS, id })));
    try {
      for (const id of [1, 2, 3])
        await s.registry.publish('m', blob(id), { ...fakeVersionMeta, labels: LABELS });
      await waitFor(() => s.classifier.servedVersion('m') === 3, 5000, 'v3 served');
      const steps: [number, { canary?: { version: number; percent: number }; shadow?: number }][] = [
        [3, { canary: { version: 2, percent: 50 }, shadow: 1 }],
        [2, { canary: { version: 3, percent: 50 }, shadow: 1 }],
        [1, { shadow: 2 }],
        [3, {}],
      ];
      for (const [version, routes] of steps) {
        await s.registry.setLatest('m', version, routes);
        const want = {
          latest: version,
          ...(routes.canary ? { canary: routes.canary.version, percent: routes.canary.percent } : {}),
          ...(routes.shadow ? { shadow: routes.shadow } : {}),
        };
        await waitFor(
          () => JSON.stringify(s.classifier.servedSetup('m')) === JSON.stringify(want),
          5000,
          JSON.stringify(want),
        );
        const r = await s.classifier.classify('m', ['sport x'], { routingKey: 'a' });
        assert.ok([version, routes.canary?.version].includes(r.version));
      }
      assert.deepEqual(
        loads.sort(),
        [1, 2, 3],
        'each version loaded once: swaps share and take from the LRU',
      );
      assert.deepEqual(disposed, [], 'nothing disposed while the LRU has room');
    } finally {
      await s.close();
    }
    assert.deepEqual(disposed.sort(), [1, 2, 3], 'each disposed once at close');
  });
});
