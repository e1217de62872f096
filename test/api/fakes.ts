/**
 * Small in-memory `ServiceDeps` for HTTP-layer tests (routing, validation, error mapping). They
 * follow the contract of src/contract, including its AppErrors, but store nothing durable.
 */
import { createHash } from 'node:crypto';
import { createApp, type AppOptions } from '../../src/api/index.js';
import { parseConfig, type Config } from '../../src/config/index.js';
import { AppError } from '../../src/errors/index.js';
import { silentLogger } from '../../src/log/index.js';
import { validateArticles } from '../../src/text/index.js';
import type {
  components,
  BulkItem,
  BulkJobView,
  BulkOptions,
  BulkUpload,
  ClassifyResponse,
  DatasetRef,
  JobEvent,
  JobView,
  QueueDepth,
  ServiceDeps,
  ShadowReport,
  TrainBase,
  TrainingOptionsInput,
  VersionDetail,
} from '../../src/contract/index.js';

type Schemas = components['schemas'];

export class FakeDatasets {
  readonly stored = new Map<string, readonly Schemas['Article'][]>();
  calls = 0;
  constructor(private readonly maxLabels = 1000) {}

  async put(articles: readonly Schemas['Article'][]): Promise<DatasetRef> {
    this.calls++;
    const { documents, labels, multiLabel } = validateArticles(articles, { maxLabels: this.maxLabels });
    const canonical = JSON.stringify(articles.map((a) => [a.text, a.label ?? a.labels]));
    const hash = createHash('sha256').update(canonical).digest('hex');
    this.stored.set(hash, articles);
    return { hash, documents, labels, multiLabel, bytes: Buffer.byteLength(canonical) };
  }

  /** Incremental training: the additions stored as one chunk after the base's data set. */
  async extend(base: TrainBase, articles: readonly Schemas['Article'][]): Promise<DatasetRef> {
    const chunk = await this.put(articles);
    const chunks = [base.datasetHash, chunk.hash];
    return { ...chunk, hash: chunks.join('+'), documents: base.documents + chunk.documents, chunks };
  }
}

export class FakeJobs {
  readonly jobs = new Map<string, JobView>();
  readonly submitted: { model: string; dataset: DatasetRef; options: TrainingOptionsInput }[] = [];
  private readonly listeners = new Map<string, Set<(e: JobEvent) => void>>();
  private next = 1;

  /** No base versions here: incremental training is tested against the real services. */
  async resolveBase(model: string, version: number): Promise<TrainBase> {
    throw new AppError('VERSION_NOT_FOUND', `model "${model}" has no version ${version}`, { model, version });
  }

  async submit(model: string, dataset: DatasetRef, options: TrainingOptionsInput): Promise<JobView> {
    this.submitted.push({ model, dataset, options });
    const job: JobView = {
      jobId: `job-${this.next++}`,
      model,
      status: 'queued',
      progress: null,
      datasetHash: dataset.hash,
      documents: dataset.documents,
      attempts: 0,
      createdAt: new Date(Date.UTC(2026, 0, 1)).toISOString(),
    };
    this.jobs.set(job.jobId, job);
    return job;
  }

  async get(jobId: string): Promise<JobView> {
    const job = this.jobs.get(jobId);
    if (!job) throw new AppError('JOB_NOT_FOUND', `No job ${jobId}`, { jobId });
    return { ...job };
  }

  /** Progress of every epoch reported through `update(..., 'progress')`, per job. */
  readonly histories = new Map<string, NonNullable<JobView['progress']>[]>();

  async history(jobId: string): Promise<NonNullable<JobView['progress']>[]> {
    await this.get(jobId);
    return [...(this.histories.get(jobId) ?? [])];
  }

  async depth(): Promise<QueueDepth> {
    const count = (status: string) => [...this.jobs.values()].filter((j) => j.status === status).length;
    const waiting = count('queued');
    const active = count('running');
    const training = {
      pending: waiting + active,
      waiting,
      prioritized: 0,
      delayed: 0,
      active,
      failed: count('failed'),
    };
    const classify = { pending: 0, waiting: 0, prioritized: 0, delayed: 0, active: 0, failed: 0 };
    return { ...training, queues: { training, classify } };
  }

  async list(filter: { model?: string; limit?: number }): Promise<JobView[]> {
    return [...this.jobs.values()]
      .filter((j) => !filter.model || j.model === filter.model)
      .reverse()
      .slice(0, filter.limit ?? 50);
  }

  async cancel(jobId: string): Promise<JobView> {
    const job = await this.get(jobId);
    if (job.status !== 'queued' && job.status !== 'running') {
      throw new AppError('JOB_NOT_CANCELLABLE', `Job ${jobId} is ${job.status}`);
    }
    return this.update(jobId, { status: 'cancelled', finishedAt: new Date().toISOString() });
  }

  async subscribe(jobId: string, listener: (e: JobEvent) => void): Promise<() => void> {
    const set = this.listeners.get(jobId) ?? new Set();
    set.add(listener);
    this.listeners.set(jobId, set);
    return () => set.delete(listener);
  }

  /** Number of live subscriptions, to check that streams clean up. */
  subscribers(jobId: string): number {
    return this.listeners.get(jobId)?.size ?? 0;
  }

  /** Changes a job and notifies subscribers, like the worker would. */
  update(jobId: string, patch: Partial<JobView>, type: JobEvent['type'] = 'status'): JobView {
    const job = { ...(this.jobs.get(jobId) as JobView), ...patch };
    this.jobs.set(jobId, job);
    if (type === 'progress' && job.progress) {
      this.histories.set(jobId, [...(this.histories.get(jobId) ?? []), job.progress]);
    }
    for (const l of this.listeners.get(jobId) ?? []) l({ type, job: { ...job } });
    return job;
  }
}

export class FakeRegistry {
  /** model -> versions (with their labels) and the latest pointer */
  readonly models = new Map<string, { latest: number; versions: Map<number, string[]> }>();

  publish(model: string, labels: string[]): number {
    const m = this.models.get(model) ?? { latest: 0, versions: new Map<number, string[]>() };
    const version = Math.max(0, ...m.versions.keys()) + 1;
    m.versions.set(version, labels);
    m.latest = version;
    this.models.set(model, m);
    return version;
  }

  private model(model: string) {
    const m = this.models.get(model);
    if (!m) throw new AppError('MODEL_NOT_FOUND', `No model "${model}"; train one first`, { model });
    return m;
  }

  private labels(model: string, version: number): string[] {
    const labels = this.model(model).versions.get(version);
    if (!labels) throw new AppError('VERSION_NOT_FOUND', `No version ${version} of "${model}"`, { version });
    return labels;
  }

  summary(model: string, version: number) {
    return {
      model,
      version,
      createdAt: new Date(Date.UTC(2026, 0, version)).toISOString(),
      labels: this.labels(model, version),
      accuracy: 0.9,
      macroF1: 0.88,
      isLatest: this.model(model).latest === version,
    };
  }

  async listModels() {
    return [...this.models].map(([model, m]) => ({ model, latest: m.latest, versions: m.versions.size }));
  }
  async listVersions(model: string) {
    return [...this.model(model).versions.keys()].reverse().map((v) => this.summary(model, v));
  }
  async getVersion(model: string, version: number): Promise<VersionDetail> {
    const labels = this.labels(model, version);
    return {
      ...this.summary(model, version),
      options: { epochs: 3 },
      vocabularySize: 42,
      backend: { name: 'cpu', package: '@tensorflow/tfjs-backend-cpu' },
      dataset: { hash: 'abc', documents: 4 },
      trainSeconds: 1.5,
      checksum: 'f'.repeat(64),
      evaluation: { documents: 4, accuracy: 0.9, macroF1: 0.88, labels, perClass: [], confusion: [] },
      internalSecret: 'must not leak',
    } as VersionDetail;
  }
  async setLatest(model: string, version: number) {
    this.labels(model, version);
    this.model(model).latest = version;
    return this.summary(model, version);
  }
  async shadowReport(model: string): Promise<ShadowReport> {
    this.model(model);
    throw new AppError('SHADOW_NOT_FOUND', `model "${model}" has no shadow version`, { model });
  }
  async deleteVersion(model: string, version: number) {
    this.labels(model, version);
    const m = this.model(model);
    if (m.latest === version) throw new AppError('VERSION_IN_USE', `Version ${version} is latest`);
    m.versions.delete(version);
  }
}

/** Predicts the first label whose name occurs in the text (else the first label), deterministically. */
export class FakeClassifier {
  calls: { model: string; texts: string[]; opts: { version?: number; topK?: number } }[] = [];
  failWith: unknown = null;
  constructor(private readonly registry: FakeRegistry) {}

  async classify(
    model: string,
    texts: string[],
    opts: { version?: number; topK?: number },
  ): Promise<ClassifyResponse> {
    this.calls.push({ model, texts, opts });
    if (this.failWith) throw this.failWith;
    const m = this.registry.models.get(model);
    if (!m) throw new AppError('MODEL_NOT_FOUND', `No model "${model}"; train one first`);
    const version = opts.version ?? m.latest;
    const labels = m.versions.get(version);
    if (!labels) throw new AppError('VERSION_NOT_FOUND', `No version ${version}`);
    return {
      model,
      version,
      results: texts.map((t) => {
        const hit = labels.find((l) => t.includes(l)) ?? (labels[0] as string);
        const rest = labels.filter((l) => l !== hit);
        const scores = [
          { label: hit, probability: 0.7 },
          ...rest.map((label) => ({ label, probability: 0.3 / rest.length })),
        ];
        return { label: hit, scores: scores.slice(0, opts.topK ?? scores.length) };
      }),
    };
  }
}

/** Bulk jobs in memory: uploads for published versions are kept; nothing runs them. */
export class FakeBulk {
  readonly jobs = new Map<string, { view: BulkJobView; items: BulkItem[] }>();
  private next = 1;
  constructor(private readonly registry: FakeRegistry) {}

  async open(model: string, opts: BulkOptions): Promise<BulkUpload> {
    const m = this.registry.models.get(model);
    if (!m) throw new AppError('MODEL_NOT_FOUND', `No model "${model}"; train one first`, { model });
    const version = opts.version ?? m.latest;
    if (!m.versions.has(version)) throw new AppError('VERSION_NOT_FOUND', `No version ${version}`);
    const jobId = `bulk-${this.next++}`;
    const items: BulkItem[] = [];
    const createdAt = new Date(Date.UTC(2026, 0, 1)).toISOString();
    return {
      jobId,
      model,
      version,
      write: async (more) => void items.push(...more),
      commit: async () => {
        const view: BulkJobView = {
          jobId,
          model,
          version,
          status: 'queued',
          progress: { processed: 0, total: items.length },
          createdAt,
        };
        this.jobs.set(jobId, { view, items });
        return view;
      },
      abort: async () => void (items.length = 0),
    };
  }

  async get(jobId: string): Promise<BulkJobView> {
    const job = this.jobs.get(jobId);
    if (!job) throw new AppError('JOB_NOT_FOUND', `No bulk job ${jobId}`, { jobId });
    return { ...job.view };
  }

  async cancel(jobId: string): Promise<BulkJobView> {
    const job = await this.get(jobId);
    if (job.status !== 'queued' && job.status !== 'running')
      throw new AppError('JOB_NOT_CANCELLABLE', `Bulk job ${jobId} is ${job.status}`);
    const view: BulkJobView = { ...job, status: 'cancelled' };
    this.jobs.set(jobId, { view, items: [] });
    return view;
  }

  async results(jobId: string): Promise<AsyncIterable<Uint8Array>> {
    const job = await this.get(jobId);
    if (job.status !== 'succeeded')
      throw new AppError('RESULTS_NOT_READY', `Bulk job ${jobId} is ${job.status}`);
    return (async function* () {})();
  }
}

export class FakeHealth {
  redis = true;
  registry = true;
  async redisReady() {
    return this.redis;
  }
  async registryReady() {
    if (!this.registry) throw new Error('registry unreadable');
    return true;
  }
  backend() {
    return { name: 'cpu', package: '@tensorflow/tfjs-backend-cpu' };
  }
  memoryStatus: { usedBytes: number; maxBytes: number | null } | undefined = {
    usedBytes: 1_000_000,
    maxBytes: null,
  };
  async memory() {
    return this.memoryStatus;
  }
}

export interface Fakes {
  datasets: FakeDatasets;
  jobs: FakeJobs;
  registry: FakeRegistry;
  classifier: FakeClassifier;
  health: FakeHealth;
  bulk: FakeBulk;
}

export function makeFakes(): Fakes {
  const registry = new FakeRegistry();
  return {
    datasets: new FakeDatasets(),
    jobs: new FakeJobs(),
    registry,
    classifier: new FakeClassifier(registry),
    health: new FakeHealth(),
    bulk: new FakeBulk(registry),
  };
}

/** A test config: the defaults with small limits that tests can reach. */
export function testConfig(env: Record<string, string> = {}): Config {
  return parseConfig({
    MAX_TEXT_BYTES: '1000',
    MAX_BODY_BYTES: '20000',
    MAX_DOCUMENTS: '50',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

/** createApp over fresh fakes. */
export function makeApp(opts: Partial<AppOptions> & { env?: Record<string, string> } = {}) {
  const fakes = makeFakes();
  const { env, ...rest } = opts;
  const deps: ServiceDeps = fakes;
  const app = createApp(deps, { logger: silentLogger, config: testConfig(env), ...rest });
  return { app, fakes };
}

/** A small valid training set: two labels, two examples each. */
export const ARTICLES = [
  { text: 'the match ended in a draw', label: 'sport' },
  { text: 'a late goal won the cup', label: 'sport' },
  { text: 'shares fell on the market', label: 'business' },
  { text: 'the bank raised interest rates', label: 'business' },
];
