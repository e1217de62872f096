import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { httpSeries, modelSeries, servingSeries, trainingSeries } from './series.js';
import { BoundedValues } from './bounded.js';

/** Limits on label values, so that no input can grow the number of series without bound. */
export interface MetricsLimits {
  /** Distinct model names with series of their own; later ones report as `_other`. */
  models: number;
  /** Distinct predicted labels per model with series of their own; later ones report as `_other`. */
  labelsPerModel: number;
}

/** What a classification reports: its top label and probability, and its words outside the vocabulary. */
export interface ClassifiedText {
  label: string;
  scores: readonly { probability: number }[];
  /** Share of the text's words that are in no vocabulary term (absent when not measured). */
  unknownShare?: number;
}

/** One value of a sampled gauge. */
export interface Sample<L extends string> {
  labels: Partial<Record<L, string>>;
  value: number;
}

/**
 * The Prometheus series of one process (prom-client, on a registry of its own). Rooms record
 * through the methods; values that come from users (model names, labels) are bounded. Metrics
 * never carry article text or keys.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly models: BoundedValues;
  private readonly labels = new Map<string, BoundedValues>();
  private readonly s: ReturnType<typeof httpSeries> &
    ReturnType<typeof servingSeries> &
    ReturnType<typeof modelSeries> &
    ReturnType<typeof trainingSeries>;

  constructor(
    private readonly limits: MetricsLimits = { models: 100, labelsPerModel: 50 },
    opts: { defaults?: boolean } = {},
  ) {
    // The standard process_* and nodejs_* names, so stock dashboards work.
    if (opts.defaults ?? true) collectDefaultMetrics({ register: this.registry });
    this.models = new BoundedValues(limits.models);
    const registers = [this.registry];
    this.s = {
      ...httpSeries(registers),
      ...servingSeries(registers),
      ...modelSeries(registers),
      ...trainingSeries(registers),
    };
  }

  /** A model name as a label value: itself, or `_other` past the cap. */
  model(name: string): string {
    return this.models.value(name);
  }

  /** Records one answered HTTP request. */
  httpRequest(route: string, method: string, status: number, seconds: number): void {
    this.s.http.observe({ route, method, status: String(status) }, seconds);
  }

  /** Records the answers of one classify call. */
  classified(model: string, version: number, texts: readonly ClassifiedText[]): void {
    const m = this.model(model);
    const v = String(version);
    let labels = this.labels.get(m);
    if (!labels) this.labels.set(m, (labels = new BoundedValues(this.limits.labelsPerModel)));
    for (const t of texts) {
      this.s.classifications.inc({ model: m, version: v, label: labels.value(t.label) });
      const top = t.scores[0]?.probability;
      if (top !== undefined) this.s.topProbability.observe({ model: m, version: v }, top);
      if (t.unknownShare !== undefined) this.s.unknownShare.observe({ model: m, version: v }, t.unknownShare);
    }
  }

  /** The version now served as latest for `model`. */
  served(model: string, version: number): void {
    this.s.servedVersion.set({ model: this.model(model) }, version);
  }

  modelLoaded(outcome: 'ok' | 'error', seconds: number): void {
    this.s.modelLoad.observe({ outcome }, seconds);
  }

  modelSwapped(model: string, seconds: number): void {
    this.s.modelSwap.observe({ model: this.model(model) }, seconds);
  }

  /** How many models this process holds, and the artefact size of one it now serves. */
  modelsHeld(count: number, model?: string, bytes?: number, memory?: number): void {
    this.s.modelsHeld.set(count);
    if (model !== undefined && bytes !== undefined)
      this.s.modelBytes.set({ model: this.model(model) }, bytes);
    if (model !== undefined && memory !== undefined)
      this.s.modelMemory.set({ model: this.model(model) }, memory);
  }

  /** Estimated memory of the models this process holds, and the bound on it (0: none). */
  servingMemory(heldBytes: number, maxBytes: number): void {
    this.s.servingMemory.set(heldBytes);
    this.s.servingMemoryLimit.set(maxBytes);
  }

  /** `model`'s setup was unloaded for the serving budget: its per-model gauges go with it. */
  modelUnloaded(model: string): void {
    const m = this.model(model);
    this.s.modelUnloads.inc({ model: m });
    this.s.servedVersion.remove({ model: m });
    this.s.modelBytes.remove({ model: m });
    this.s.modelMemory.remove({ model: m });
  }

  /** One training attempt ended in this worker. */
  jobEnded(outcome: string, seconds: number): void {
    this.s.jobs.inc({ outcome });
    this.s.jobSeconds.observe({ outcome }, seconds);
  }

  /** One training epoch ended. */
  epoch(phase: string, seconds: number, documents: number): void {
    this.s.epochSeconds.observe({ phase }, seconds);
    if (seconds > 0) this.s.docsPerSecond.set({ phase }, documents / seconds);
  }

  /**
   * A gauge read when scraped (`read` may ask Redis or threads); a failing read leaves the series
   * out of that scrape rather than failing it.
   */
  sampled<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => Promise<Sample<L>[]>,
    aggregator: 'sum' | 'max' | 'min' = 'sum',
  ): void {
    new Gauge<L>({
      name,
      help,
      labelNames,
      aggregator,
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          for (const s of await read()) this.set(s.labels, s.value);
        } catch {
          // unavailable now (Redis away): no sample this scrape
        }
      },
    });
  }

  /** The series in Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
