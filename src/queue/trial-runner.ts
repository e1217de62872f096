/** Runs one autotune trial in a worker thread, so the worker's event loop keeps its locks renewed. */
import { siblingEntry, spawnThread } from '../common/index.js';
import type { TrialResult, TrialSpec, SearchMetric } from '../autotune/index.js';
import type { BackendChoice, WebGpuAdapterChoice } from '../config/index.js';
import type { TrainingOptionsInput } from '../contract/index.js';
import { fromSerial, type SerialError } from '../errors/index.js';

/** `workerData` of a trial thread. */
export interface TrialThreadInput {
  /** Canonical NDJSON bytes of the data set (transferred). */
  dataset: Uint8Array;
  options: TrainingOptionsInput;
  spec: TrialSpec;
  metric: SearchMetric;
  /** The search's deadline (ms since the epoch). */
  deadline: number;
  backend: BackendChoice;
  webgpuAdapter?: WebGpuAdapterChoice;
  nice?: number;
}

/** Thread → main. */
export type TrialFromThread = { type: 'result'; result: TrialResult } | { type: 'error'; error: SerialError };

/** A running trial thread: cancellable like a training thread. */
export interface TrialThread {
  result: Promise<TrialResult>;
  cancel(reason: string): void;
}

/** Starts the trial; the thread ends once it has posted its result (or is terminated on error). */
export function startTrialThread(input: TrialThreadInput, entry?: URL): TrialThread {
  const worker = spawnThread(entry ?? siblingEntry(import.meta.url, 'trial-thread'), {
    workerData: input,
    transferList: [input.dataset.buffer as ArrayBuffer],
  });
  const result = new Promise<TrialResult>((resolve, reject) => {
    worker.on('message', (m: TrialFromThread) => {
      if (m.type === 'result') resolve(m.result);
      else reject(fromSerial(m.error));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`trial thread exited (code ${code}) before finishing`)));
  });
  void result.catch(() => undefined).finally(() => void worker.terminate());
  return {
    result,
    cancel: (reason) => worker.postMessage({ type: 'cancel', reason }),
  };
}
