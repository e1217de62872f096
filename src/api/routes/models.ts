import type { PathOf, Schemas } from '../api-types.js';
import { toVersionDetail, toVersionSummary } from '../api-types.js';
import type { Handler } from '../context.js';

/** `GET /models` */
export const listModels: Handler = async (c) => {
  const models = await c.deps.registry.listModels();
  const body: Schemas['ModelList'] = {
    models: models.map((m) => ({
      model: m.model,
      latest: m.latest,
      versions: m.versions,
      ...(m.updatedAt ? { updatedAt: m.updatedAt } : {}),
    })),
  };
  c.res.json(body);
};

/** `GET /models/{model}/versions` */
export const listVersions: Handler = async (c) => {
  const { model } = c.input.path as PathOf<'listVersions'>;
  const versions = await c.deps.registry.listVersions(model);
  const body: Schemas['VersionList'] = { model, versions: versions.map(toVersionSummary) };
  c.res.json(body);
};

/** `GET /models/{model}/versions/{version}` */
export const getVersion: Handler = async (c) => {
  const { model, version } = c.input.path as PathOf<'getVersion'>;
  c.res.json(toVersionDetail(await c.deps.registry.getVersion(model, version)));
};

/** `PUT /models/{model}/alias/latest` */
export const setLatest: Handler = async (c) => {
  const { model } = c.input.path as PathOf<'setLatest'>;
  const { version } = c.input.body as Schemas['SetLatestRequest'];
  const summary = await c.deps.registry.setLatest(model, version);
  c.log.info({ model, version }, 'latest moved');
  c.res.json(toVersionSummary(summary));
};

/** `DELETE /models/{model}/versions/{version}` */
export const deleteVersion: Handler = async (c) => {
  const { model, version } = c.input.path as PathOf<'deleteVersion'>;
  await c.deps.registry.deleteVersion(model, version);
  c.log.info({ model, version }, 'version deleted');
  c.res.status(204).end();
};
