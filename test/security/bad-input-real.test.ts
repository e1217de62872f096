import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { Services } from '../../src/services/index.js';
import type { ArtefactLoader } from '../../src/serving/index.js';
import { assertProblem } from '../api/schema-check.js';
import { ARTICLES } from '../api/fakes.js';
import { testServices } from '../helpers/services.js';
import { securedApp, type SecuredApp } from './helpers.js';
import { fakeVersionMeta } from '../fixtures/fake-version.js';

/**
 * Issue 4's bad inputs through the real dataset store, job service, registry and classifier on
 * Redis (artefacts are tiny JSON blobs): each is a problem with its own code, and nothing is stored.
 */
const loader: ArtefactLoader = async (bytes) => {
  const { labels } = JSON.parse(Buffer.from(bytes).toString('utf8')) as { labels: string[] };
  return {
    labels,
    predict: (texts) =>
      texts.map(() => ({ label: labels[0] ?? '', scores: [{ label: labels[0] ?? '', probability: 1 }] })),
    dispose: () => undefined,
  };
};
const meta = fakeVersionMeta;
const artefact = new Uint8Array(Buffer.from(JSON.stringify({ labels: ['a', 'b'] })));

describe('bad input through the real services', () => {
  let s: Services;
  let api: SecuredApp['app'];
  before(async () => {
    const env = { MAX_LABELS: '3', MIN_PER_LABEL: '2', MAX_TEXT_BYTES: '1000' };
    s = await testServices({ loadArtefact: loader, env });
    api = securedApp({ env, deps: s.deps, prefix: s.keys.prefix }).app;
    for (let v = 0; v < 3; v++) await s.registry.publish('m', artefact, meta); // versions 1, 2, 3
  });
  after(() => s.close(0));

  /** Datasets, job records and BullMQ jobs: what a stored dataset or a queued job leaves. */
  const stored = async () => {
    const p = s.keys.prefix;
    const keys = [...(await s.redis.keys(`${p}:dataset:*`)), ...(await s.redis.keys(`${p}:job:*`))];
    const counts = await s.queue.getJobCounts();
    const bull = Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([state, n]) => `bull ${state}: ${n}`);
    return [...keys.sort(), ...bull];
  };

  it('unknown model and unknown version: MODEL_NOT_FOUND / VERSION_NOT_FOUND on classify and model routes', async () => {
    assertProblem(
      await request(api).post('/classify').send({ text: 'x', model: 'nope' }),
      404,
      'MODEL_NOT_FOUND',
    );
    assertProblem(await request(api).post('/classify').send({ text: 'x' }), 404, 'MODEL_NOT_FOUND'); // "default"
    assertProblem(await request(api).get('/models/nope/versions'), 404, 'MODEL_NOT_FOUND');
    assertProblem(await request(api).get('/models/nope/versions/1'), 404, 'MODEL_NOT_FOUND');
    assertProblem(
      await request(api).put('/models/nope/alias/latest').send({ version: 1 }),
      404,
      'MODEL_NOT_FOUND',
    );
    assertProblem(await request(api).delete('/models/nope/versions/1'), 404, 'MODEL_NOT_FOUND');
    for (const version of [4, 99, 2 ** 31]) {
      const b = assertProblem(
        await request(api).post('/classify').send({ text: 'x', model: 'm', version }),
        404,
        'VERSION_NOT_FOUND',
      );
      assert.equal(b.version, version);
      assertProblem(await request(api).get(`/models/m/versions/${version}`), 404, 'VERSION_NOT_FOUND');
      assertProblem(
        await request(api).put('/models/m/alias/latest').send({ version }),
        404,
        'VERSION_NOT_FOUND',
      );
    }
    assert.equal(
      (await request(api).post('/classify').send({ text: 'x', model: 'm', version: 3 })).status,
      200,
    );
  });

  it('a deleted version is VERSION_NOT_FOUND everywhere; latest cannot be deleted (VERSION_IN_USE)', async () => {
    assert.equal(
      (
        await request(api)
          .post('/classify')
          .send({ texts: ['x'], model: 'm', version: 1 })
      ).status,
      200,
    );
    assert.equal((await request(api).delete('/models/m/versions/1')).status, 204);
    assertProblem(
      await request(api)
        .post('/classify')
        .send({ texts: ['x'], model: 'm', version: 1 }),
      404,
      'VERSION_NOT_FOUND',
    );
    assertProblem(await request(api).get('/models/m/versions/1'), 404, 'VERSION_NOT_FOUND');
    assertProblem(await request(api).delete('/models/m/versions/1'), 404, 'VERSION_NOT_FOUND');
    assertProblem(
      await request(api).put('/models/m/alias/latest').send({ version: 1 }),
      404,
      'VERSION_NOT_FOUND',
    );
    assertProblem(await request(api).delete('/models/m/versions/3'), 409, 'VERSION_IN_USE');
    const versions = (await request(api).get('/models/m/versions')).body as {
      versions: { version: number }[];
    };
    assert.deepEqual(
      versions.versions.map((v) => v.version),
      [3, 2],
    );
  });

  it('malformed model names and versions in paths and bodies are rejected, not normalised', async () => {
    for (const name of ['..%2Fx', '%2E%2E', 'A', '-x', 'x'.repeat(65), 'a%20b', '%00']) {
      assertProblem(await request(api).get(`/models/${name}/versions`), 400, 'INVALID_REQUEST');
    }
    for (const model of ['../x', '..', 'M', 'a/b', 'a\\b', '', ' default']) {
      assertProblem(await request(api).post('/classify').send({ text: 'x', model }), 400, 'INVALID_REQUEST');
      assertProblem(
        await request(api).post('/train').send({ model, articles: ARTICLES }),
        400,
        'INVALID_REQUEST',
      );
    }
    for (const v of ['0', '-1', '1.5', 'latest', '99999999999999999999']) {
      assertProblem(await request(api).get(`/models/m/versions/${v}`), 400, 'INVALID_REQUEST');
    }
    assert.deepEqual(await stored(), []);
  });

  it('training data: one label, too few examples, more labels than MAX_LABELS, empty text, options out of range', async () => {
    const cases: [unknown, number, string, string?][] = [
      [{ articles: ARTICLES.map((a) => ({ ...a, label: 'one' })) }, 400, 'INVALID_DATA'],
      [{ articles: [...ARTICLES, { text: 'rain', label: 'weather' }] }, 400, 'INVALID_DATA', 'weather'],
      [
        {
          articles: ['a', 'b', 'c', 'd'].flatMap((l) => [
            { text: `${l} 1`, label: l },
            { text: `${l} 2`, label: l },
          ]),
        },
        400,
        'TOO_MANY_LABELS',
      ],
      [{ articles: [...ARTICLES, { text: ' \n\t ', label: 'sport' }] }, 400, 'INVALID_DATA'],
      [{ articles: [...ARTICLES, { text: 'y'.repeat(1001), label: 'sport' }] }, 413, 'PAYLOAD_TOO_LARGE'],
      [{ articles: ARTICLES, options: { epochs: -1 } }, 400, 'INVALID_OPTIONS'],
      [{ articles: ARTICLES, options: { hiddenUnits: -1 } }, 400, 'INVALID_OPTIONS'],
      [{ articles: ARTICLES, options: { batchSize: 1e9 } }, 400, 'INVALID_OPTIONS'],
      [{ articles: ARTICLES, options: { learningRate: -0.1 } }, 400, 'INVALID_OPTIONS'],
      [{ articles: [] }, 400, 'INVALID_REQUEST'],
    ];
    for (const [body, status, code, label] of cases) {
      const p = assertProblem(
        await request(api)
          .post('/train')
          .send(body as object),
        status,
        code,
      );
      if (label) assert.match(String(p.detail), new RegExp(label));
    }
    const ndjson = ['{"text":"a","label":"x"}', '{"text":"b","label":"x"}', '{"text":"c",'].join('\n');
    const line = assertProblem(
      await request(api).post('/train').set('Content-Type', 'application/x-ndjson').send(ndjson),
      400,
      'INVALID_JSON',
    );
    assert.equal(line.line, 3);
    assert.deepEqual(await stored(), [], 'nothing stored or queued');
    // The same data made valid is accepted: the rejections above were about the data, not the route.
    assert.equal((await request(api).post('/train').send({ articles: ARTICLES })).status, 202);
    assert.ok((await stored()).length > 0);
  });
});
