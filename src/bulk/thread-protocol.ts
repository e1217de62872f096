/**
 * Messages between a bulk worker (main thread) and its classification thread. Only plain data and
 * transferable bytes cross; Redis stays in the main thread.
 */
import type { BackendChoice, WebGpuAdapterChoice } from '../config/index.js';
import type { SerialError } from '../errors/index.js';

/** How the job answers: the request's options, with the cut-off already resolved. */
export interface AnswerOptions {
  topK?: number;
  threshold?: number;
  /** Below this top probability an answer abstains (the job's `minProbability`, else the version's). */
  cutOff: number;
}

/** `workerData` of a bulk thread. */
export interface BulkThreadInput {
  artefact: Uint8Array;
  answer: AnswerOptions;
  backend: BackendChoice;
  webgpuAdapter?: WebGpuAdapterChoice;
  /** Nice value the thread gives itself (Linux: per thread). */
  nice?: number;
}

/** Main → thread: classify one input chunk (its stored bytes). */
export type ToBulkThread = { type: 'chunk'; n: number; input: Uint8Array };

/** Thread → main. */
export type FromBulkThread =
  | { type: 'ready' }
  | { type: 'chunk'; n: number; output: Uint8Array; count: number }
  | { type: 'error'; error: SerialError };
