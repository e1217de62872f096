import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { assertProblem, assertSchema } from './schema-check.js';
import { makeApp } from './fakes.js';

function withVersions() {
  const made = makeApp();
  made.fakes.registry.publish('news', ['a', 'b']);
  made.fakes.registry.publish('news', ['a', 'b', 'c']);
  return made;
}

test('GET /models and /models/{model}/versions', async () => {
  const { app } = withVersions();
  const models = await request(app).get('/models');
  assert.equal(models.status, 200);
  assertSchema(models.body, 'ModelList');
  assert.deepEqual(models.body.models, [{ model: 'news', latest: 2, versions: 2 }]);
  const versions = await request(app).get('/models/news/versions');
  assertSchema(versions.body, 'VersionList');
  assert.deepEqual(
    versions.body.versions.map((v: { version: number; isLatest: boolean }) => [v.version, v.isLatest]),
    [
      [2, true],
      [1, false],
    ],
  );
  assertProblem(await request(app).get('/models/none/versions'), 404, 'MODEL_NOT_FOUND');
});

test('GET /models/{model}/versions/{version}: detail with evaluation, only documented fields', async () => {
  const { app } = withVersions();
  const res = await request(app).get('/models/news/versions/1');
  assert.equal(res.status, 200);
  assertSchema(res.body, 'VersionDetail');
  assert.equal(res.body.vocabularySize, 42);
  assert.equal(res.body.internalSecret, undefined);
  assertProblem(await request(app).get('/models/news/versions/3'), 404, 'VERSION_NOT_FOUND');
  assertProblem(await request(app).get('/models/news/versions/abc'), 400, 'INVALID_REQUEST');
  assertProblem(await request(app).get('/models/news/versions/0'), 400, 'INVALID_REQUEST');
  assertProblem(await request(app).get('/models/..%2Fetc/versions/1'), 400, 'INVALID_REQUEST');
});

test('PUT alias/latest rolls back; classification follows', async () => {
  const { app } = withVersions();
  const res = await request(app).put('/models/news/alias/latest').send({ version: 1 });
  assert.equal(res.status, 200);
  assertSchema(res.body, 'VersionSummary');
  assert.equal(res.body.isLatest, true);
  const c = await request(app).post('/classify').send({ model: 'news', text: 'x' });
  assert.equal(c.body.version, 1);
  assertProblem(
    await request(app).put('/models/news/alias/latest').send({ version: 7 }),
    404,
    'VERSION_NOT_FOUND',
  );
  assertProblem(
    await request(app).put('/models/news/alias/latest').send({ version: '1' }),
    400,
    'INVALID_REQUEST',
  );
  assertProblem(
    await request(app).put('/models/news/alias/latest').send({ version: 1, force: true }),
    400,
    'INVALID_REQUEST',
  );
});

test('DELETE a version: 204, but 409 VERSION_IN_USE for latest', async () => {
  const { app } = withVersions();
  assertProblem(await request(app).delete('/models/news/versions/2'), 409, 'VERSION_IN_USE');
  const res = await request(app).delete('/models/news/versions/1');
  assert.equal(res.status, 204);
  assertProblem(await request(app).delete('/models/news/versions/1'), 404, 'VERSION_NOT_FOUND');
});
