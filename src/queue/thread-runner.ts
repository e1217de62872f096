import type { ResourceLimits, Worker } from 'node:worker_threads';
import { siblingEntry, spawnThread } from '../common/index.js';
import type { JobProgress } from '../contract/index.js';
import { AppError, fromSerial } from '../errors/index.js';
import type { VersionMeta } from '../registry/index.js';
import type { EpochTiming } from '../training/index.js';
import type { FromThread, ThreadInput } from './thread-protocol.js';

/** What the parent does with the thread's reports; awaited in order. */
export interface ThreadHandlers {
  onProgress(p: JobProgress, timing: EpochTiming): Promise<void>;
  onCheckpoint(bytes: Uint8Array, epoch: number): Promise<void>;
}

/** What a training thread hands back: the serialised model and what the registry records of it. */
export interface TrainedModel {
  artefact: Uint8Array;
  meta: VersionMeta;
}

/** A running training thread. */
export interface TrainingThread {
  /** Settles with the artefact, or rejects with the thread's error (AppError codes survive). */
  result: Promise<TrainedModel>;
  /** Asks the thread to stop between batches; terminates it if it has not stopped after `graceMs`. */
  cancel(reason: string, graceMs?: number): void;
  /** Ends the thread now (idempotent). */
  terminate(): Promise<void>;
}

/** Options for starting a thread. */
export interface ThreadOptions {
  /** Module to run; defaults to `train-thread` next to this file (tests inject fakes). */
  entry?: URL;
  resourceLimits?: ResourceLimits;
}

/** The default thread entry, `.ts` under tsx, `.js` when compiled. */
export function defaultThreadEntry(): URL {
  return siblingEntry(import.meta.url, 'train-thread');
}

/** Threads started by this process that have not exited yet. */
const live = new Set<Worker>();

/**
 * How many training threads of this process are still alive (started, no 'exit' event yet): 0
 * whenever no job runs, or a thread outlived its job.
 */
export function liveTrainingThreads(): number {
  return live.size;
}

function spawnWorker(entry: URL, input: ThreadInput, resourceLimits?: ResourceLimits): Worker {
  const transferList = input.dataset.parts.map((p) => p.packed.buffer as ArrayBuffer);
  if (input.resumeFrom) transferList.push(input.resumeFrom.buffer as ArrayBuffer);
  if (input.base) transferList.push(input.base.buffer as ArrayBuffer);
  return spawnThread(entry, {
    workerData: input,
    transferList,
    ...(resourceLimits ? { resourceLimits } : {}),
  });
}

/**
 * Runs one training in a worker thread. Progress and checkpoint reports are handled one at a time
 * in order; the result waits for them. The thread is always terminated when the run settles.
 */
export function startTrainingThread(
  input: ThreadInput,
  handlers: ThreadHandlers,
  opts: ThreadOptions = {},
): TrainingThread {
  const worker = spawnWorker(opts.entry ?? defaultThreadEntry(), input, opts.resourceLimits);
  live.add(worker);
  worker.once('exit', () => live.delete(worker));
  let chain: Promise<void> = Promise.resolve();
  let settled = false;
  let killTimer: NodeJS.Timeout | undefined;
  let cancelReason: string | undefined;

  const result = new Promise<TrainedModel>((resolve, reject) => {
    const fail = (err: Error) => {
      chain = chain.catch(() => undefined);
      void chain.then(() => reject(err));
    };
    worker.on('message', (m: FromThread) => {
      if (m.type === 'progress') chain = chain.then(() => handlers.onProgress(m.progress, m.timing));
      else if (m.type === 'checkpoint') chain = chain.then(() => handlers.onCheckpoint(m.bytes, m.epoch));
      else if (m.type === 'result') chain.then(() => resolve({ artefact: m.artefact, meta: m.meta }), reject);
      else fail(fromSerial(m.error));
    });
    worker.on('error', (err) => fail(err));
    worker.on('exit', (code) => {
      if (cancelReason !== undefined) fail(new AppError('CANCELLED', `training stopped: ${cancelReason}`));
      else fail(new Error(`training thread exited (code ${code}) before finishing`));
    });
  });
  const terminate = async () => {
    clearTimeout(killTimer);
    await worker.terminate();
  };
  void result
    .then(
      () => undefined,
      () => undefined,
    )
    .finally(() => {
      settled = true;
      void terminate();
    });
  return {
    result,
    cancel(reason, graceMs = 10_000) {
      if (settled || cancelReason !== undefined) return;
      cancelReason = reason;
      worker.postMessage({ type: 'cancel', reason });
      killTimer = setTimeout(() => void worker.terminate(), graceMs);
      killTimer.unref();
    },
    terminate,
  };
}
