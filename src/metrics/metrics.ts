import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
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

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LONG_SECONDS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const SHARES = [0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1];
const PROBABILITIES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1];

/**
 * The Prometheus series of one process (prom-client, on a registry of its own). Rooms record
 * through the methods; values that come from users (model names, labels) are bounded. Metrics
 * never carry article text or keys.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly models: BoundedValues;
  private readonly labels = new Map<string, BoundedValues>();
  private readonly http: Histogram<'route' | 'method' | 'status'>;
  private readonly classifications: Counter<'model' | 'version' | 'label'>;
  private readonly topProbability: Histogram<'model' | 'version'>;
  private readonly unknownShare: Histogram<'model' | 'version'>;
  private readonly servedVersion: Gauge<'model'>;
  private readonly modelLoad: Histogram<'outcome'>;
  private readonly modelSwap: Histogram<'model'>;
  private readonly jobs: Counter<'outcome'>;
  private readonly jobSeconds: Histogram<'outcome'>;
  private readonly epochSeconds: Histogram<'phase'>;
  private readonly docsPerSecond: Gauge<'phase'>;

  constructor(
    private readonly limits: MetricsLimits = { models: 100, labelsPerModel: 50 },
    opts: { defaults?: boolean } = {},
  ) {
    const registers = [this.registry];
    // The standard process_* and nodejs_* names, so stock dashboards work.
    if (opts.defaults ?? true) collectDefaultMetrics({ register: this.registry });
    this.models = new BoundedValues(limits.models);
    this.http = new Histogram({
      name: 'textclf_http_request_duration_seconds',
      help: 'HTTP requests by operation (openapi.yaml operationId), method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: SECONDS,
      registers,
    });
    this.classifications = new Counter({
      name: 'textclf_classifications_total',
      help: 'Texts classified, by model, version and predicted label (labels past the cap: _other)',
      labelNames: ['model', 'version', 'label'],
      registers,
    });
    this.topProbability = new Histogram({
      name: 'textclf_top_probability',
      help: 'Probability of the predicted label, per text (drift: falls when traffic leaves the training data)',
      labelNames: ['model', 'version'],
      buckets: PROBABILITIES,
      registers,
    });
    this.unknownShare = new Histogram({
      name: 'textclf_unknown_word_share',
      help: "Share of a text's words that are in no vocabulary term, per text (drift: rises when traffic leaves the training data)",
      labelNames: ['model', 'version'],
      buckets: SHARES,
      registers,
    });
    this.servedVersion = new Gauge({
      name: 'textclf_served_version',
      help: 'Version served as latest per model (across API processes: the lowest)',
      labelNames: ['model'],
      aggregator: 'min',
      registers,
    });
    this.modelLoad = new Histogram({
      name: 'textclf_model_load_seconds',
      help: 'Loading a model version (read, verify, deserialise, warm), by outcome',
      labelNames: ['outcome'],
      buckets: SECONDS,
      registers,
    });
    this.modelSwap = new Histogram({
      name: 'textclf_model_swap_seconds',
      help: 'From noticing a new latest version to serving it, per model',
      labelNames: ['model'],
      buckets: SECONDS,
      registers,
    });
    this.jobs = new Counter({
      name: 'textclf_training_jobs_total',
      help: 'Training attempts that ended in this worker, by outcome (succeeded, failed, retrying, cancelled, handed back)',
      labelNames: ['outcome'],
      registers,
    });
    this.jobSeconds = new Histogram({
      name: 'textclf_training_job_duration_seconds',
      help: 'Training attempts by outcome, from start to end in this worker',
      labelNames: ['outcome'],
      buckets: LONG_SECONDS,
      registers,
    });
    this.epochSeconds = new Histogram({
      name: 'textclf_training_epoch_seconds',
      help: 'Training epochs by phase (select, refit), validation scoring excluded',
      labelNames: ['phase'],
      buckets: LONG_SECONDS,
      registers,
    });
    this.docsPerSecond = new Gauge({
      name: 'textclf_training_docs_per_second',
      help: "Documents per second of this worker's last epoch, by phase",
      labelNames: ['phase'],
      registers,
    });
  }

  /** A model name as a label value: itself, or `_other` past the cap. */
  model(name: string): string {
    return this.models.value(name);
  }

  /** Records one answered HTTP request. */
  httpRequest(route: string, method: string, status: number, seconds: number): void {
    this.http.observe({ route, method, status: String(status) }, seconds);
  }

  /** Records the answers of one classify call. */
  classified(model: string, version: number, texts: readonly ClassifiedText[]): void {
    const m = this.model(model);
    const v = String(version);
    let labels = this.labels.get(m);
    if (!labels) this.labels.set(m, (labels = new BoundedValues(this.limits.labelsPerModel)));
    for (const t of texts) {
      this.classifications.inc({ model: m, version: v, label: labels.value(t.label) });
      const top = t.scores[0]?.probability;
      if (top !== undefined) this.topProbability.observe({ model: m, version: v }, top);
      if (t.unknownShare !== undefined) this.unknownShare.observe({ model: m, version: v }, t.unknownShare);
    }
  }

  /** The version now served as latest for `model`. */
  served(model: string, version: number): void {
    this.servedVersion.set({ model: this.model(model) }, version);
  }

  modelLoaded(outcome: 'ok' | 'error', seconds: number): void {
    this.modelLoad.observe({ outcome }, seconds);
  }

  modelSwapped(model: string, seconds: number): void {
    this.modelSwap.observe({ model: this.model(model) }, seconds);
  }

  /** One training attempt ended in this worker. */
  jobEnded(outcome: string, seconds: number): void {
    this.jobs.inc({ outcome });
    this.jobSeconds.observe({ outcome }, seconds);
  }

  /** One training epoch ended. */
  epoch(phase: string, seconds: number, documents: number): void {
    this.epochSeconds.observe({ phase }, seconds);
    if (seconds > 0) this.docsPerSecond.set({ phase }, documents / seconds);
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
