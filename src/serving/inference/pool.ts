import type { BackendChoice, WebGpuAdapterChoice } from '../../config/index.js';
import { AppError } from '../../errors/index.js';
import { silentLogger, type Logger } from '../../log/index.js';
import { backoffMs, siblingEntry } from '../../common/index.js';
import type { BackendInfo } from '../../model/index.js';
import { Lane, type Scored } from './lane.js';
import type { InferenceThreadInput, LoadedInfo, PredictAsk } from './protocol.js';
import { RemoteModel } from './remote-model.js';

/** How to start an {@link InferencePool}. */
export interface InferencePoolOptions {
  /** Inference threads (at least 1); every loaded model is loaded in each. */
  threads: number;
  backend: BackendChoice;
  webgpuAdapter?: WebGpuAdapterChoice;
  logger?: Logger;
  /** Thread module; defaults to `thread` next to this file (tests inject fakes). */
  entry?: URL;
  /** Wait before replacing a thread that died; doubles per death in a row, up to 30 s. Default 500 ms. */
  restartDelayMs?: number;
}

/**
 * Inference threads of one API process. The main thread keeps HTTP (parsing, validation, routing,
 * answers); vectorising and the network run in these threads, on other cores and off the event
 * loop, so a long batch never delays other requests and a model version loads without stalling
 * them. Every model is loaded in every thread; each prediction goes to the thread with the fewest
 * texts in flight, and all predictions made in one event-loop turn travel in one message per thread.
 * A thread that dies is replaced and its models reloaded; what it had in flight fails with
 * SERVICE_UNAVAILABLE (a client may retry), and nothing waits on it meanwhile.
 */
export class InferencePool {
  private readonly lanes: (Lane | undefined)[];
  /** Live models, with what a replacement thread needs to load them. */
  private readonly models = new Map<number, { info: LoadedInfo; source: ModelSource }>();
  private readonly entry: URL;
  private readonly input: InferenceThreadInput;
  private readonly log: Logger;
  private readonly ready: Promise<BackendInfo>;
  private startedBackend: BackendInfo | undefined;
  private nextHandle = 1;
  private nextId = 1;
  private flushScheduled = false;
  private closed = false;
  private deathsInARow = 0;
  private restartTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly opts: InferencePoolOptions) {
    this.entry = opts.entry ?? siblingEntry(import.meta.url, 'thread');
    this.input = {
      backend: opts.backend,
      ...(opts.webgpuAdapter ? { webgpuAdapter: opts.webgpuAdapter } : {}),
    };
    this.log = opts.logger ?? silentLogger;
    const n = Math.max(1, opts.threads);
    this.lanes = Array.from({ length: n }, (_, i) => this.spawn(i));
    this.ready = Promise.all(this.lanes.map((l) => (l as Lane).started)).then((infos) => {
      this.startedBackend = infos[0] as BackendInfo;
      return this.startedBackend;
    });
    this.ready.catch(() => undefined);
  }

  /** Resolves with the threads' backend once all have started; rejects with the reason one could not. */
  started(): Promise<BackendInfo> {
    return this.ready;
  }

  /** The threads' backend once they have started (undefined before). */
  get backend(): BackendInfo | undefined {
    return this.startedBackend;
  }

  /** Number of threads. */
  get size(): number {
    return this.lanes.length;
  }

  /**
   * Loads and warms a model from artefact bytes in every thread.
   *
   * With `reread` (how to read the same bytes again, for a thread that replaces one that died) the
   * pool keeps no copy and hands `bytes` over to the last thread without copying when they fill
   * their own buffer (the caller must not use them afterwards: they read as empty). Without it, the
   * pool keeps a copy for that purpose.
   * @throws AppError ARTEFACT_CORRUPT when the bytes fail their checks (as `deserializeArtefact`).
   */
  async load(bytes: Uint8Array, reread?: () => Promise<Uint8Array>): Promise<RemoteModel> {
    await this.ready;
    if (this.closed) throw unavailable('the inference threads are shut down');
    const handle = this.nextHandle++;
    // Copied when kept: the caller's buffer may be a view into a larger one or be reused.
    const source: ModelSource = reread ? { reread } : { kept: new Uint8Array(bytes) };
    const sent = source.kept ?? bytes;
    const lanes = this.lanes.filter((l): l is Lane => l !== undefined && !l.dead);
    // Posted in order, so every other thread has its copy before the last one takes the buffer.
    const results = await Promise.allSettled(
      lanes.map((l, i) => this.loadInto(l, handle, sent, !source.kept && i === lanes.length - 1)),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed || lanes.length === 0) {
      for (const l of lanes) this.disposeIn(l, handle);
      throw failed ? (failed.reason as Error) : unavailable('no inference thread is running');
    }
    const info = (results[0] as PromiseFulfilledResult<LoadedInfo>).value;
    this.models.set(handle, { info, source });
    return new RemoteModel(this, handle, info);
  }

  /**
   * Row-major probabilities [texts, classes] of one loaded model, with each text's unknown-word
   * share (and explanations when `ask.explain`).
   */
  probabilities(handle: number, texts: string[], ask: PredictAsk = {}): Promise<Scored> {
    let best: Lane | undefined;
    for (const l of this.lanes) {
      if (!l || l.dead || !l.loaded.has(handle)) continue;
      if (!best || l.outstanding < best.outstanding) best = l;
    }
    if (!best) {
      return Promise.reject(
        this.models.has(handle)
          ? unavailable('the inference thread is restarting; retry shortly')
          : new Error(`model ${handle} is not loaded`),
      );
    }
    const lane = best;
    const id = this.nextId++;
    lane.queue.push({ id, handle, texts, ...ask });
    lane.outstanding += texts.length;
    this.scheduleFlush();
    return new Promise((resolve, reject) =>
      lane.predictions.set(id, { resolve, reject, texts: texts.length }),
    );
  }

  /** Texts asked of the threads and not yet answered (the inference queue depth). */
  textsInFlight(): number {
    let n = 0;
    for (const l of this.lanes) if (l && !l.dead) n += l.outstanding;
    return n;
  }

  /** Unloads a model from every thread, after whatever was asked of it before. */
  dispose(handle: number): void {
    if (!this.models.delete(handle)) return;
    for (const l of this.lanes) if (l && !l.dead) this.disposeIn(l, handle);
  }

  /** Tensors and models held by each thread (for leak checks). */
  async threadStats(): Promise<{ numTensors: number; models: number }[]> {
    return Promise.all(
      this.lanes
        .filter((l): l is Lane => l !== undefined && !l.dead)
        .map((l) => {
          const id = this.nextId++;
          l.post({ type: 'stats', id });
          return new Promise<{ numTensors: number; models: number }>((resolve, reject) =>
            l.stats.set(id, { resolve, reject }),
          );
        }),
    );
  }

  /** Ends every thread; predictions still in flight fail with SERVICE_UNAVAILABLE. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.restartTimers) clearTimeout(t);
    const lanes = this.lanes.filter((l): l is Lane => l !== undefined);
    for (const l of lanes) l.failAll(unavailable('the inference threads are shutting down'));
    await Promise.all(lanes.map((l) => l.worker.terminate()));
    this.models.clear();
  }

  private spawn(slot: number): Lane {
    const lane = new Lane(this.entry, this.input);
    lane.worker.once('exit', (code) => this.onExit(slot, lane, code));
    lane.worker.on('error', (err) => this.log.error({ err }, 'inference thread failed'));
    return lane;
  }

  private loadInto(lane: Lane, handle: number, bytes: Uint8Array, handOver = false): Promise<LoadedInfo> {
    return new Promise((resolve, reject) => {
      lane.loads.set(handle, { resolve, reject });
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      const transfer = handOver && whole && bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];
      lane.post({ type: 'load', handle, bytes }, transfer);
    });
  }

  private disposeIn(lane: Lane, handle: number): void {
    lane.flush(); // predictions already asked of this model go first
    lane.loaded.delete(handle);
    lane.post({ type: 'dispose', handle });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const l of this.lanes) l?.flush();
    });
  }

  private onExit(slot: number, lane: Lane, code: number): void {
    lane.failAll(unavailable('an inference thread stopped; retry shortly'));
    if (this.closed || this.lanes[slot] !== lane) return;
    this.lanes[slot] = undefined;
    this.deathsInARow++;
    const delay = backoffMs(this.deathsInARow, this.opts.restartDelayMs ?? 500, 30_000);
    this.log.error({ code, restartInMs: delay }, 'inference thread exited; replacing it');
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      void this.replace(slot);
    }, delay);
    this.restartTimers.add(timer);
  }

  /** A new thread in `slot` with every live model loaded; it takes predictions only once they are. */
  private async replace(slot: number): Promise<void> {
    if (this.closed) return;
    const lane = this.spawn(slot);
    this.lanes[slot] = lane;
    try {
      await lane.started;
      for (const [handle, m] of [...this.models]) {
        const reload = m.source.kept
          ? this.loadInto(lane, handle, m.source.kept)
          : m.source.reread!().then((bytes) => this.loadInto(lane, handle, bytes, true));
        await reload.catch((err: unknown) => {
          // Dropped meanwhile, or it fails here only: other threads (if any) still serve it.
          if (this.models.has(handle))
            this.log.error({ err, handle }, 'could not reload a model in a new inference thread');
        });
      }
      this.deathsInARow = 0;
      this.log.info({ models: lane.loaded.size }, 'inference thread replaced');
    } catch (err) {
      this.log.error({ err }, 'replacement inference thread failed to start');
    }
  }
}

/** How a replacement thread gets a model's bytes: the pool's copy, or read again. */
type ModelSource =
  { kept: Uint8Array; reread?: undefined } | { kept?: undefined; reread: () => Promise<Uint8Array> };

function unavailable(message: string): AppError {
  return new AppError('SERVICE_UNAVAILABLE', message);
}
