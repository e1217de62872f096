/**
 * Runs autotune trials in worker threads that stay warm from one trial to the next, so the
 * worker's event loop keeps its locks renewed and a trial does not pay for a thread's start.
 */
import type { Worker } from 'node:worker_threads';
import { siblingEntry, spawnThread } from '../common/index.js';
import type { TrialResult, TrialSpec, SearchMetric } from '../autotune/index.js';
import type { BackendChoice, WebGpuAdapterChoice } from '../config/index.js';
import type { TrainingOptionsInput } from '../contract/index.js';
import { fromSerial, type SerialError } from '../errors/index.js';

/** What a trial thread is started with (`workerData`): the same for every trial it runs. */
export interface TrialThreadSetup {
  backend: BackendChoice;
  webgpuAdapter?: WebGpuAdapterChoice;
  nice?: number;
}

/** One trial, as its thread is asked to run it. */
export interface TrialRequest {
  /** The data set's hash: the thread keeps the last one it decoded. */
  datasetHash: string;
  options: TrainingOptionsInput;
  spec: TrialSpec;
  metric: SearchMetric;
  /** The search's deadline (ms since the epoch). */
  deadline: number;
}

/** Main → thread: run a trial (with the data set's canonical bytes, transferred, when the thread lacks them), or cancel it. */
export type TrialToThread =
  | ({ type: 'trial'; id: number; dataset?: Uint8Array } & TrialRequest)
  | { type: 'cancel'; id: number; reason: string };

/** Thread → main. */
export type TrialFromThread =
  { type: 'result'; id: number; result: TrialResult } | { type: 'error'; id: number; error: SerialError };

/** A running trial: cancellable like a training thread. */
export interface TrialThread {
  result: Promise<TrialResult>;
  cancel(reason: string): void;
}

/** A thread and what it holds. */
interface Warm {
  worker: Worker;
  datasetHash?: string;
  idleTimer?: NodeJS.Timeout;
}

/**
 * Trial threads of one worker process. A trial takes an idle thread (one that holds its data set
 * first), else starts one; when it ends the thread waits `idleMs` for the next trial before it
 * exits. A thread keeps its module graph and backend loaded and the last data set decoded: a
 * search's trials of one data set then cost their training alone. Under tsx a thread's start
 * took 1.6–1.8 s beside a 1.3–1.4 s sms-spam trial, and with two workers on two cores those starts
 * were most of a search. A thread that fails (not a trial: the thread) is dropped.
 */
export class TrialThreads {
  private readonly idle: Warm[] = [];
  private nextId = 1;
  /** Threads started so far (a figure for tests and logs). */
  started = 0;

  constructor(
    private readonly setup: TrialThreadSetup,
    private readonly idleMs = 30_000,
    private readonly entry: URL = siblingEntry(import.meta.url, 'trial-thread'),
  ) {}

  /**
   * Runs `request` in a warm thread; `load` gives the data set's canonical bytes, and is only
   * called when the thread does not hold them already.
   */
  async run(request: TrialRequest, load: () => Promise<Uint8Array>): Promise<TrialThread> {
    const warm = this.take(request.datasetHash);
    let dataset: Uint8Array | undefined;
    try {
      if (warm.datasetHash !== request.datasetHash) dataset = await load();
    } catch (err) {
      this.release(warm);
      throw err;
    }
    warm.datasetHash = request.datasetHash;
    const id = this.nextId++;
    const result = this.await(warm, id);
    const message: TrialToThread = { type: 'trial', id, ...request, ...(dataset ? { dataset } : {}) };
    warm.worker.postMessage(message, dataset ? [dataset.buffer as ArrayBuffer] : []);
    return {
      result,
      cancel: (reason) => warm.worker.postMessage({ type: 'cancel', id, reason } satisfies TrialToThread),
    };
  }

  /** Ends every thread (a worker's shutdown). */
  async close(): Promise<void> {
    const all = this.idle.splice(0);
    await Promise.all(all.map((w) => this.end(w)));
  }

  /** An idle thread, one holding `datasetHash` first, else a new one. */
  private take(datasetHash: string): Warm {
    const i = this.idle.findIndex((w) => w.datasetHash === datasetHash);
    const warm = i >= 0 ? this.idle.splice(i, 1)[0]! : (this.idle.pop() ?? this.spawn());
    clearTimeout(warm.idleTimer);
    warm.worker.ref();
    return warm;
  }

  private spawn(): Warm {
    this.started++;
    return { worker: spawnThread(this.entry, { workerData: this.setup }) };
  }

  /** The result of trial `id`; the thread goes back to idle after it, or is dropped if it failed. */
  private await(warm: Warm, id: number): Promise<TrialResult> {
    const { worker } = warm;
    return new Promise<TrialResult>((resolve, reject) => {
      const onMessage = (m: TrialFromThread) => {
        if (m.id !== id) return;
        done();
        this.release(warm);
        if (m.type === 'result') resolve(m.result);
        else reject(fromSerial(m.error));
      };
      const onError = (err: Error) => {
        done();
        void this.end(warm);
        reject(err);
      };
      const onExit = (code: number) =>
        onError(new Error(`trial thread exited (code ${code}) before finishing`));
      const done = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }

  /** Back to the idle threads, ending after `idleMs` without a trial. */
  private release(warm: Warm): void {
    warm.idleTimer = setTimeout(() => {
      const i = this.idle.indexOf(warm);
      if (i >= 0) this.idle.splice(i, 1);
      void this.end(warm);
    }, this.idleMs);
    warm.idleTimer.unref();
    // An idle thread does not keep the process alive.
    warm.worker.unref();
    this.idle.push(warm);
  }

  private async end(warm: Warm): Promise<void> {
    clearTimeout(warm.idleTimer);
    await warm.worker.terminate();
  }
}
