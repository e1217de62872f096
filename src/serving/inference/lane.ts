import type { Worker } from 'node:worker_threads';
import { spawnThread } from '../../common/index.js';
import { fromSerial } from '../../errors/index.js';
import type { BackendInfo, LabelExplanation } from '../../model/index.js';
import type {
  FromInference,
  InferenceThreadInput,
  LoadedInfo,
  PredictItem,
  ToInference,
} from './protocol.js';

/** The answer to one prediction request: probabilities [texts, classes] and each text's unknown-word share. */
export interface Scored {
  probs: Float32Array;
  unknownShare: Float32Array;
  /** Per text, its explained labels (when asked for). */
  explanations?: LabelExplanation[][];
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(err: Error): void;
}

/** Young-generation size of an inference thread's heap (see `bench:serve-memory`). */
const YOUNG_GENERATION_MB = 6;

/** One live thread and what is in flight on it. */
export class Lane {
  readonly worker: Worker;
  /** Settles once the thread's backend is up. */
  readonly started: Promise<BackendInfo>;
  /** Models loaded in this thread (by handle). */
  readonly loaded = new Set<number>();
  /** Predictions not yet posted (sent together once per event-loop turn). */
  queue: PredictItem[] = [];
  /** Texts posted or queued and not yet answered: the load measure for picking a lane. */
  outstanding = 0;
  readonly predictions = new Map<number, Waiter<Scored> & { texts: number }>();
  readonly loads = new Map<number, Waiter<LoadedInfo>>();
  readonly stats = new Map<number, Waiter<{ numTensors: number; models: number }>>();
  dead = false;

  constructor(entry: URL, input: InferenceThreadInput) {
    this.worker = spawnThread(entry, {
      workerData: input,
      // A small young generation: serving allocates little per request and keeps little, and V8's
      // default (semi-spaces of up to 16 MB) holds tens of MB resident per thread for nothing.
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    this.started = new Promise<BackendInfo>((resolve, reject) => {
      this.worker.on('message', (m: FromInference) => {
        if (m.type === 'ready') resolve(m.backend);
        else if (m.type === 'startFailed') {
          reject(fromSerial(m.error));
          void this.worker.terminate(); // it cannot serve: its exit lets the pool replace it (backing off)
        } else this.onMessage(m);
      });
      this.worker.once('exit', (code) =>
        reject(new Error(`inference thread exited (code ${code}) while starting`)),
      );
    });
    this.started.catch(() => undefined);
  }

  post(m: ToInference, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  flush(): void {
    if (this.queue.length === 0 || this.dead) return;
    this.post({ type: 'predict', items: this.queue });
    this.queue = [];
  }

  /** Fails everything in flight (the thread is gone). */
  failAll(err: Error): void {
    this.dead = true;
    for (const w of [...this.predictions.values(), ...this.loads.values(), ...this.stats.values()])
      w.reject(err);
    this.predictions.clear();
    this.loads.clear();
    this.stats.clear();
    this.queue = [];
    this.outstanding = 0;
  }

  private onMessage(m: FromInference): void {
    if (m.type === 'results') {
      for (const r of m.results) {
        const w = this.predictions.get(r.id);
        if (!w) continue;
        this.predictions.delete(r.id);
        this.outstanding -= w.texts;
        if ('probs' in r) w.resolve(r);
        else w.reject(fromSerial(r.error));
      }
    } else if (m.type === 'loaded' || m.type === 'loadFailed') {
      const w = this.loads.get(m.handle);
      this.loads.delete(m.handle);
      if (m.type === 'loaded') {
        this.loaded.add(m.handle);
        w?.resolve(m.info);
      } else w?.reject(fromSerial(m.error));
    } else if (m.type === 'stats') {
      this.stats.get(m.id)?.resolve({ numTensors: m.numTensors, models: m.models });
      this.stats.delete(m.id);
    }
  }
}
