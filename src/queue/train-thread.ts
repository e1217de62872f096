/**
 * Entry of a training worker thread: trains on the dataset it is given, reports each epoch and
 * checkpoint to the parent, and posts the serialised artefact. It never touches Redis, so the
 * parent's event loop (BullMQ lock renewal, API requests) stays free while TensorFlow.js works.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ownBytes } from '../common/index.js';
import { toSerial } from '../errors/index.js';
import { initBackend, serializeArtefact, type BackendInfo } from '../model/index.js';
import type { VersionMeta } from '../registry/index.js';
import { baseFromArtefact, train, type TrainResult } from '../training/index.js';
import { packedCorpus } from '../text/index.js';
import { lowerPriority } from './priority.js';
import type { FromThread, ThreadInput, ToThread } from './thread-protocol.js';

const port = parentPort;
if (!port) throw new Error('train-thread must run as a worker thread');
const input = workerData as ThreadInput;
const controller = new AbortController();
port.on('message', (m: ToThread) => {
  if (m.type === 'cancel') controller.abort(m.reason);
});
const post = (m: FromThread, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

let lastCheckpoint = 0;
let pending: FromThread | undefined;
const flushProgress = () => {
  if (pending) post(pending);
  pending = undefined;
};

async function main(): Promise<void> {
  // The worker's process may already run niced (ROLE=worker); this thread goes lower still.
  lowerPriority(input.nice ?? 0, 'thread');
  const backend = await initBackend(input.backend, undefined, {
    ...(input.webgpuAdapter ? { webgpuAdapter: input.webgpuAdapter } : {}),
  });
  // Streamed from the gzipped blobs a batch at a time: the articles are never all in memory.
  const corpus = packedCorpus(input.dataset);
  const result = await train(corpus, input.options, {
    signal: controller.signal,
    // Incremental: the base's vocabulary, labels and weights (a resumed run still needs them).
    ...(input.base ? { base: baseFromArtefact(input.base) } : {}),
    ...(input.resumeFrom ? { resumeFrom: input.resumeFrom } : {}),
    // `train` reports an epoch before its checkpoint; the report is held back until the checkpoint
    // is posted, so the parent stores it first: an epoch shown as done can be resumed after a crash.
    onEpochEnd: (p, timing) => {
      pending = { type: 'progress', progress: { ...p }, timing };
    },
    // A checkpoint holds parameters and optimiser state (several times the model): throttled, and
    // not even encoded when it is not due. Without one the epoch's progress goes at once.
    checkpointDue: () => {
      const due = Date.now() - lastCheckpoint >= (input.checkpointEveryMs ?? 0);
      if (!due) flushProgress();
      return due;
    },
    onCheckpoint: (bytes, epoch) => {
      lastCheckpoint = Date.now();
      // Transferred, not copied where it can be: the state is several times the model.
      const own = ownBytes(bytes);
      post({ type: 'checkpoint', bytes: own, epoch }, [own.buffer as ArrayBuffer]);
      flushProgress();
    },
  });
  flushProgress();
  const c = result.classifier;
  const artefact = new Uint8Array(serializeArtefact(c)); // an ArrayBuffer of its own, to transfer
  const meta = versionMeta(result, corpus.documents, backend);
  post({ type: 'result', artefact, meta }, [artefact.buffer as ArrayBuffer]);
  c.dispose();
}

/** What the registry records of the trained version besides its artefact. */
function versionMeta(result: TrainResult, documents: number, backend: BackendInfo): VersionMeta {
  const c = result.classifier;
  const evaluation = result.evaluation as { accuracy?: number; macroF1?: number } | undefined;
  return {
    labels: [...c.labels],
    options: c.metadata.options,
    vocabularySize: c.metadata.vocabularySize,
    backend: c.metadata.backend ?? backend,
    dataset: { hash: input.datasetHash, documents },
    trainSeconds: result.trainSeconds,
    evaluation: result.evaluation ?? null,
    ...(typeof evaluation?.accuracy === 'number' ? { accuracy: evaluation.accuracy } : {}),
    ...(typeof evaluation?.macroF1 === 'number' ? { macroF1: evaluation.macroF1 } : {}),
    ...(c.multiLabel ? { multiLabel: true } : {}),
    ...(input.lineage ? { lineage: input.lineage } : {}),
  };
}

main().catch((err: unknown) => post({ type: 'error', error: toSerial(err) }));
