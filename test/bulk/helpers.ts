/** Shared pieces of the bulk classification tests: a trained model, bodies, reading results, Redis checks. */
import assert from 'node:assert/strict';
import request from 'supertest';
import type { createApp } from '../../src/api/index.js';
import type { Services } from '../../src/services/index.js';
import { syntheticArticles } from '../fixtures/synthetic.js';
import { waitFor } from '../helpers/services.js';

export type App = ReturnType<typeof createApp>;
export interface Line {
  id?: string;
  text: string;
}

/** Trains `model` through the API (a few seconds on cpu) and returns its version. */
export async function trainModel(app: App, model: string, body?: Record<string, unknown>): Promise<number> {
  const articles = syntheticArticles(20, 3);
  const res = await request(app)
    .post('/train')
    .send(body ?? { model, articles, options: { epochs: 4, seed: 1 } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const job = await waitFor(async () => {
    const j = (await request(app).get(`/jobs/${res.body.jobId}`)).body;
    return ['succeeded', 'failed'].includes(j.status) ? j : undefined;
  }, 120_000);
  assert.equal(job.status, 'succeeded', job.error);
  return job.version as number;
}

/** Copies `model`@`version` from one service prefix to another (a new version there). */
export async function copyVersion(
  from: Services,
  to: Services,
  model: string,
  version: number,
): Promise<number> {
  const { bytes, detail } = await from.registry.loadArtefact(model, version);
  const { model: _m, version: _v, createdAt: _c, isLatest: _l, checksum: _s, jobId: _j, ...meta } = detail;
  const out = await to.registry.publish(model, bytes, meta);
  assert.equal(out.status, 'published');
  return out.version as number;
}

/** `n` texts, every third without an id, ids `t<i>`. */
export function lines(n: number, seed = 5): Line[] {
  return syntheticArticles(Math.ceil(n / 3), seed)
    .slice(0, n)
    .map((a, i) => (i % 3 === 2 ? { text: a.text } : { id: `t${i}`, text: a.text }));
}

export const ndjson = (items: readonly unknown[]): string =>
  items.map((x) => JSON.stringify(x)).join('\n') + '\n';

/** POST /classify/jobs with an NDJSON body and the query. */
export function submit(app: App, body: string | Buffer, query = '', headers: Record<string, string> = {}) {
  const req = request(app).post(`/classify/jobs${query}`).set('Content-Type', 'application/x-ndjson');
  for (const [k, v] of Object.entries(headers)) req.set(k, v);
  return req.send(body);
}

/** Polls the job until it is terminal. */
export async function finished(
  app: App,
  jobId: string,
  timeoutMs = 60_000,
): Promise<Record<string, unknown>> {
  return waitFor(async () => {
    const j = (await request(app).get(`/classify/jobs/${jobId}`)).body as Record<string, unknown>;
    return ['succeeded', 'failed', 'cancelled'].includes(j.status as string) ? j : undefined;
  }, timeoutMs);
}

/** The results, parsed line by line. */
export async function results(app: App, jobId: string): Promise<Record<string, unknown>[]> {
  const res = await request(app)
    .get(`/classify/jobs/${jobId}/results`)
    .buffer(true)
    .parse((r, cb) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (text += d));
      r.on('end', () => cb(null, text));
    });
  assert.equal(res.status, 200, String(res.body));
  assert.match(res.headers['content-type'] ?? '', /^application\/x-ndjson/);
  return (res.body as string)
    .split('\n')
    .filter((l) => l)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** What `POST /classify` answers for the texts, one result per text. */
export async function classified(
  app: App,
  texts: string[],
  opts: Record<string, unknown>,
): Promise<unknown[]> {
  const res = await request(app)
    .post('/classify')
    .send({ texts, ...opts });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.results as unknown[];
}

/** Bulk keys under the prefix (records and chunks), and the holders of a version's pin set. */
export async function bulkKeys(s: Services): Promise<string[]> {
  return (await s.redis.keys(`${s.keys.prefix}:bulk:*`)).sort();
}
export async function pinHolders(s: Services, model: string, version: number): Promise<string[]> {
  return s.redis.zrange(s.keys.pins(model, version), 0, -1);
}

/** Checks the answers are those of `/classify`, in input order, each with its line's id. */
export async function assertAnswers(
  app: App,
  got: Record<string, unknown>[],
  input: Line[],
  opts: Record<string, unknown>,
): Promise<void> {
  assert.equal(got.length, input.length);
  const expected = await classified(
    app,
    input.map((l) => l.text),
    opts,
  );
  got.forEach((line, i) => {
    const { id, ...answer } = line;
    assert.equal(id, input[i]!.id, `line ${i + 1}: id`);
    assert.deepEqual(answer, expected[i], `line ${i + 1}: as /classify answers it`);
  });
}
