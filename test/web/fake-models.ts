/**
 * The API in-process over fakes whose registry and classifier answer in the multi-label,
 * calibration and explanation shapes of openapi.yaml, for the dashboard's browser tests: a
 * multi-label model `tags`, a single-label model `news` and `mixed` (multi-label v1, single-label v2), with fixed probabilities, thresholds,
 * evaluations and term weights (so the page's rendering can be checked exactly).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/api/index.js';
import type {
  ClassifyOptions,
  ClassifyResponse,
  ClassifyResult,
  ModelRegistryReader,
  ServiceDeps,
  VersionDetail,
  VersionSummary,
} from '../../src/contract/index.js';
import { AppError } from '../../src/errors/index.js';
import { silentLogger } from '../../src/log/index.js';
import { makeFakes, testConfig } from '../api/fakes.js';

/** A label whose name is markup: the page must show it as text. */
export const MARKUP_LABEL = '<b>bold</b>';

interface FakeVersion {
  labels: string[];
  multiLabel: boolean;
  /** Fixed probabilities, in `labels` order. */
  probabilities: number[];
  /** Multi-label: each label's decision threshold. */
  thresholds: number[];
  evaluation: VersionDetail['evaluation'];
  autotune?: VersionDetail['autotune'];
}

/** What each label's explanation finds in a text: the surface form to look for, its term and weight. */
export const TERM_WEIGHTS: Record<string, [surface: string, term: string, weight: number][]> = {
  sport: [
    ['ＧＯＡＬ', 'goal', 1.2],
    ['Café', 'café', 0.8],
    ['stock market', 'stock market', -0.9],
    ['market', 'market', -0.3],
    ['img', 'img', -0.1],
  ],
  finance: [
    ['stock market', 'stock market', 1.5],
    ['market', 'market', 0.6],
    ['ＧＯＡＬ', 'goal', -0.5],
  ],
  tech: [['img', 'img', 0.4]],
};

const TAGS: FakeVersion = {
  labels: ['sport', 'finance', MARKUP_LABEL],
  multiLabel: true,
  probabilities: [0.91, 0.62, 0.08],
  thresholds: [0.5, 0.45, 0.3],
  evaluation: {
    documents: 120,
    multiLabel: true,
    labels: ['sport', 'finance', MARKUP_LABEL],
    microF1: 0.8123,
    macroF1: 0.7456,
    subsetAccuracy: 0.625,
    accuracy: 0.625,
    hammingLoss: 0.1389,
    perLabel: [
      { label: 'sport', precision: 0.9, recall: 0.85, f1: 0.874, support: 50, threshold: 0.5 },
      { label: 'finance', precision: 0.8, recall: 0.7, f1: 0.747, support: 40, threshold: 0.45 },
      { label: MARKUP_LABEL, precision: 0.6, recall: 0.65, f1: 0.624, support: 12, threshold: 0.3 },
    ],
    calibration: { method: 'platt', eceBefore: 0.0812, eceAfter: 0.0234 },
  },
};

const NEWS: FakeVersion = {
  labels: ['sport', 'tech'],
  multiLabel: false,
  probabilities: [0.7, 0.3],
  thresholds: [],
  evaluation: {
    documents: 40,
    accuracy: 0.9,
    macroF1: 0.899,
    labels: ['sport', 'tech'],
    perClass: [
      { label: 'sport', precision: 0.9, recall: 0.9, f1: 0.9, support: 20 },
      { label: 'tech', precision: 0.9, recall: 0.9, f1: 0.9, support: 20 },
    ],
    confusion: [
      [18, 2],
      [2, 18],
    ],
    calibration: { method: 'temperature', temperature: 1.4537, eceBefore: 0.12, eceAfter: 0.031 },
  },
  autotune: {
    metric: 'accuracy',
    budgetSeconds: 120,
    trials: 2,
    repeats: 3,
    wallSeconds: 31.5,
    best: { index: 1, options: { learningRate: 0.0025 }, score: 0.95 },
    table: [
      {
        id: 'c0r0',
        index: 0,
        rung: 0,
        repeat: 0,
        options: {},
        status: 'done',
        score: 0.9,
        epochs: 12,
        seconds: 9.5,
        worker: 'a:1',
      },
      {
        id: 'c1r0',
        index: 1,
        rung: 0,
        repeat: 0,
        options: { learningRate: 0.0025 },
        status: 'done',
        score: 0.95,
        epochs: 20,
        seconds: 14,
        worker: 'b:2',
      },
      {
        id: 'c1r1',
        index: 1,
        rung: 1,
        repeat: 1,
        options: { learningRate: 0.0025 },
        status: 'done',
        score: 0.95,
        epochs: 3,
        seconds: 3,
        worker: 'a:1',
        truncated: true,
      },
    ],
  },
};

/** Every occurrence of `surface` in `text`, as UTF-16 `[start, end)` offsets. */
function occurrences(text: string, surface: string): [number, number][] {
  const out: [number, number][] = [];
  for (let i = text.indexOf(surface); i >= 0; i = text.indexOf(surface, i + 1)) {
    out.push([i, i + surface.length]);
  }
  return out;
}

function explain(text: string, label: string, k: number) {
  const terms = (TERM_WEIGHTS[label] ?? [])
    .map(([surface, term, weight]) => ({ term, weight, spans: occurrences(text, surface) }))
    .filter((t) => t.spans.length > 0)
    .slice(0, 2 * k);
  return { label, terms };
}

/** The registry's reads and the classifier over the fixed models. */
export class FakeModels {
  /** model → version → its fake; and the latest pointer. */
  readonly models = new Map<string, { latest: number; versions: Map<number, FakeVersion> }>([
    ['tags', { latest: 1, versions: new Map([[1, TAGS]]) }],
    ['news', { latest: 1, versions: new Map([[1, NEWS]]) }],
    // Latest multi-label until a test moves it to the single-label version 2.
    [
      'mixed',
      {
        latest: 1,
        versions: new Map([
          [1, TAGS],
          [2, NEWS],
        ]),
      },
    ],
  ]);
  readonly calls: { model: string; texts: string[]; opts: ClassifyOptions }[] = [];

  private model(model: string) {
    const m = this.models.get(model);
    if (!m) throw new AppError('MODEL_NOT_FOUND', `No model "${model}"; train one first`, { model });
    return m;
  }

  private version(model: string, version: number): FakeVersion {
    const v = this.model(model).versions.get(version);
    if (!v) throw new AppError('VERSION_NOT_FOUND', `No version ${version} of "${model}"`, { version });
    return v;
  }

  private summary(model: string, version: number): VersionSummary {
    const v = this.version(model, version);
    return {
      model,
      version,
      createdAt: new Date(Date.UTC(2026, 0, version)).toISOString(),
      labels: v.labels,
      ...(v.evaluation?.accuracy === undefined ? {} : { accuracy: v.evaluation.accuracy }),
      ...(v.evaluation?.macroF1 === undefined ? {} : { macroF1: v.evaluation.macroF1 }),
      multiLabel: v.multiLabel,
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
    const v = this.version(model, version);
    return {
      ...this.summary(model, version),
      options: { epochs: 3, ...(v.multiLabel ? { multiLabel: true } : {}) },
      vocabularySize: 42,
      backend: { name: 'cpu', package: '@tensorflow/tfjs-backend-cpu' },
      dataset: { hash: 'abc', documents: 400 },
      trainSeconds: 1.5,
      checksum: 'f'.repeat(64),
      evaluation: v.evaluation,
      ...(v.autotune ? { autotune: v.autotune } : {}),
    };
  }
  /** Moves latest behind the page's back (another user rolling back or forward). */
  moveLatest(model: string, version: number): void {
    this.version(model, version);
    this.model(model).latest = version;
  }

  /** The fixed probabilities; multi-label: `labels` by threshold; explanations of the returned labels. */
  async classify(model: string, texts: string[], opts: ClassifyOptions): Promise<ClassifyResponse> {
    this.calls.push({ model, texts, opts });
    const version = opts.version ?? this.model(model).latest;
    const v = this.version(model, version);
    if (opts.threshold !== undefined && !v.multiLabel) {
      const message = `model "${model}" version ${version} is single-label: it takes no threshold (use minProbability)`;
      throw new AppError('INVALID_REQUEST', `/body/threshold ${message}`, {
        errors: [{ path: '/body/threshold', message }],
      });
    }
    const scores = v.labels
      .map((label, i) => ({ label, probability: v.probabilities[i] ?? 0 }))
      .sort((a, b) => b.probability - a.probability);
    const results = texts.map((text): ClassifyResult => {
      const top = scores[0]?.label ?? null;
      const labels = v.multiLabel
        ? scores.filter((s) => s.probability >= (opts.threshold ?? v.thresholds[v.labels.indexOf(s.label)]!))
        : undefined;
      const returned = labels ? labels.map((s) => s.label) : top === null ? [] : [top];
      return {
        label: top,
        ...(labels ? { multiLabel: true as const, labels } : {}),
        ...(opts.explain ? { explanation: returned.map((l) => explain(text, l, opts.explain!)) } : {}),
        scores,
      };
    });
    return { model, version, results };
  }
}

export interface FakeApi {
  base: string;
  models: FakeModels;
  close(): Promise<void>;
}

/** `createApp` (real routes, validation, CSP and dashboard) over the fakes, on a free port. */
export async function startFakeApi(): Promise<FakeApi> {
  const models = new FakeModels();
  const fakes = makeFakes();
  // The reads the pages make come from `models`; anything else from the usual fake registry.
  const registry: ModelRegistryReader = Object.assign(
    Object.create(fakes.registry) as typeof fakes.registry,
    {
      listModels: () => models.listModels(),
      listVersions: (m: string) => models.listVersions(m),
      getVersion: (m: string, v: number) => models.getVersion(m, v),
    },
  );
  const deps: ServiceDeps = { ...fakes, registry, classifier: models };
  const app = createApp(deps, { logger: silentLogger, config: testConfig() });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { base: `http://127.0.0.1:${port}`, models, close };
}
