/**
 * Messages between an API process's main thread and its inference threads. Only plain data
 * crosses: artefact bytes in, probabilities (row-major Float32Array) out; labels and ranking stay
 * on the main thread.
 */
import type { BackendChoice, WebGpuAdapterChoice } from '../../config/index.js';
import type { SerialError } from '../../errors/index.js';
import type { BackendInfo } from '../../model/index.js';

/** `workerData` of an inference thread. */
export interface InferenceThreadInput {
  backend: BackendChoice;
  webgpuAdapter?: WebGpuAdapterChoice;
}

/** One prediction request: a batch of texts for a loaded model. */
export interface PredictItem {
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
  { id: number; probs: Float32Array; unknownShare: Float32Array } | { id: number; error: SerialError };

/** Thread → main. */
export type FromInference =
  | { type: 'ready'; backend: BackendInfo }
  | { type: 'startFailed'; error: SerialError }
  | { type: 'loaded'; handle: number; labels: string[] }
  | { type: 'loadFailed'; handle: number; error: SerialError }
  | { type: 'results'; results: PredictResult[] }
  | { type: 'stats'; id: number; numTensors: number; models: number };
