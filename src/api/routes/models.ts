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
      ...(m.canary ? { canary: { version: m.canary.version, percent: m.canary.percent } } : {}),
      ...(m.shadow !== undefined ? { shadow: m.shadow } : {}),
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

/** `PUT /models/{model}/alias/latest`: `latest` with an optional canary and shadow (absent: cleared). */
export const setLatest: Handler = async (c) => {
  const { model } = c.input.path as PathOf<'setLatest'>;
  const { version, canary, shadow } = c.input.body as Schemas['SetLatestRequest'];
  const routes = { ...(canary ? { canary } : {}), ...(shadow !== undefined ? { shadow } : {}) };
  const alias = await c.deps.registry.setLatest(model, version, routes);
  c.log.info({ model, version, canary, shadow }, 'latest moved');
  const body: Schemas['LatestAlias'] = toVersionSummary(alias);
  if (alias.canary) body.canary = { version: alias.canary.version, percent: alias.canary.percent };
  if (alias.shadow !== undefined) body.shadow = alias.shadow;
  c.res.json(body);
};

/** `GET /models/{model}/shadow` */
export const getShadow: Handler = async (c) => {
  const { model } = c.input.path as PathOf<'getShadow'>;
  const r = await c.deps.registry.shadowReport(model);
  const body: Schemas['ShadowReport'] = {
    model: r.model,
    version: r.version,
    since: r.since,
    requests: r.requests,
    skipped: r.skipped,
    agreement: r.agreement,
    labels: { served: r.labels.served, shadow: r.labels.shadow },
  };
  c.res.json(body);
};

/** `DELETE /models/{model}/versions/{version}` */
export const deleteVersion: Handler = async (c) => {
  const { model, version } = c.input.path as PathOf<'deleteVersion'>;
  await c.deps.registry.deleteVersion(model, version);
  c.deps.classifier.forget?.(model, version);
  c.log.info({ model, version }, 'version deleted');
  c.res.status(204).end();
};
