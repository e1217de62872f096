import type { Classifier, ClassifyOptions, ClassifyResponse, ClassifyResult } from '../contract/index.js';

type Explanation = NonNullable<ClassifyResult['explanation']>;
import { AppError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import type { Metrics } from '../metrics/index.js';
import type { Keys, PubSubHub } from '../redis/index.js';
import type { ModelEvent, ModelRegistry, VersionPins } from '../registry/index.js';
import { Lru } from './lru.js';

type Score = { label: string; probability: number };
type Predictions = { label: string; scores: Score[]; labels?: Score[]; explanation?: Explanation }[];

/**
 * What serving needs from a trained classifier: `TextClassifier` (in this thread) and `RemoteModel`
 * (in inference threads) satisfy it. `dispose` must not cut short a prediction already asked for.
 */
export interface ServableModel {
  readonly labels: readonly string[];
  /** A multi-label model answers `labels` (those at or above their threshold, or `threshold`); absent: false. */
  readonly multiLabel?: boolean;
  predict(
    texts: readonly string[],
    topK?: number,
    threshold?: number,
    explain?: number,
  ): Predictions | Promise<Predictions>;
  dispose(): void;
}

/** One answer: below the cut-off a single label abstains (null), the scores still given. */
function toResult(p: Predictions[number], cutOff: number, multiLabel: boolean): ClassifyResult {
  const abstain = (p.scores[0]?.probability ?? 0) < cutOff;
  return {
    label: abstain ? null : p.label,
    ...(abstain ? { abstained: true } : {}),
    ...(multiLabel ? { multiLabel: true as const, labels: p.labels ?? [] } : {}),
    ...(p.explanation ? { explanation: p.explanation } : {}),
    scores: p.scores,
  };
}

/** Turns artefact bytes into a model (`deserializeArtefact` in production). */
export type ArtefactLoader = (bytes: Uint8Array) => ServableModel | Promise<ServableModel>;

interface Loaded {
  version: number;
  model: ServableModel;
  /** The version's own cut-off (training option `minProbability`): below it an answer abstains. */
  minProbability: number;
}

/** Tuning for the serving cache. */
export interface ModelServerOptions {
  /** Pinned (non-latest) versions kept loaded. */
  pinnedCacheSize: number;
  /** Safety-net poll of `latest` for every held model; 0 disables. */
  pollMs: number;
  /** Load every model's latest at start and on every publish, not only models already served. */
  eager: boolean;
  /** Where classifications, loads and swaps are counted. */
  metrics?: Metrics;
}

/**
 * Serving with hot reload. Holds the loaded `latest` model per name; learns of new versions via
 * Redis pub/sub (re-checking after a reconnect and on a slow poll), loads and warms a new version
 * beside the old one and swaps only when it is ready, so no request waits on or fails by a reload.
 * Pinned versions load on demand into a bounded LRU whose evictions are disposed.
 */
export class ModelServer implements Classifier {
  private readonly latest = new Map<string, Loaded>();
  private readonly pinned: Lru<string, Loaded>;
  /** Loads in progress by `model@version`, shared by everyone who needs that version. */
  private readonly loading = new Map<string, Promise<Loaded>>();
  private readonly firstLoads = new Map<string, Promise<void>>();
  private readonly refreshing = new Map<string, { run: Promise<void>; again: boolean }>();
  private offs: (() => unknown)[] = [];
  private pollTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: ModelRegistry,
    private readonly hub: PubSubHub,
    private readonly keys: Keys,
    private readonly load: ArtefactLoader,
    private readonly opts: ModelServerOptions,
    private readonly log?: Logger,
    /** Pins a version in Redis while it is being read, so retention cannot delete it under us. */
    private readonly pins?: VersionPins,
  ) {
    this.pinned = new Lru(opts.pinnedCacheSize, (_k, v) => v.model.dispose());
  }

  /** Subscribes to registry events and (when eager) loads every model's latest. */
  async start(): Promise<void> {
    this.offs.push(
      await this.hub.on(this.keys.modelChannel, (msg) => this.onEvent(JSON.parse(msg) as ModelEvent)),
    );
    this.offs.push(this.hub.onReconnect(() => void this.refreshAll()));
    if (this.opts.pollMs > 0) {
      this.pollTimer = setInterval(() => void this.refreshAll(), this.opts.pollMs);
      this.pollTimer.unref();
    }
    if (this.opts.eager) {
      const models = await this.registry.listModels().catch(() => []);
      await Promise.all(models.map((m) => this.refresh(m.model)));
    }
  }

  async classify(model: string, texts: string[], opts: ClassifyOptions): Promise<ClassifyResponse> {
    let loaded: Loaded | undefined;
    if (opts.version !== undefined) {
      const cur = this.latest.get(model);
      loaded = cur?.version === opts.version ? cur : await this.getPinned(model, opts.version);
    } else {
      loaded = this.latest.get(model) ?? (await this.firstLoad(model));
    }
    const multiLabel = loaded.model.multiLabel ?? false;
    if (opts.threshold !== undefined && !multiLabel) throw singleLabelThreshold(model, loaded.version);
    // Asked for in this turn, before any swap can dispose the model (which then waits for it).
    const predictions = await loaded.model.predict(texts, opts.topK, opts.threshold, opts.explain);
    this.opts.metrics?.classified(model, loaded.version, predictions);
    const cutOff = opts.minProbability ?? loaded.minProbability;
    const results = predictions.map((p) => toResult(p, cutOff, multiLabel));
    return { model, version: loaded.version, results };
  }

  /** The version served as latest for `model` in this process, if loaded. */
  servedVersion(model: string): number | undefined {
    return this.latest.get(model)?.version;
  }

  /** Re-reads `latest` of every held model (after a reconnect, and on the poll). */
  async refreshAll(): Promise<void> {
    await Promise.all([...this.latest.keys()].map((m) => this.refresh(m)));
  }

  /** Brings `model` in line with the registry's `latest`; concurrent calls coalesce. */
  refresh(model: string): Promise<void> {
    const cur = this.refreshing.get(model);
    if (cur) {
      cur.again = true;
      return cur.run;
    }
    const entry = { run: Promise.resolve(), again: false };
    entry.run = (async () => {
      do {
        entry.again = false;
        try {
          await this.refreshOnce(model);
        } catch (err) {
          this.log?.error(
            { err, model },
            'could not load the latest model version; still serving the previous one',
          );
        }
      } while (entry.again);
      this.refreshing.delete(model);
    })();
    this.refreshing.set(model, entry);
    return entry.run;
  }

  /** Stops listening and disposes every loaded model. */
  async close(): Promise<void> {
    clearInterval(this.pollTimer);
    await Promise.all(this.offs.map((off) => off()));
    this.offs = [];
    await Promise.all([...this.refreshing.values()].map((r) => r.run));
    for (const l of this.latest.values()) l.model.dispose();
    this.latest.clear();
    this.pinned.clear();
  }

  private onEvent(e: ModelEvent): void {
    if (e.event === 'deleted') this.pinned.delete(pinKey(e.model, e.version));
    if (this.opts.eager || this.latest.has(e.model)) void this.refresh(e.model);
  }

  private async firstLoad(model: string): Promise<Loaded> {
    // Requests arriving together before a model is held share one load (and its error).
    let shared = this.firstLoads.get(model);
    if (!shared) {
      shared = (async () => {
        const cur = this.refreshing.get(model);
        if (cur) await cur.run;
        if (!this.latest.has(model)) await this.refreshOnce(model);
      })();
      this.firstLoads.set(model, shared);
      shared.finally(() => this.firstLoads.delete(model)).catch(() => undefined);
    }
    await shared;
    const loaded = this.latest.get(model);
    if (!loaded)
      throw new AppError('MODEL_NOT_FOUND', `no trained model "${model}": train one first (POST /train)`, {
        model,
      });
    return loaded;
  }

  private async refreshOnce(model: string): Promise<void> {
    const started = performance.now();
    const version = await this.registry.getLatest(model);
    if (version === undefined || this.latest.get(model)?.version === version) return;
    const key = pinKey(model, version);
    const next = this.pinned.take(key) ?? (await this.loadShared(model, version));
    // Re-read after the wait: a first request's load may have installed this version meanwhile.
    const cur = this.latest.get(model);
    if (cur?.version === version) {
      if (cur !== next) this.pinned.set(key, next); // one owner each, so each is disposed once
      return;
    }
    this.pinned.take(key); // a pinned request may have cached it while it loaded
    this.latest.set(model, next);
    this.opts.metrics?.served(model, version);
    this.opts.metrics?.modelSwapped(model, (performance.now() - started) / 1000);
    this.log?.info({ model, version, previous: cur?.version }, 'serving new model version');
    // The old version stays loaded as a pinned entry: cheap rollback and pinned requests.
    if (cur) this.pinned.set(pinKey(model, cur.version), cur);
  }

  private async getPinned(model: string, version: number): Promise<Loaded> {
    const key = pinKey(model, version);
    const hit = this.pinned.get(key);
    if (hit) return hit;
    const loaded = await this.loadShared(model, version);
    // Cached unless it became latest meanwhile (one owner each, so it is disposed once).
    if (this.latest.get(model) !== loaded) this.pinned.set(key, loaded);
    return loaded;
  }

  /** {@link loadVersion}, with concurrent calls for one version sharing the load. */
  private loadShared(model: string, version: number): Promise<Loaded> {
    const key = pinKey(model, version);
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.loadVersion(model, version);
      this.loading.set(key, pending);
      pending.finally(() => this.loading.delete(key)).catch(() => undefined);
    }
    return pending;
  }

  /** Loads, checksum-verifies and warms one version (the first prediction compiles kernels). */
  private async loadVersion(model: string, version: number): Promise<Loaded> {
    const started = performance.now();
    try {
      const loaded = await this.readAndWarm(model, version);
      this.opts.metrics?.modelLoaded('ok', (performance.now() - started) / 1000);
      return loaded;
    } catch (err) {
      this.opts.metrics?.modelLoaded('error', (performance.now() - started) / 1000);
      throw err;
    }
  }

  private async readAndWarm(model: string, version: number): Promise<Loaded> {
    let minProbability = 0;
    const read = async () => {
      const { bytes, detail } = await this.registry.loadArtefact(model, version);
      minProbability = Number(detail.options.minProbability ?? 0);
      return this.load(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    };
    const m = await (this.pins ? this.pins.hold(model, version, read) : read());
    try {
      await m.predict(['warm up'], 1);
    } catch (err) {
      m.dispose();
      throw err;
    }
    return { version, model: m, minProbability };
  }
}

function singleLabelThreshold(model: string, version: number): AppError {
  const message = `model "${model}" version ${version} is single-label: it takes no threshold (use minProbability)`;
  return new AppError('INVALID_REQUEST', `/body/threshold ${message}`, {
    errors: [{ path: '/body/threshold', message }],
  });
}

function pinKey(model: string, version: number): string {
  return `${model}@${version}`;
}
