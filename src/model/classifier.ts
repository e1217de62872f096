import * as tf from '@tensorflow/tfjs';
import { explainScored, explainText, type LabelExplanation } from './explain.js';
import { Vectorizer, type CsrMatrix } from '../text/index.js';
import type { BackendInfo } from './backend.js';
import { sparseLinear } from './kernels/index.js';
import { decision, headProbabilities, type Calibration, type ModelHead } from './head.js';
import { hostLogits, hostWeights, type NetworkTensors } from './host-forward.js';
import { modelHead, modelMemoryBytes } from './host-classifier.js';
import { buildModel, type NetworkParams, type NetworkShape } from './network.js';

/** One class and its probability. */
export interface Score {
  label: string;
  probability: number;
}

/** The predicted label and the class scores, most probable first. */
export interface Prediction {
  /** The most probable label. */
  label: string;
  scores: Score[];
  /** Multi-label models: the labels at or above their threshold, most probable first. */
  labels?: Score[];
  /** Share of the text's words in no vocabulary term (a drift signal for metrics; not in answers). */
  unknownShare?: number;
  /** When asked for: per returned label, the terms that pushed the text towards and away from it. */
  explanation?: LabelExplanation[];
}

/** What is known about a trained model besides its weights; stored in the artefact. */
export interface ArtefactMetadata {
  createdAt: string;
  /** Resolved training options. */
  options: Record<string, unknown>;
  backend: BackendInfo;
  vocabularySize: number;
  trainSeconds: number;
  epochs: number;
  dataset: { documents: number; hash?: string };
  /** Evaluation on the validation split (or a test set), when there was one. */
  evaluation?: unknown;
  history?: unknown[];
  /** Calibration of the probabilities, fitted on the validation split (absent: none). */
  calibration?: Calibration;
  /** Multi-label models: each label's decision threshold, tuned on the validation split (absent: 0.5). */
  thresholds?: number[];
}

/**
 * A trained classifier: the vectoriser and label list around a TensorFlow.js LayersModel.
 * Predictions run in `tf.tidy`; call `dispose()` when it is no longer served.
 */
export class TextClassifier {
  readonly model: tf.LayersModel;
  /** How logits become probabilities and, for a multi-label model, labels. */
  readonly head: ModelHead;
  private readonly weights: NetworkTensors;

  constructor(
    readonly vectorizer: Vectorizer,
    readonly labels: readonly string[],
    readonly shape: NetworkShape,
    params: NetworkParams,
    readonly metadata: ArtefactMetadata,
  ) {
    this.model = buildModel(shape, params);
    this.head = modelHead(shape, metadata, labels);
    // The layers' variables keep their tensors for the model's life: look them up once, not per request.
    const [hiddenKernel, hiddenBias] = this.model.getLayer('hidden').getWeights();
    const [outputKernel, outputBias] = this.model.getLayer('output').getWeights();
    this.weights = {
      hiddenKernel: hiddenKernel as tf.Tensor2D,
      hiddenBias: hiddenBias as tf.Tensor1D,
      outputKernel: outputKernel as tf.Tensor2D,
      outputBias: outputBias as tf.Tensor1D,
      ...(shape.activation === 'linear' ? { linear: true } : {}),
    };
  }

  /**
   * Bytes this model holds in memory, estimated: its weights as float32 (int8 artefacts are widened
   * when loaded) and its vectoriser. What a serving budget counts per loaded copy.
   */
  memoryBytes(): number {
    return modelMemoryBytes(this.shape, this.vectorizer);
  }

  /** Whether this is a multi-label model (one sigmoid per label). */
  get multiLabel(): boolean {
    return this.head.output === 'sigmoid';
  }

  /** Calibrated class probabilities for a sparse matrix of documents, row-major [rows, classes]. */
  probabilities(x: CsrMatrix): Float32Array {
    return headProbabilities(this.logits(x), this.labels.length, this.head);
  }

  /** Output logits [rows, classes]: in place on host backends, else through the ops. */
  logits(x: CsrMatrix): Float32Array {
    return hostLogits(x, this.weights) ?? this.opsLogits(x);
  }

  /**
   * The network's own output (softmax or sigmoid of the logits, before calibration): what the
   * artefact's LayersModel computes.
   */
  rawProbabilities(x: CsrMatrix): Float32Array {
    return headProbabilities(this.logits(x), this.labels.length, { output: this.head.output });
  }

  /** {@link TextClassifier.probabilities} through TensorFlow.js ops on any backend (the reference path). */
  opsProbabilities(x: CsrMatrix): Float32Array {
    return headProbabilities(this.opsLogits(x), this.labels.length, this.head);
  }

  private opsLogits(x: CsrMatrix): Float32Array {
    const logits = this.logitTensor(x);
    try {
      return logits.dataSync() as Float32Array;
    } finally {
      logits.dispose();
    }
  }

  /**
   * `probabilities`, read back asynchronously: the form that works on every backend (webgpu
   * cannot read device memory synchronously under Node).
   */
  async probabilitiesAsync(x: CsrMatrix): Promise<Float32Array> {
    return headProbabilities(await this.logitsAsync(x), this.labels.length, this.head);
  }

  /** `logits`, read back asynchronously (works on webgpu too). */
  async logitsAsync(x: CsrMatrix): Promise<Float32Array> {
    const logits = this.logitTensor(x);
    try {
      return (await logits.data()) as Float32Array;
    } finally {
      logits.dispose();
    }
  }

  /** `predict`, read back asynchronously (works on webgpu too). */
  async predictAsync(
    texts: readonly string[],
    topK = this.labels.length,
    threshold?: number,
  ): Promise<Prediction[]> {
    if (texts.length === 0) return [];
    const probs = await this.probabilitiesAsync(this.vectorizer.transformMany(texts));
    return rankProbabilities(this.labels, probs, { topK, ...decision(this.head, threshold) });
  }

  private logitTensor(x: CsrMatrix): tf.Tensor {
    const rows = x.numRows;
    let width = 1;
    for (let r = 0; r < rows; r++) width = Math.max(width, x.rowPtr[r + 1]! - x.rowPtr[r]!);
    const ids = new Int32Array(rows * width);
    const weights = new Float32Array(rows * width);
    for (let r = 0; r < rows; r++) {
      const from = x.rowPtr[r]!;
      ids.set(x.indices.subarray(from, x.rowPtr[r + 1]!), r * width);
      weights.set(x.values.subarray(from, x.rowPtr[r + 1]!), r * width);
    }
    // The model's own graph up to the logits (SparseDense → ReLU or none → Dense; dropout is off at inference)
    // applied directly to its weights: LayersModel.predict adds ~200 µs of per-call bookkeeping,
    // more than the arithmetic for one document. A test checks both give the same probabilities.
    const { hiddenKernel: k1, hiddenBias: b1, outputKernel: k2, outputBias: b2 } = this.weights;
    return tf.tidy(() => {
      const idsT = tf.tensor2d(ids, [rows, width], 'int32');
      const weightsT = tf.tensor2d(weights, [rows, width]);
      const pre = tf.add(sparseLinear(idsT, weightsT, k1), b1);
      const hidden = this.weights.linear ? pre : tf.relu(pre);
      return tf.add(tf.matMul(hidden, k2), b2);
    });
  }

  /**
   * Classifies texts. Each prediction lists the `topK` most probable classes (all by default);
   * for a multi-label model also the labels at or above their threshold (or `threshold` for all).
   */
  predict(
    texts: readonly string[],
    topK = this.labels.length,
    threshold?: number,
    explain?: number,
  ): Prediction[] {
    if (texts.length === 0) return [];
    const { matrix, unknownShare } = this.vectorizer.transformManyMeasured(texts);
    const probs = this.probabilities(matrix);
    const out = rankProbabilities(this.labels, probs, {
      topK,
      unknownShare,
      ...decision(this.head, threshold),
    });
    if (explain) {
      this.explainRows(texts, probs, explain, threshold).forEach((e, r) => (out[r]!.explanation = e));
    }
    return out;
  }

  /**
   * Explanations of already scored texts (`probs` row-major, as `probabilities` gives them): per
   * text, the labels it is answered with (the top label; for a multi-label model those at or above
   * their threshold, or `threshold`), each with its `k` strongest terms either way.
   */
  explainRows(
    texts: readonly string[],
    probs: Float32Array,
    k: number,
    threshold?: number,
  ): LabelExplanation[][] {
    return explainScored(this, hostWeights(this.weights), texts, probs, k, threshold);
  }

  /** The trained parameters, read back from the model. */
  params(): NetworkParams {
    const w = this.weights;
    return {
      hiddenKernel: w.hiddenKernel.dataSync() as Float32Array,
      hiddenBias: w.hiddenBias.dataSync() as Float32Array,
      outputKernel: w.outputKernel.dataSync() as Float32Array,
      outputBias: w.outputBias.dataSync() as Float32Array,
    };
  }

  dispose(): void {
    this.model.dispose();
  }

  /**
   * Why `text` scores as it does for each label in `labelIndices` (in that order): the up to `k`
   * terms that push it towards the label most and the up to `k` that push it away, with their
   * spans in `text` (see `explain.ts` for the exact attribution). Host arrays only, no tensors.
   */
  explain(text: string, labelIndices: readonly number[], k = 5): LabelExplanation[] {
    const w = hostWeights(this.weights);
    const output = this.shape.output ?? 'softmax';
    return explainText(this.vectorizer, this.labels, w, text, labelIndices, k, output);
  }
}

/** How {@link rankProbabilities} ranks and decides. */
export interface RankOptions {
  /** Classes listed in `scores` (at least one; default all). */
  topK?: number;
  /** Each text's unknown-word share, passed through to the predictions. */
  unknownShare?: Float32Array;
  /** Multi-label: each label's threshold; the labels at or above it form `labels`. */
  thresholds?: readonly number[];
}

/**
 * Predictions from row-major probabilities [rows, labels.length]: each lists the `topK` most
 * probable classes (at least one), ties broken by label; with `thresholds` (a multi-label model)
 * also every label at or above its threshold, in the same order.
 */
export function rankProbabilities(
  labels: readonly string[],
  probs: Float32Array,
  opts: RankOptions = {},
): Prediction[] {
  const c = labels.length;
  const n = c === 0 ? 0 : probs.length / c;
  const k = Math.max(1, Math.min(opts.topK ?? c, c));
  const { thresholds, unknownShare } = opts;
  const out: Prediction[] = [];
  for (let r = 0; r < n; r++) {
    const scores: Score[] = [];
    for (let j = 0; j < c; j++) scores.push({ label: labels[j]!, probability: probs[r * c + j]! });
    const above = thresholds && scores.filter((s, j) => s.probability >= thresholds[j]!);
    const order = (a: Score, b: Score) => b.probability - a.probability || (a.label < b.label ? -1 : 1);
    scores.sort(order);
    const p: Prediction = { label: scores[0]!.label, scores: scores.slice(0, k) };
    if (above) p.labels = above.sort(order);
    if (unknownShare) p.unknownShare = unknownShare[r]!;
    out.push(p);
  }
  return out;
}
