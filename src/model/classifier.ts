import * as tf from '@tensorflow/tfjs';
import { Vectorizer, type CsrMatrix } from '../text/index.js';
import type { BackendInfo } from './backend.js';
import { sparseLinear } from './kernels/index.js';
import { hostProbabilities, type NetworkTensors } from './host-forward.js';
import { buildModel, type NetworkParams, type NetworkShape } from './network.js';

/** One class and its probability. */
export interface Score {
  label: string;
  probability: number;
}

/** The predicted label and the class scores, most probable first. */
export interface Prediction {
  label: string;
  scores: Score[];
  /** Share of the text's words in no vocabulary term (a drift signal for metrics; not in answers). */
  unknownShare?: number;
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
}

/**
 * A trained classifier: the vectoriser and label list around a TensorFlow.js LayersModel.
 * Predictions run in `tf.tidy`; call `dispose()` when it is no longer served.
 */
export class TextClassifier {
  readonly model: tf.LayersModel;
  private readonly weights: NetworkTensors;

  constructor(
    readonly vectorizer: Vectorizer,
    readonly labels: readonly string[],
    readonly shape: NetworkShape,
    params: NetworkParams,
    readonly metadata: ArtefactMetadata,
  ) {
    this.model = buildModel(shape, params);
    // The layers' variables keep their tensors for the model's life: look them up once, not per request.
    const [hiddenKernel, hiddenBias] = this.model.getLayer('hidden').getWeights();
    const [outputKernel, outputBias] = this.model.getLayer('output').getWeights();
    this.weights = {
      hiddenKernel: hiddenKernel as tf.Tensor2D,
      hiddenBias: hiddenBias as tf.Tensor1D,
      outputKernel: outputKernel as tf.Tensor2D,
      outputBias: outputBias as tf.Tensor1D,
    };
  }

  /** Class probabilities for a sparse matrix of documents, row-major [rows, classes]. */
  probabilities(x: CsrMatrix): Float32Array {
    return hostProbabilities(x, this.weights) ?? this.opsProbabilities(x);
  }

  /** {@link TextClassifier.probabilities} through TensorFlow.js ops on any backend (the reference path). */
  opsProbabilities(x: CsrMatrix): Float32Array {
    const probs = this.probabilityTensor(x);
    try {
      return probs.dataSync() as Float32Array;
    } finally {
      probs.dispose();
    }
  }

  /**
   * `probabilities`, read back asynchronously: the form that works on every backend (webgpu
   * cannot read device memory synchronously under Node).
   */
  async probabilitiesAsync(x: CsrMatrix): Promise<Float32Array> {
    const probs = this.probabilityTensor(x);
    try {
      return (await probs.data()) as Float32Array;
    } finally {
      probs.dispose();
    }
  }

  /** `predict`, read back asynchronously (works on webgpu too). */
  async predictAsync(texts: readonly string[], topK = this.labels.length): Promise<Prediction[]> {
    if (texts.length === 0) return [];
    return rankProbabilities(
      this.labels,
      await this.probabilitiesAsync(this.vectorizer.transformMany(texts)),
      topK,
    );
  }

  private probabilityTensor(x: CsrMatrix): tf.Tensor {
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
    // The model's own graph (SparseDense → ReLU → Dense → softmax; dropout is off at inference)
    // applied directly to its weights: LayersModel.predict adds ~200 µs of per-call bookkeeping,
    // more than the arithmetic for one document. A test checks both give the same probabilities.
    const { hiddenKernel: k1, hiddenBias: b1, outputKernel: k2, outputBias: b2 } = this.weights;
    return tf.tidy(() => {
      const idsT = tf.tensor2d(ids, [rows, width], 'int32');
      const weightsT = tf.tensor2d(weights, [rows, width]);
      const hidden = tf.relu(tf.add(sparseLinear(idsT, weightsT, k1), b1));
      return tf.softmax(tf.add(tf.matMul(hidden, k2), b2));
    });
  }

  /**
   * Classifies texts. Each prediction lists the `topK` most probable classes (all by default).
   */
  predict(texts: readonly string[], topK = this.labels.length): Prediction[] {
    if (texts.length === 0) return [];
    const { matrix, unknownShare } = this.vectorizer.transformManyMeasured(texts);
    return rankProbabilities(this.labels, this.probabilities(matrix), topK, unknownShare);
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
}

/**
 * Predictions from row-major probabilities [rows, labels.length]: each lists the `topK` most
 * probable classes (at least one), ties broken by label.
 */
export function rankProbabilities(
  labels: readonly string[],
  probs: Float32Array,
  topK = labels.length,
  unknownShare?: Float32Array,
): Prediction[] {
  const c = labels.length;
  const n = c === 0 ? 0 : probs.length / c;
  const k = Math.max(1, Math.min(topK, c));
  const out: Prediction[] = [];
  for (let r = 0; r < n; r++) {
    const scores: Score[] = [];
    for (let j = 0; j < c; j++) scores.push({ label: labels[j]!, probability: probs[r * c + j]! });
    scores.sort((a, b) => b.probability - a.probability || (a.label < b.label ? -1 : 1));
    const p: Prediction = { label: scores[0]!.label, scores: scores.slice(0, k) };
    if (unknownShare) p.unknownShare = unknownShare[r]!;
    out.push(p);
  }
  return out;
}
