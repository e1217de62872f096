/**
 * Messages between an API process's main thread and its inference threads. Only plain data
 * crosses: artefact bytes in, probabilities (row-major Float32Array) out; labels and ranking stay
 * on the main thread.
 */
import type { BackendChoice, WebGpuAdapterChoice } from '../../config/index.js';
import type { SerialError } from '../../errors/index.js';
import type { BackendInfo, LabelExplanation, ModelHead } from '../../model/index.js';

/** `workerData` of an inference thread. */
export interface InferenceThreadInput {
  backend: BackendChoice;
  webgpuAdapter?: WebGpuAdapterChoice;
}

/** What the main thread needs of a loaded model to rank and decide its probabilities. */
export interface LoadedInfo {
  labels: string[];
  head: ModelHead;
  /** The model's memory in one thread, estimated (`TextClassifier.memoryBytes`). */
  memoryBytes: number;
}

/** What a prediction request asks for besides the probabilities. */
export interface PredictAsk {
  /** Explain each text's answer with this many terms either way (absent: no explanation). */
  explain?: number;
  /** A multi-label request's threshold for every label (decides which labels are explained). */
  threshold?: number;
}

/** One prediction request: a batch of texts for a loaded model. */
export interface PredictItem extends PredictAsk {
  id: number;
  handle: number;
  texts: string[];
}

/** Main → thread. Handled strictly in order, so a `dispose` never overtakes a `predict`. */
export type ToInference =
  | { type: 'load'; handle: number; bytes: Uint8Array }
  | { type: 'predict'; items: PredictItem[] }
  | { type: 'dispose'; handle: number }
  | { type: 'stats'; id: number };

/** The answer to one {@link PredictItem}. */
export type PredictResult =
  | { id: number; probs: Float32Array; unknownShare: Float32Array; explanations?: LabelExplanation[][] }
  | { id: number; error: SerialError };

/** Thread → main. */
export type FromInference =
  | { type: 'ready'; backend: BackendInfo }
  | { type: 'startFailed'; error: SerialError }
  | { type: 'loaded'; handle: number; info: LoadedInfo }
  | { type: 'loadFailed'; handle: number; error: SerialError }
  | { type: 'results'; results: PredictResult[] }
  | { type: 'stats'; id: number; numTensors: number; models: number };
