import type { Classifier, ClassifyOptions, ClassifyResponse } from '../contract/index.js';
import { AppError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import type { Keys, PubSubHub } from '../redis/index.js';
import type { ModelEvent, ModelRegistry, ServingSetup, VersionPins } from '../registry/index.js';
import { Lru } from './lru.js';
import { toCanary } from './routing.js';
import { pinKey, singleLabelThreshold, toResult, type ArtefactLoader, type Loaded } from './servable.js';
import { VersionLoader } from './version-loader.js';
import { heldMemory, keepWithinBudget, loadWhileTheyFit } from './budget.js';
import { markUsed, members, memoryOf, setupKey, type Setup } from './setup.js';
import type { ModelServerOptions } from './options.js';
import { DEFAULT_SHADOW_OPTIONS, ShadowScorer } from './shadow.js';

/**
 * Serving with hot reload. Holds each model's loaded setup (`latest`, and its canary and shadow);
 * learns of changes via Redis pub/sub (re-checking after a reconnect and on a slow poll), loads and
 * warms the new versions beside the old ones and swaps only when all are ready, so no request waits
 * on or fails by a reload. Pinned versions load on demand into a bounded LRU whose evictions are
 * disposed. Every Loaded has one owner (a setup or the LRU), so each is disposed once.
 */
export class ModelServer implements Classifier {
  private readonly setups = new Map<string, Setup>();
  private readonly pinned: Lru<string, Loaded>;
  private readonly loader: VersionLoader;
  private readonly firstLoads = new Map<string, Promise<void>>();
  private readonly refreshing = new Map<string, { run: Promise<void>; again: boolean }>();
  private readonly shadows: ShadowScorer;
  private offs: (() => unknown)[] = [];
  private pollTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: ModelRegistry,
    private readonly hub: PubSubHub,
    private readonly keys: Keys,
    load: ArtefactLoader,
    private readonly opts: ModelServerOptions,
    private readonly log?: Logger,
    /** Pins a version in Redis while it is being read, so retention cannot delete it under us. */
    pins?: VersionPins,
  ) {
    this.pinned = new Lru(opts.pinnedCacheSize, (_k, v) => v.model.dispose());
    this.loader = new VersionLoader(registry, load, opts.metrics, pins);
    this.shadows = new ShadowScorer(registry, { ...DEFAULT_SHADOW_OPTIONS, ...opts.shadow }, log);
  }

  /** Subscribes to registry events and (when eager) loads every model's latest. */
  async start(): Promise<void> {
    this.offs.push(
      await this.hub.on(this.keys.modelChannel, (msg) => this.onEvent(JSON.parse(msg) as ModelEvent)),
    );
    this.offs.push(this.hub.onReconnect(() => void this.refreshAll()));
    if (this.opts.pollMs > 0) {
      this.pollTimer = setInterval(() => void this.refreshAll(), this.opts.pollMs).unref();
    }
    if (this.opts.eager) await this.loadEagerly();
  }

  /** Every model's latest, loaded at start (one at a time while they fit, under a budget). */
  private async loadEagerly(): Promise<void> {
    const models = (await this.registry.listModels().catch(() => [])).map((m) => m.model);
    const held = () => this.setups.size;
    await loadWhileTheyFit(models, this.opts, (m) => this.refresh(m), held);
  }

  async classify(model: string, texts: string[], opts: ClassifyOptions): Promise<ClassifyResponse> {
    let loaded: Loaded;
    let setup: Setup | undefined;
    if (opts.version !== undefined) {
      loaded = this.held(model, opts.version) ?? (await this.getPinned(model, opts.version));
    } else {
      setup = this.setups.get(model) ?? (await this.firstLoad(model));
      markUsed(this.setups, model, setup);
      const toCanaryVersion = setup.canary && toCanary(model, setup.canary.percent, opts.routingKey);
      loaded = toCanaryVersion && setup.canary ? setup.canary.loaded : setup.latest;
    }
    const multiLabel = loaded.model.multiLabel ?? false;
    if (opts.threshold !== undefined && !multiLabel) throw singleLabelThreshold(model, loaded.version);
    // Asked for in this turn, before any swap can dispose the model (which then waits for it).
    const predictions = await loaded.model.predict(texts, opts.topK, opts.threshold, opts.explain);
    this.opts.metrics?.classified(model, loaded.version, predictions);
    // Requests through the alias only: a pinned version is not what the shadow is compared with.
    const shadow = setup?.shadow;
    if (shadow) {
      const served = predictions.map((p) => p.label);
      this.shadows.offer(model, shadow.run, shadow.loaded.model, texts, served);
    }
    const cutOff = opts.minProbability ?? loaded.minProbability;
    const results = predictions.map((p) => toResult(p, cutOff, multiLabel));
    return { model, version: loaded.version, results };
  }

  /** The version served as latest for `model` in this process, if loaded. */
  servedVersion(model: string): number | undefined {
    return this.setups.get(model)?.latest.version;
  }

  /** The setup served for `model` in this process (versions only), if loaded. */
  servedSetup(
    model: string,
  ): { latest: number; canary?: number; percent?: number; shadow?: number } | undefined {
    const s = this.setups.get(model);
    if (!s) return undefined;
    return {
      latest: s.latest.version,
      ...(s.canary ? { canary: s.canary.loaded.version, percent: s.canary.percent } : {}),
      ...(s.shadow ? { shadow: s.shadow.loaded.version } : {}),
    };
  }

  /** Texts waiting for a shadow in this process (bounded by the `shadow` options). */
  shadowTextsInFlight(): number {
    return this.shadows.textsInFlight;
  }

  /** Sends this process's shadow counts to the report now (they also go every `flushMs`). */
  flushShadows(): Promise<void> {
    return this.shadows.flush();
  }

  /** Re-reads the setup of every held model (after a reconnect, and on the poll). */
  async refreshAll(): Promise<void> {
    await Promise.all([...this.setups.keys()].map((m) => this.refresh(m)));
  }

  /** Brings `model` in line with the registry's setup; concurrent calls coalesce. */
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
    await this.shadows.close();
    for (const s of this.setups.values()) for (const l of members(s)) l.model.dispose();
    this.setups.clear();
    this.pinned.clear();
  }

  /** Drops a deleted version (held for pinned requests) now; its pub/sub event does the same later. */
  forget(model: string, version: number): void {
    this.pinned.delete(pinKey(model, version));
  }

  private onEvent(e: ModelEvent): void {
    if (e.event === 'deleted') this.forget(e.model, e.version);
    if (this.opts.eager || this.setups.has(e.model)) void this.refresh(e.model);
  }

  /** The loaded version `version` of `model`'s setup, if it is one of them. */
  private held(model: string, version: number): Loaded | undefined {
    return members(this.setups.get(model)).find((l) => l.version === version);
  }

  private async firstLoad(model: string): Promise<Setup> {
    // Requests arriving together before a model is held share one load (and its error).
    let shared = this.firstLoads.get(model);
    if (!shared) {
      shared = (async () => {
        const cur = this.refreshing.get(model);
        if (cur) await cur.run;
        if (!this.setups.has(model)) await this.refreshOnce(model);
      })();
      this.firstLoads.set(model, shared);
      shared.finally(() => this.firstLoads.delete(model)).catch(() => undefined);
    }
    await shared;
    const setup = this.setups.get(model);
    if (!setup)
      throw new AppError('MODEL_NOT_FOUND', `no trained model "${model}": train one first (POST /train)`, {
        model,
      });
    return setup;
  }

  private async refreshOnce(model: string): Promise<void> {
    const started = performance.now();
    const want = await this.registry.getSetup(model);
    if (want === undefined || this.setups.get(model)?.key === setupKey(want)) return;
    // A model not held yet: room for it first, so the load does not peak past the budget.
    if (!this.setups.has(model))
      keepWithinBudget(this.setups, this.pinned, this.opts, { keep: model, incoming: true });
    const next = await this.loadSetup(model, want);
    const previous = this.setups.get(model);
    if (!this.install(model, next)) return;
    this.opts.metrics?.served(model, want.latest);
    this.opts.metrics?.modelSwapped(model, (performance.now() - started) / 1000);
    const { canary, shadow } = want;
    this.log?.info(
      { model, version: want.latest, previous: previous?.latest.version, canary, shadow: shadow?.version },
      'serving new model version',
    );
  }

  /**
   * Every version of `want`, loaded and warmed: those the current setup holds are shared, those in
   * the LRU are taken from it, the others loaded. When one fails, the others go to the LRU.
   */
  private async loadSetup(model: string, want: ServingSetup): Promise<Setup> {
    const cur = this.setups.get(model);
    const obtain = (version: number): Promise<Loaded> => {
      const have = members(cur).find((l) => l.version === version);
      if (have) return Promise.resolve(have);
      const cached = this.pinned.take(pinKey(model, version));
      return cached ? Promise.resolve(cached) : this.loader.loadShared(model, version);
    };
    const versions = [want.latest, want.canary?.version, want.shadow?.version];
    const got = await Promise.allSettled(versions.map((v) => (v === undefined ? undefined : obtain(v))));
    const failed = got.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    const [latest, canary, shadow] = got.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
    if (failed || !latest) {
      for (const l of [latest, canary, shadow]) if (l && !members(cur).includes(l)) this.keepPinned(model, l);
      throw failed?.reason ?? new Error(`no latest loaded for ${model}`);
    }
    return {
      key: setupKey(want),
      latest,
      ...(want.canary && canary ? { canary: { loaded: canary, percent: want.canary.percent } } : {}),
      ...(want.shadow && shadow ? { shadow: { loaded: shadow, run: want.shadow.run } } : {}),
    };
  }

  /**
   * Swaps `next` in (false when that very setup was installed meanwhile: its copies go to the LRU).
   * Versions of the old setup that `next` drops stay loaded in the LRU: cheap rollback, pinned requests.
   */
  private install(model: string, next: Setup): boolean {
    const cur = this.setups.get(model);
    const old = members(cur);
    if (cur?.key === next.key) {
      for (const l of members(next)) if (!old.includes(l)) this.keepPinned(model, l);
      return false;
    }
    const kept = members(next);
    for (const l of kept) {
      // A pinned request may have cached it (or another copy) while it loaded.
      const stray = this.pinned.take(pinKey(model, l.version));
      if (stray && stray !== l && !old.includes(stray)) stray.model.dispose();
    }
    for (const l of old) {
      if (kept.includes(l)) continue;
      if (kept.some((k) => k.version === l.version))
        l.model.dispose(); // superseded by another copy
      else this.pinned.set(pinKey(model, l.version), l);
    }
    this.setups.set(model, next);
    keepWithinBudget(this.setups, this.pinned, this.opts, { keep: model }, this.log);
    this.opts.metrics?.modelsHeld(this.setups.size, model, next.latest.bytes, memoryOf(members(next)));
    return true;
  }

  /** Estimated memory of every loaded version: the setups' and the pinned ones'. */
  heldMemoryBytes(): number {
    return heldMemory(this.setups, this.pinned);
  }

  /** Hands `loaded` to the LRU unless it already holds that very object. */
  private keepPinned(model: string, loaded: Loaded): void {
    const key = pinKey(model, loaded.version);
    if (this.pinned.get(key) !== loaded) this.pinned.set(key, loaded);
  }

  private async getPinned(model: string, version: number): Promise<Loaded> {
    const key = pinKey(model, version);
    const hit = this.pinned.get(key);
    if (hit) return hit;
    const loaded = await this.loader.loadShared(model, version);
    // Cached unless a setup took it meanwhile (one owner each, so it is disposed once).
    if (!members(this.setups.get(model)).includes(loaded)) {
      this.pinned.set(key, loaded);
      keepWithinBudget(this.setups, this.pinned, this.opts, { keep: model, spare: loaded }, this.log);
    }
    return loaded;
  }
}
