/** Loading one version for serving: read (pinned while read), checksum-verified, warmed. */
import type { Metrics } from '../metrics/index.js';
import type { ModelRegistry, VersionPins } from '../registry/index.js';
import { pinKey, type ArtefactLoader, type Loaded } from './servable.js';

/** Loads versions; concurrent requests for one version share its load. */
export class VersionLoader {
  /** Loads in progress by `model@version`, shared by everyone who needs that version. */
  private readonly loading = new Map<string, Promise<Loaded>>();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly load: ArtefactLoader,
    private readonly metrics?: Metrics,
    /** Pins a version in Redis while it is being read, so retention cannot delete it under us. */
    private readonly pins?: VersionPins,
  ) {}

  /** {@link loadVersion}, with concurrent calls for one version sharing the load. */
  loadShared(model: string, version: number): Promise<Loaded> {
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
      this.metrics?.modelLoaded('ok', (performance.now() - started) / 1000);
      return loaded;
    } catch (err) {
      this.metrics?.modelLoaded('error', (performance.now() - started) / 1000);
      throw err;
    }
  }

  private async readAndWarm(model: string, version: number): Promise<Loaded> {
    let minProbability = 0;
    let size = 0;
    const pinned = <T>(f: () => Promise<T>) => (this.pins ? this.pins.hold(model, version, f) : f());
    const reread = () => pinned(async () => view((await this.registry.loadArtefact(model, version)).bytes));
    const m = await pinned(async () => {
      const { bytes, detail } = await this.registry.loadArtefact(model, version);
      minProbability = Number(detail.options.minProbability ?? 0);
      size = bytes.byteLength;
      return this.load(view(bytes), reread);
    });
    try {
      await m.predict(['warm up'], 1);
    } catch (err) {
      m.dispose();
      throw err;
    }
    return { version, model: m, minProbability, bytes: size, memory: m.memoryBytes?.() ?? size };
  }
}

const view = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
