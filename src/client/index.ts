/**
 * Typed client for the textclf HTTP API, generated from openapi.yaml (types) and `openapi-fetch`.
 * It imports no server code: only types, which vanish at runtime.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from '../contract/index.js';
import {
  jobEventsOf,
  TERMINAL_STATUSES as TERMINAL,
  watchJob,
  type JobEvent,
  type WatchOptions,
} from './events.js';
import { toCsv, upload, type UploadOptions } from './upload.js';

export { readSse, jobEventsOf } from './events.js';
export type { SseMessage, JobEvent, WatchOptions } from './events.js';
export { toCsv } from './upload.js';
export type { UploadOptions } from './upload.js';

type S = components['schemas'];
export type Article = S['Article'];
export type TrainingOptions = S['TrainingOptions'];
export type TrainAccepted = S['TrainAccepted'];
export type Job = S['Job'];
export type ClassifyResponse = S['ClassifyResponse'];
export type ClassifyBatchResponse = S['ClassifyBatchResponse'];
export type ModelSummary = S['ModelSummary'];
export type VersionSummary = S['VersionSummary'];
export type VersionDetail = S['VersionDetail'];
export type Readiness = S['Readiness'];
export type Problem = S['Problem'];

export interface TextclfClientOptions {
  /** Server root, e.g. `http://localhost:8080`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Custom fetch (tests, proxies). */
  fetch?: typeof globalThis.fetch;
}

/** An error answer from the server, with its problem+json body. */
export class TextclfError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem | undefined;
  constructor(status: number, problem: Problem | undefined) {
    super(problem ? `${problem.code}: ${problem.detail ?? problem.title}` : `HTTP ${status}`);
    this.name = 'TextclfError';
    this.status = status;
    this.code = problem?.code ?? 'INTERNAL';
    this.problem = problem;
  }
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function unwrap<T>(r: Answer<T>): T {
  if (r.error !== undefined || !r.response.ok) {
    const p = r.error as Problem | undefined;
    throw new TextclfError(r.response.status, p && typeof p === 'object' && 'code' in p ? p : undefined);
  }
  return r.data as T;
}

/**
 * Creates a client. Every method resolves to the documented response body or throws a
 * `TextclfError` carrying the problem's `code`.
 * @example
 * const tc = createTextclfClient({ baseUrl: 'http://localhost:8080' });
 * const { jobId } = await tc.train(articles, { model: 'news' });
 * await tc.waitForJob(jobId);
 * const { label } = await tc.classify('Shares rose sharply', { model: 'news' });
 */
export function createTextclfClient(opts: TextclfClientOptions) {
  const http = connect(opts);
  const api = {
    /** The underlying openapi-fetch client, for calls the helpers do not cover. */
    http,
    ...trainingCalls(http),
    ...jobCalls(http),

    /**
     * Polls a job until it is `succeeded`, `failed` or `cancelled` and returns it.
     * @throws Error when `timeoutMs` passes first
     */
    async waitForJob(jobId: string, o: { intervalMs?: number; timeoutMs?: number } = {}): Promise<Job> {
      const deadline = Date.now() + (o.timeoutMs ?? 10 * 60_000);
      for (;;) {
        // Through `api`, not `jobCalls`, so a wrapped or replaced `getJob` is the one polled.
        const job = await api.getJob(jobId);
        if (TERMINAL.has(job.status)) return job;
        if (Date.now() > deadline)
          throw new Error(`job ${jobId} still ${job.status} after ${o.timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, o.intervalMs ?? 250));
      }
    },

    /**
     * Follows a job through its event stream (`GET /jobs/{jobId}/events`) and returns it once it is
     * `succeeded`, `failed` or `cancelled`; `onEvent` sees every event on the way. A stream that
     * drops before the end is opened again (the first event of each carries the current state),
     * at most `retries` times in a row.
     * @throws TextclfError from the server (e.g. `JOB_NOT_FOUND`); the signal's reason when aborted
     */
    watchJob(jobId: string, o: WatchOptions = {}): Promise<Job> {
      return watchJob(api, jobId, o);
    },

    ...classifyCalls(http),
    ...modelCalls(http),
    ...healthCalls(http),
  };
  return api;
}

/** The openapi-fetch client behind every call: base URL without trailing `/`, the API key sent. */
function connect(opts: TextclfClientOptions): Client<paths> {
  const headers: Record<string, string> = opts.apiKey ? { Authorization: `Bearer ${opts.apiKey}` } : {};
  return createClient<paths>({
    baseUrl: opts.baseUrl.replace(/\/+$/, ''),
    headers,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
}

// The groups below are spread into the client in this order, which is its key order.

/** `POST /train`, as JSON or as an NDJSON stream. */
function trainingCalls(http: Client<paths>) {
  return {
    /** Stores the articles and queues training; resolves once queued (202). */
    async train(
      articles: Article[],
      o: { model?: string; options?: TrainingOptions } = {},
    ): Promise<TrainAccepted> {
      const body: S['TrainRequest'] = {
        articles,
        ...(o.model ? { model: o.model } : {}),
        ...(o.options ? { options: o.options } : {}),
      };
      return unwrap(await http.POST('/train', { body }));
    },

    /**
     * Like `train`, but sends the articles as an NDJSON stream (large data sets): articles, or
     * NDJSON text or bytes as they are (a file's content). `gzip` compresses the upload.
     */
    async trainNdjson(
      articles: Iterable<Article> | string | Uint8Array,
      o: UploadOptions = {},
    ): Promise<TrainAccepted> {
      let body = articles;
      if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
        let text = '';
        for (const a of body) text += `${JSON.stringify(a)}\n`;
        body = text;
      }
      return unwrap(await upload(http, body, 'application/x-ndjson', o));
    },

    /**
     * Like `trainNdjson`, as `text/csv`: CSV text or bytes as they are (a header with `text` and
     * `label` columns, then one article per row), or articles, which are written as CSV.
     */
    async trainCsv(
      csv: Iterable<Article> | string | Uint8Array,
      o: UploadOptions = {},
    ): Promise<TrainAccepted> {
      const body = typeof csv === 'string' || csv instanceof Uint8Array ? csv : toCsv([...csv]);
      return unwrap(await upload(http, body, 'text/csv', o));
    },
  };
}

/** `/jobs`: read, list and cancel training jobs (waiting is on the client itself). */
function jobCalls(http: Client<paths>) {
  return {
    async getJob(jobId: string): Promise<Job> {
      return unwrap(await http.GET('/jobs/{jobId}', { params: { path: { jobId } } }));
    },

    async listJobs(filter: { model?: string; limit?: number } = {}): Promise<Job[]> {
      return unwrap(await http.GET('/jobs', { params: { query: filter } })).jobs;
    },

    async cancelJob(jobId: string): Promise<Job> {
      return unwrap(await http.DELETE('/jobs/{jobId}', { params: { path: { jobId } } }));
    },

    /**
     * The job's Server-Sent Events as they arrive: first its current state (`status`), then
     * `progress` and `status` changes, and `end` once it is terminal (the stream then ends).
     * Leaving the loop early closes the stream.
     * @throws TextclfError when the server refuses (e.g. `JOB_NOT_FOUND`)
     */
    async *jobEvents(jobId: string, o: { signal?: AbortSignal } = {}): AsyncGenerator<JobEvent> {
      const r = await http.GET('/jobs/{jobId}/events', {
        params: { path: { jobId } },
        parseAs: 'stream',
        headers: { Accept: 'text/event-stream' },
        ...(o.signal ? { signal: o.signal } : {}),
      });
      const body = unwrap(r) as ReadableStream<Uint8Array> | null;
      if (body) yield* jobEventsOf(body);
    },
  };
}

/** `POST /classify`, for one text or a batch. */
function classifyCalls(http: Client<paths>) {
  return {
    async classify(
      text: string,
      o: { model?: string; version?: number; topK?: number } = {},
    ): Promise<ClassifyResponse> {
      return unwrap(await http.POST('/classify', { body: { text, ...o } })) as ClassifyResponse;
    },

    async classifyBatch(
      texts: string[],
      o: { model?: string; version?: number; topK?: number } = {},
    ): Promise<ClassifyBatchResponse> {
      return unwrap(await http.POST('/classify', { body: { texts, ...o } })) as ClassifyBatchResponse;
    },
  };
}

/** `/models`: models, their versions and the `latest` alias. */
function modelCalls(http: Client<paths>) {
  return {
    async listModels(): Promise<ModelSummary[]> {
      return unwrap(await http.GET('/models')).models;
    },

    async listVersions(model: string): Promise<VersionSummary[]> {
      return unwrap(await http.GET('/models/{model}/versions', { params: { path: { model } } })).versions;
    },

    async getVersion(model: string, version: number): Promise<VersionDetail> {
      return unwrap(
        await http.GET('/models/{model}/versions/{version}', { params: { path: { model, version } } }),
      );
    },

    /** Points `latest` at `version` (rollback or roll forward). */
    async setLatest(model: string, version: number): Promise<VersionSummary> {
      return unwrap(
        await http.PUT('/models/{model}/alias/latest', { params: { path: { model } }, body: { version } }),
      );
    },

    async deleteVersion(model: string, version: number): Promise<void> {
      unwrap(
        await http.DELETE('/models/{model}/versions/{version}', { params: { path: { model, version } } }),
      );
    },
  };
}

/** `/readyz`, whose 503 is an answer rather than an error. */
function healthCalls(http: Client<paths>) {
  return {
    /** `/readyz`; resolves with the body for 200 and 503 alike. */
    async ready(): Promise<Readiness> {
      const r = await http.GET('/readyz');
      if (r.data) return r.data;
      if (r.response.status === 503 && r.error) return r.error as Readiness;
      throw new TextclfError(r.response.status, undefined);
    },
  };
}

export type TextclfClient = ReturnType<typeof createTextclfClient>;
