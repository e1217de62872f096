/**
 * The contract between the API and the services behind it: the interfaces `createApp(deps)` calls
 * and the shapes they exchange. `src/services` builds Redis/BullMQ implementations of them; tests
 * build fakes. Types only: importing this module loads nothing.
 */
import type { TrainOptionsInput } from '../training/index.js';
import type { components, operations, paths } from './generated/schema.js';

/** Types generated from openapi.yaml (`npm run generate:types`). */
export type { components, operations, paths };
type Schemas = components['schemas'];

// The shapes the API answers with are the contract's own (openapi.yaml), generated.
export type JobStatus = Schemas['JobStatus'];
/** The TensorFlow.js backend a process or model uses (the model's `BackendInfo` has this shape). */
export type BackendInfo = Schemas['Backend'];
export type JobProgress = Schemas['JobProgress'];
export type JobView = Schemas['Job'];
export type ModelSummary = Schemas['ModelSummary'];
export type VersionSummary = Schemas['VersionSummary'];
/** As stored: `evaluation` is null when the model was trained without a validation split (the API shows `{}`). */
export type VersionDetail = Omit<Schemas['VersionDetail'], 'evaluation'> & {
  evaluation: Schemas['Evaluation'] | null;
};
export type ClassifyResult = Schemas['Prediction'];
export type ClassifyResponse = Schemas['ClassifyBatchResponse'];
export type QueueDepth = Schemas['QueueDepth'];
/** Autotune: one trial as it ended, the report a version keeps, a running search's progress. */
export type AutotuneTrial = Schemas['AutotuneTrial'];
export type AutotuneReport = Schemas['AutotuneReport'];
export type SearchProgress = Schemas['SearchProgress'];
/** The serving setup besides `latest`: a canary answering a share of requests, a shadow scoring them all. */
export type AliasRoutes = Omit<Schemas['SetLatestRequest'], 'version'>;
export type LatestAlias = Schemas['LatestAlias'];
export type ShadowReport = Schemas['ShadowReport'];

/** Training options as submitted: any subset of the training schema's (defaults fill the rest). */
export type TrainingOptionsInput = TrainOptionsInput;

export interface DatasetRef {
  hash: string; // sha256 of the canonical dataset bytes
  documents: number;
  labels: string[];
  /** Whether the data set trains a multi-label model (any article has `labels`). */
  multiLabel: boolean;
  bytes: number;
  /**
   * Length of all texts together (UTF-16 code units), which some defaults depend on; absent in
   * records stored before it was kept (those defaults then take their long-text values).
   */
  characters?: number;
  /** A chunk list (base + additions, `baseVersion`): its chunks' hashes in order; absent for one blob. */
  chunks?: string[];
}

/** The version a training job builds on (`baseVersion`), as checked before anything is stored. */
export interface TrainBase {
  version: number;
  /** The base version's data set, which the posted articles extend. */
  datasetHash: string;
  /** Documents in that data set. */
  documents: number;
  /** What the job trains with: the base's options, overridden by those given. */
  options: TrainingOptionsInput;
}

export interface JobEvent {
  type: 'progress' | 'status';
  job: JobView;
}

export interface JobService {
  /** Queues a training job for an already stored dataset (with `base`: one `put` with that base). */
  submit(
    model: string,
    dataset: DatasetRef,
    options: TrainingOptionsInput,
    base?: TrainBase,
  ): Promise<JobView>;
  /**
   * Checks that a job can build on `version` of `model` with `options` (and articles that are
   * multi-label or not); nothing is stored. AppError VERSION_NOT_FOUND; INVALID_OPTIONS naming
   * each option that cannot be carried over (`multiLabel` for the kind of model).
   */
  resolveBase(
    model: string,
    version: number,
    options: TrainingOptionsInput,
    multiLabel: boolean,
  ): Promise<TrainBase>;
  get(jobId: string): Promise<JobView>; // AppError JOB_NOT_FOUND
  /** Every epoch's progress so far, oldest first (AppError JOB_NOT_FOUND). */
  history(jobId: string): Promise<JobProgress[]>;
  list(filter: { model?: string; limit?: number }): Promise<JobView[]>;
  cancel(jobId: string): Promise<JobView>; // AppError JOB_NOT_FOUND | JOB_NOT_CANCELLABLE
  /** Training jobs by state (what an autoscaler needs); a Redis error when Redis is away. */
  depth(): Promise<QueueDepth>;
  /** Calls `listener` on every progress/status change until the returned function is called. */
  subscribe(jobId: string, listener: (e: JobEvent) => void): Promise<() => void>;
}

export interface DatasetStore {
  /**
   * Validates and stores the articles once, content-addressed; AppError INVALID_DATA etc. (the
   * contract's shape allows `label` and `labels` together; the store refuses that).
   */
  put(articles: readonly Schemas['Article'][]): Promise<DatasetRef>;
  /**
   * Stores the articles as one chunk and returns the chunk list of `base`'s data set followed by
   * it (nothing is copied). Labels are checked over both. AppError INVALID_DATA when the base's
   * data set is no longer stored.
   */
  extend(base: TrainBase, articles: readonly Schemas['Article'][]): Promise<DatasetRef>;
}

export interface ModelRegistryReader {
  listModels(): Promise<ModelSummary[]>;
  listVersions(model: string): Promise<VersionSummary[]>; // AppError MODEL_NOT_FOUND
  getVersion(model: string, version: number): Promise<VersionDetail>; // MODEL_NOT_FOUND | VERSION_NOT_FOUND
  /**
   * Points `latest` at `version` with the canary and shadow of `routes` (none: cleared), in one step.
   * MODEL_NOT_FOUND | VERSION_NOT_FOUND (also for the canary's or the shadow's) | INVALID_REQUEST
   * when the canary or the shadow is `version` itself (or the shadow is the canary).
   */
  setLatest(model: string, version: number, routes?: AliasRoutes): Promise<LatestAlias>;
  /** VERSION_IN_USE when latest, the canary or the shadow, or pinned by an in-flight request. */
  deleteVersion(model: string, version: number): Promise<void>;
  /** What the shadow scored since it was set. MODEL_NOT_FOUND | SHADOW_NOT_FOUND. */
  shadowReport(model: string): Promise<ShadowReport>;
}

/** How to classify: the request's fields besides the texts and the model (`explain` as a term count). */
export type ClassifyOptions = Pick<
  Schemas['ClassifySingleRequest'],
  'version' | 'topK' | 'minProbability' | 'threshold' | 'routingKey'
> & { explain?: number };

export interface Classifier {
  /**
   * Classifies with `latest`, or its canary for the canary's share of requests (sticky per
   * `routingKey`), or the pinned version; the answer's `version` says which. AppError
   * MODEL_NOT_FOUND before any training; INVALID_REQUEST for `threshold` on a single-label model.
   */
  classify(model: string, texts: string[], opts: ClassifyOptions): Promise<ClassifyResponse>;
  /**
   * Drops a version just deleted from this process's memory at once, so that the process that
   * answered the DELETE never serves it again (the others hear of it over pub/sub).
   */
  forget?(model: string, version: number): void;
}

/** One line of a bulk job's body, and the answer to it (`POST /classify/jobs`). */
export type BulkItem = Schemas['BulkItem'];
export type BulkResult = Schemas['BulkResult'];
export type BulkJobView = Schemas['BulkJob'];
/** How a bulk job classifies: the query's options besides the model. */
export type BulkOptions = Pick<ClassifyOptions, 'version' | 'topK' | 'minProbability' | 'threshold'>;

/** A bulk job's texts as they arrive: stored chunk by chunk; nothing is queued before `commit`. */
export interface BulkUpload {
  readonly jobId: string;
  readonly model: string;
  /** The version the job classifies with, pinned from `open` until the job ends (or `abort`). */
  readonly version: number;
  /** Takes the next items in input order; full chunks are stored at once (AppError STORAGE_FULL). */
  write(items: readonly BulkItem[]): Promise<void>;
  /** Stores the last chunk, writes the job's record and queues it. */
  commit(): Promise<BulkJobView>;
  /** Deletes every chunk stored so far and releases the pin (a broken or aborted body). */
  abort(): Promise<void>;
}

export interface BulkJobService {
  /**
   * Resolves the version (`latest`, or `opts.version`) and pins it. AppError MODEL_NOT_FOUND |
   * VERSION_NOT_FOUND | INVALID_REQUEST (`threshold` for a single-label version).
   */
  open(model: string, opts: BulkOptions): Promise<BulkUpload>;
  get(jobId: string): Promise<BulkJobView>; // AppError JOB_NOT_FOUND
  cancel(jobId: string): Promise<BulkJobView>; // AppError JOB_NOT_FOUND | JOB_NOT_CANCELLABLE
  /**
   * The answers as NDJSON bytes, one stored chunk after another in input order. Throws before the
   * first chunk: JOB_NOT_FOUND | RESULTS_NOT_READY | RESULTS_EXPIRED; a chunk that expires while
   * streaming ends the iteration with RESULTS_EXPIRED.
   */
  results(jobId: string): Promise<AsyncIterable<Uint8Array>>;
}

export interface Health {
  redisReady(): Promise<boolean>;
  registryReady(): Promise<boolean>;
  backend(): BackendInfo | undefined;
  /** Redis's memory, or undefined when it cannot be read now. */
  memory(): Promise<{ usedBytes: number; maxBytes: number | null } | undefined>;
}

/** The process's metrics as the API serves and feeds them (`src/metrics` implements it). */
export interface MetricsExporter {
  /** Records one answered request (`route`: the operationId, or `unmatched`). */
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  /** All series in Prometheus text format. */
  text(): Promise<string>;
  readonly contentType: string;
}

/** Everything the API needs, injected into `createApp(deps)`. */
export interface ServiceDeps {
  jobs: JobService;
  datasets: DatasetStore;
  registry: ModelRegistryReader;
  classifier: Classifier;
  health: Health;
  bulk: BulkJobService;
}
