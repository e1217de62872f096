import type { Redis } from 'ioredis';
import { sha256HexAsync } from '../common/index.js';
import type { ModelRegistryReader, ModelSummary, VersionDetail, VersionSummary } from '../contract/index.js';
import { AppError } from '../errors/index.js';
import { isOutOfMemory, redisCommand, refusedForMemory, type Keys } from '../redis/index.js';
import { DELETE_VERSION, PUBLISH, SET_LATEST } from './commands.js';

/** What the worker knows about a trained model besides the artefact bytes. */
export type VersionMeta = Omit<
  VersionDetail,
  'model' | 'version' | 'createdAt' | 'isLatest' | 'checksum' | 'jobId'
>;

/** Pub/sub message on `keys.modelChannel` after every registry change. */
export interface ModelEvent {
  event: 'published' | 'latest' | 'deleted';
  model: string;
  version: number;
  latest?: number;
}

/** Outcome of `publish`. */
export type PublishOutcome =
  { status: 'published' | 'already-published'; version: number } | { status: 'cancelled' };

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

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly keepVersions: number,
  ) {
    this.publishCmd = redisCommand<[number, number]>(redis, PUBLISH);
    this.setLatestCmd = redisCommand<number>(redis, SET_LATEST);
    this.deleteVersionCmd = redisCommand<number>(redis, DELETE_VERSION);
  }

  /** All models with their `latest` version, newest change first. */
  async listModels(): Promise<ModelSummary[]> {
    const names = (await this.redis.smembers(this.keys.models)).sort();
    if (names.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const m of names) pipe.hmget(this.keys.model(m), 'latest', 'updatedAt').zcard(this.keys.versions(m));
    const res = (await pipe.exec()) ?? [];
    const out: ModelSummary[] = names.map((model, i) => {
      const [latest, updatedAt] = (res[2 * i]?.[1] ?? []) as (string | null)[];
      const summary: ModelSummary = {
        model,
        latest: latest ? Number(latest) : null,
        versions: Number(res[2 * i + 1]?.[1] ?? 0),
      };
      if (updatedAt) summary.updatedAt = updatedAt;
      return summary;
    });
    return out.sort((a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? ''));
  }

  /** The version `latest` points to, or undefined when the model has none. */
  async getLatest(model: string): Promise<number | undefined> {
    const v = await this.redis.hget(this.keys.model(model), 'latest');
    return v ? Number(v) : undefined;
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

  /** Points `latest` at `version` (roll back or forward); subscribers swap to it. */
  async setLatest(model: string, version: number): Promise<VersionSummary> {
    const k = this.keys;
    const r = await this.setLatestCmd(
      k.model(model),
      k.versions(model),
      k.modelChannel,
      model,
      String(version),
      new Date().toISOString(),
    );
    this.checkCode(r, model, version);
    return toSummary(await this.getVersion(model, version));
  }

  /**
   * Deletes a version that `latest` does not point to and no in-flight request pins.
   * AppError VERSION_IN_USE otherwise.
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
    this.checkCode(r, model, version);
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

  /** Deletes the oldest versions beyond `keepVersions`; never `latest`, nor a pinned version. */
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
    const bytes = await this.redis.getBuffer(this.keys.artefact(model, version));
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

  private checkCode(code: number, model: string, version: number): void {
    if (code === -1)
      throw new AppError('MODEL_NOT_FOUND', `no model "${model}": train one first (POST /train)`, { model });
    if (code === -2)
      throw new AppError('VERSION_NOT_FOUND', `model "${model}" has no version ${version}`, {
        model,
        version,
      });
    if (code === -3) {
      throw new AppError('VERSION_IN_USE', `version ${version} of "${model}" is latest; move latest first`, {
        model,
        version,
      });
    }
    if (code === -4) {
      throw new AppError(
        'VERSION_IN_USE',
        `version ${version} of "${model}" is in use by an in-flight request; try again shortly`,
        { model, version },
      );
    }
  }
}

function toDetail(
  model: string,
  version: number,
  rec: Record<string, string>,
  latest: number | undefined,
): VersionDetail {
  const meta = JSON.parse(rec.meta ?? '{}') as VersionMeta;
  const detail: VersionDetail = {
    ...meta,
    model,
    version,
    createdAt: rec.createdAt ?? '',
    checksum: rec.checksum ?? '',
    isLatest: latest === version,
  };
  if (rec.jobId) detail.jobId = rec.jobId;
  return detail;
}

function toSummary(d: VersionDetail): VersionSummary {
  const s: VersionSummary = {
    model: d.model,
    version: d.version,
    createdAt: d.createdAt,
    labels: d.labels,
    isLatest: d.isLatest,
  };
  if (d.accuracy !== undefined) s.accuracy = d.accuracy;
  if (d.macroF1 !== undefined) s.macroF1 = d.macroF1;
  if (d.multiLabel !== undefined) s.multiLabel = d.multiLabel;
  return s;
}
