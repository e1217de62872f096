import type { Worker } from 'node:worker_threads';
import { siblingEntry, spawnThread } from '../common/index.js';
import { fromSerial } from '../errors/index.js';
import type { BulkThreadInput, FromBulkThread, ToBulkThread } from './thread-protocol.js';

/** A running bulk classification thread with one version loaded. */
export interface BulkThread {
  /** Settles once the version is loaded (or rejects with why it could not be). */
  ready: Promise<void>;
  /** The result chunk (gzipped NDJSON) for input chunk `n`, and how many texts it answers. */
  classify(n: number, input: Uint8Array): Promise<{ output: Uint8Array; count: number }>;
  /** Ends the thread now (idempotent); whatever is pending rejects. */
  terminate(): Promise<void>;
}

interface Pending {
  resolve(v: { output: Uint8Array; count: number }): void;
  reject(err: Error): void;
}

/** The default entry, `thread` next to this file (`.ts` under tsx, `.js` when compiled). */
export function defaultBulkEntry(): URL {
  return siblingEntry(import.meta.url, 'thread');
}

/**
 * Starts a bulk thread on `input`'s artefact. Chunks are answered in the order asked; an error in
 * the thread, or its exit, rejects everything pending (the job's attempt fails with it).
 */
export function startBulkThread(input: BulkThreadInput, entry = defaultBulkEntry()): BulkThread {
  const artefact = new Uint8Array(input.artefact);
  const worker: Worker = spawnThread(entry, {
    workerData: { ...input, artefact },
    transferList: [artefact.buffer as ArrayBuffer],
  });
  const pending = new Map<number, Pending>();
  let failure: Error | undefined;
  let markReady: () => void = () => undefined;
  let failReady: (err: Error) => void = () => undefined;
  const ready = new Promise<void>((res, rej) => ((markReady = res), (failReady = rej)));
  ready.catch(() => undefined);
  const fail = (err: Error) => {
    failure ??= err;
    failReady(failure);
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };
  worker.on('message', (m: FromBulkThread) => {
    if (m.type === 'ready') markReady();
    else if (m.type === 'chunk') {
      pending.get(m.n)?.resolve({ output: m.output, count: m.count });
      pending.delete(m.n);
    } else fail(fromSerial(m.error));
  });
  worker.on('error', (err) => fail(err));
  worker.on('exit', (code) => fail(new Error(`bulk thread exited (code ${code})`)));
  return {
    ready,
    classify(n, bytes) {
      if (failure) return Promise.reject(failure);
      const copy = new Uint8Array(bytes); // its own ArrayBuffer, so it can be transferred
      return new Promise((resolve, reject) => {
        pending.set(n, { resolve, reject });
        const msg: ToBulkThread = { type: 'chunk', n, input: copy };
        worker.postMessage(msg, [copy.buffer as ArrayBuffer]);
      });
    },
    async terminate() {
      await worker.terminate();
    },
  };
}
