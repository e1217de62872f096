/**
 * A trained classifier served from host arrays, without TensorFlow.js: what an inference thread
 * loads when the backend would be cpu or wasm, where serving already runs these very loops (so
 * the thread does not load TensorFlow.js, its layers or a wasm heap for nothing).
 */
import type { CsrMatrix, Vectorizer } from '../text/index.js';
import { decodeArtefact } from './artefact-format.js';
import type { ArtefactMetadata } from './classifier.js';
import { explainScored, type LabelExplanation } from './explain.js';
import { headProbabilities, type ModelHead } from './head.js';
import { logitsOnHost, type HostWeights } from './host-logits.js';
import type { NetworkShape } from './network.js';

/** The head a model's artefact describes: output kind, calibration, multi-label thresholds. */
export function modelHead(
  shape: NetworkShape,
  metadata: ArtefactMetadata,
  labels: readonly string[],
): ModelHead {
  const output = shape.output ?? 'softmax';
  return {
    output,
    ...(metadata.calibration ? { calibration: metadata.calibration } : {}),
    ...(output === 'sigmoid' ? { thresholds: metadata.thresholds ?? labels.map(() => 0.5) } : {}),
  };
}

/**
 * What a loaded model adds to its process's resident memory beyond the arrays and strings counted:
 * the allocator's and the garbage collector's share. Calibrated on bbc-news (200,000 features):
 * each copy loaded in a thread added 58.7 MB resident against 47.4 MB counted.
 */
const RESIDENT_OVERHEAD = 1.25;

/**
 * Bytes a loaded model holds in memory, estimated: its weights (`weightBytes`, else float32 of its
 * shape: int8 artefacts are widened when loaded) and its vectoriser, with {@link RESIDENT_OVERHEAD}.
 */
export function modelMemoryBytes(shape: NetworkShape, vectorizer: Vectorizer, weightBytes?: number): number {
  const { vocabularySize: v, hiddenUnits: h, numClasses: c } = shape;
  const weights = weightBytes ?? 4 * (v * h + h + h * c + c);
  return Math.round((weights + vectorizer.memoryBytes()) * RESIDENT_OVERHEAD);
}

/** Bytes of the distinct buffers under `arrays` (weights viewed in place keep their artefact's whole buffer). */
function bufferBytes(arrays: ArrayBufferView[]): number {
  const buffers = new Set(arrays.map((a) => a.buffer));
  let n = 0;
  for (const b of buffers) n += b.byteLength;
  return n;
}

/** The serving half of `TextClassifier` (probabilities, explanations) on plain arrays. */
export class HostClassifier {
  readonly head: ModelHead;

  constructor(
    readonly vectorizer: Vectorizer,
    readonly labels: readonly string[],
    readonly shape: NetworkShape,
    private readonly weights: HostWeights,
    metadata: ArtefactMetadata,
  ) {
    this.head = modelHead(shape, metadata, labels);
  }

  /** Calibrated class probabilities, row-major [rows, classes], as `TextClassifier.probabilities`. */
  probabilities(x: CsrMatrix): Float32Array {
    return headProbabilities(logitsOnHost(x, this.weights), this.labels.length, this.head);
  }

  /** As `TextClassifier.explainRows`. */
  explainRows(
    texts: readonly string[],
    probs: Float32Array,
    k: number,
    threshold?: number,
  ): LabelExplanation[][] {
    return explainScored(this, this.weights, texts, probs, k, threshold);
  }

  memoryBytes(): number {
    const w = this.weights;
    const bytes = bufferBytes([w.hiddenKernel, w.hiddenBias, w.outputKernel, w.outputBias]);
    return modelMemoryBytes(this.shape, this.vectorizer, bytes);
  }

  /** Nothing to release (plain arrays); there for the same surface as `TextClassifier`. */
  dispose(): void {}
}

/**
 * A {@link HostClassifier} from `serializeArtefact` bytes (checksum verified, in slices, as
 * `deserializeArtefact`). Float32 weights that lie aligned are used in place: the caller hands
 * the bytes over and must not change them.
 * @throws AppError ARTEFACT_CORRUPT when the bytes fail their checks.
 */
export async function loadHostClassifier(bytes: Uint8Array): Promise<HostClassifier> {
  const { parts, vectorizer } = await decodeArtefact(bytes);
  const { header, params } = parts;
  const weights = header.shape.activation === 'linear' ? { ...params, linear: true } : params;
  return new HostClassifier(vectorizer, header.labels, header.shape, weights, header.metadata);
}
