import type { Redis } from 'ioredis';
import { sha256HexAsync } from '../common/index.js';
import type {
  AliasRoutes,
  LatestAlias,
  ModelRegistryReader,
  ModelSummary,
  ShadowReport,
  VersionDetail,
  VersionSummary,
} from '../contract/index.js';
import { AppError } from '../errors/index.js';
import { getLargeBuffer, isOutOfMemory, redisCommand, refusedForMemory, type Keys } from '../redis/index.js';
import { DELETE_VERSION, PUBLISH, SET_LATEST, SHADOW_RECORD } from './commands.js';
import {
  checkRoutes,
  countArgs,
  SETUP_FIELDS,
  toSetup,
  toShadowReport,
  type ServingSetup,
  type ShadowCounts,
} from './setup.js';
import {
  checkScriptCode,
  routeMissing,
  toDetail,
  toSummary,
  type PublishOutcome,
  type VersionMeta,
} from './records.js';

const STAGING_TTL_S = 24 * 3600;

/**
 * The versioned model registry in Redis. Versions count up per model (never reused), are immutable,
 * and are published atomically by a Lua script: the artefact is staged and checksummed first, then
 * the version record is written and `latest` moves in one step, then subscribers are told.
 */
export class ModelRegistry implements ModelRegistryReader {
  private readonly publishCmd;
  private readonly setLatestCmd;
  private readonly deleteVersionCmd;
  private readonly shadowRecordCmd;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly keepVersions: number,
  ) {
    this.publishCmd = redisCommand<[number, number]>(redis, PUBLISH);
    this.setLatestCmd = redisCommand<number>(redis, SET_LATEST);
    this.deleteVersionCmd = redisCommand<number>(redis, DELETE_VERSION);
    this.shadowRecordCmd = redisCommand<number>(redis, SHADOW_RECORD);
  }

  /** All models with their `latest` version, newest change first. */
  async listModels(): Promise<ModelSummary[]> {
    const names = (await this.redis.smembers(this.keys.models)).sort();
    if (names.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const m of names)
      pipe.hmget(this.keys.model(m), 'updatedAt', ...SETUP_FIELDS).zcard(this.keys.versions(m));
    const res = (await pipe.exec()) ?? [];
    const out: ModelSummary[] = names.map((model, i) => {
      const [updatedAt, ...fields] = (res[2 * i]?.[1] ?? []) as (string | null)[];
      const setup = toSetup(fields);
      const summary: ModelSummary = {
        model,
        latest: setup?.latest ?? null,
        versions: Number(res[2 * i + 1]?.[1] ?? 0),
      };
      if (updatedAt) summary.updatedAt = updatedAt;
      if (setup?.canary) summary.canary = setup.canary;
      if (setup?.shadow) summary.shadow = setup.shadow.version;
      return summary;
    });
    return out.sort((a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? ''));
  }

  /** The version `latest` points to, or undefined when the model has none. */
  async getLatest(model: string): Promise<number | undefined> {
    const v = await this.redis.hget(this.keys.model(model), 'latest');
    return v ? Number(v) : undefined;
  }

  /** `latest` with the canary and the shadow beside it, or undefined when the model has no `latest`. */
  async getSetup(model: string): Promise<ServingSetup | undefined> {
    return toSetup(await this.redis.hmget(this.keys.model(model), ...SETUP_FIELDS));
  }

  /** Versions of `model`, newest first. AppError MODEL_NOT_FOUND. */
  async listVersions(model: string): Promise<VersionSummary[]> {
    const latest = await this.requireModel(model);
    const versions = (await this.redis.zrevrange(this.keys.versions(model), 0, -1)).map(Number);
    const pipe = this.redis.pipeline();
    for (const v of versions) pipe.hgetall(this.keys.version(model, v));
    const res = (await pipe.exec()) ?? [];
    return versions.flatMap((v, i) => {
      const rec = res[i]?.[1] as Record<string, string> | undefined;
      return rec?.meta ? [toSummary(toDetail(model, v, rec, latest))] : [];
    });
  }

  /** Full record of one version. AppError MODEL_NOT_FOUND | VERSION_NOT_FOUND. */
  async getVersion(model: string, version: number): Promise<VersionDetail> {
    const [latest, rec] = await Promise.all([
      this.requireModel(model),
      this.redis.hgetall(this.keys.version(model, version)),
    ]);
    if (!rec.meta)
      throw new AppError('VERSION_NOT_FOUND', `model "${model}" has no version ${version}`, {
        model,
        version,
      });
    return toDetail(model, version, rec, latest);
  }

  /**
   * Points `latest` at `version` (roll back or forward) with the canary and the shadow of `routes`
   * (absent: cleared), in one step; subscribers swap to the new setup. A shadow starts a fresh report.
   */
  async setLatest(model: string, version: number, routes: AliasRoutes = {}): Promise<LatestAlias> {
    checkRoutes(version, routes);
    const k = this.keys;
    const { canary, shadow } = routes;
    const r = await this.setLatestCmd(
      k.model(model),
      k.versions(model),
      k.modelChannel,
      k.shadowReport(model),
      model,
      String(version),
      new Date().toISOString(),
      canary ? String(canary.version) : '',
      canary ? String(canary.percent) : '',
      shadow !== undefined ? String(shadow) : '',
    );
    if (r === -7) throw routeMissing(model, canary?.version ?? 0, 'canary.version');
    if (r === -8) throw routeMissing(model, shadow ?? 0, 'shadow');
    checkScriptCode(r, model, version);
    const alias: LatestAlias = toSummary(await this.getVersion(model, version));
    if (canary) alias.canary = { version: canary.version, percent: canary.percent };
    if (shadow !== undefined) alias.shadow = shadow;
    return alias;
  }

  /** What the shadow scored since it was set, from every API process. MODEL_NOT_FOUND | SHADOW_NOT_FOUND. */
  async shadowReport(model: string): Promise<ShadowReport> {
    const res = (await this.redis
      .multi()
      .hgetall(this.keys.model(model))
      .hgetall(this.keys.shadowReport(model))
      .exec()) as [Error | null, Record<string, string>][] | null;
    const [rec, report] = [res?.[0]?.[1] ?? {}, res?.[1]?.[1] ?? {}];
    if (!rec.seq)
      throw new AppError('MODEL_NOT_FOUND', `no model "${model}": train one first (POST /train)`, { model });
    if (!rec.shadow || report.run !== rec.shadowRun)
      throw new AppError(
        'SHADOW_NOT_FOUND',
        `model "${model}" has no shadow version: set one with PUT /models/${model}/alias/latest`,
        { model },
      );
    return toShadowReport(model, report);
  }

  /** Adds one process's shadow counts to the report; false when the shadow's run is over (dropped). */
  async recordShadow(model: string, counts: ShadowCounts): Promise<boolean> {
    return (await this.shadowRecordCmd(this.keys.shadowReport(model), ...countArgs(counts))) === 1;
  }

  /**
   * Deletes a version that neither `latest`, the canary nor the shadow points to and no in-flight
   * request pins. AppError VERSION_IN_USE otherwise.
   */
  async deleteVersion(model: string, version: number): Promise<void> {
    const k = this.keys;
    const r = await this.deleteVersionCmd(
      k.model(model),
      k.versions(model),
      k.version(model, version),
      k.artefact(model, version),
      k.modelChannel,
      k.pins(model, version),
      model,
      String(version),
    );
    checkScriptCode(r, model, version);
  }

  /**
   * Publishes a trained model. With `jobId` the publish is refused when that job was cancelled and
   * is idempotent per job (a retried job never publishes twice). Applies retention afterwards.
   */
  async publish(
    model: string,
    artefact: Uint8Array,
    meta: VersionMeta,
    jobId?: string,
  ): Promise<PublishOutcome> {
    const k = this.keys;
    const checksum = await sha256HexAsync(artefact);
    const staging = k.staging(jobId ?? `anon-${checksum}-${Date.now()}`);
    await this.redis
      .set(
        staging,
        Buffer.from(artefact.buffer, artefact.byteOffset, artefact.byteLength),
        'EX',
        STAGING_TTL_S,
      )
      .catch((err: unknown) => {
        throw isOutOfMemory(err) ? refusedForMemory('the trained version', artefact.byteLength) : err;
      });
    const [code, version] = await this.publishStaged(
      k.model(model),
      k.versions(model),
      k.models,
      staging,
      jobId ? k.job(jobId) : `${k.prefix}:nojob`,
      k.modelChannel,
      model,
      k.prefix,
      jobId ?? '',
      JSON.stringify(meta),
      checksum,
      new Date().toISOString(),
    );
    if (code === 0) return { status: 'cancelled' };
    if (code === -1) throw new Error('staged artefact vanished before publish');
    await this.applyRetention(model);
    return { status: code === 2 ? 'published' : 'already-published', version };
  }

  /** Runs the publish script; when Redis refuses it for memory, drops the staged copy and says why. */
  private async publishStaged(...args: string[]): Promise<[number, number]> {
    try {
      return await this.publishCmd(...args);
    } catch (err) {
      if (!isOutOfMemory(err)) throw err;
      const staged = args[3]!;
      const bytes = (await this.redis.strlen(staged).catch(() => 0)) as number;
      await this.redis.del(staged).catch(() => undefined);
      throw refusedForMemory('the trained version', bytes);
    }
  }

  /**
   * Deletes the oldest versions beyond `keepVersions`; never `latest`, the canary, the shadow, nor a
   * pinned version.
   */
  async applyRetention(model: string): Promise<number[]> {
    const all = (await this.redis.zrange(this.keys.versions(model), 0, -1)).map(Number);
    const deleted: number[] = [];
    for (const v of all.slice(0, Math.max(0, all.length - this.keepVersions))) {
      try {
        await this.deleteVersion(model, v);
        deleted.push(v);
      } catch (err) {
        if (!(err instanceof AppError)) throw err; // VERSION_IN_USE / already gone: keep going
      }
    }
    return deleted;
  }

  /** Artefact bytes of a version, verified against the checksum recorded at publish. */
  async loadArtefact(model: string, version: number): Promise<{ bytes: Buffer; detail: VersionDetail }> {
    const detail = await this.getVersion(model, version);
    const bytes = await getLargeBuffer(this.redis, this.keys.artefact(model, version));
    if (!bytes)
      throw new AppError('VERSION_NOT_FOUND', `model "${model}" version ${version} has no artefact`, {
        model,
        version,
      });
    const actual = await sha256HexAsync(bytes);
    if (actual !== detail.checksum) {
      throw new AppError(
        'ARTEFACT_CORRUPT',
        `artefact of "${model}" version ${version} does not match its checksum`,
        {
          model,
          version,
        },
      );
    }
    return { bytes, detail };
  }

  private async requireModel(model: string): Promise<number | undefined> {
    const rec = await this.redis.hgetall(this.keys.model(model));
    if (!rec.seq)
      throw new AppError('MODEL_NOT_FOUND', `no model "${model}": train one first (POST /train)`, { model });
    return rec.latest ? Number(rec.latest) : undefined;
  }
}
