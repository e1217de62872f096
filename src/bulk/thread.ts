/**
 * Entry of a bulk classification thread: loads the job's version from the artefact bytes it is
 * given, then answers input chunks with result chunks (gunzip, classify, NDJSON, gzip), one at a
 * time in arrival order. It runs below training threads (a higher nice value) and never touches
 * Redis, so the worker's event loop (BullMQ lock renewal, Redis I/O) stays free.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toSerial } from '../errors/index.js';
import { deserializeArtefact, initBackend, type TextClassifier } from '../model/index.js';
import { lowerPriority } from '../queue/index.js';
import { answerLines } from './answers.js';
import { decodeItems, encodeResults } from './codec.js';
import type { BulkThreadInput, FromBulkThread, ToBulkThread } from './thread-protocol.js';

const port = parentPort;
if (!port) throw new Error('the bulk thread must run as a worker thread');
const input = workerData as BulkThreadInput;
const post = (m: FromBulkThread, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

async function load(): Promise<TextClassifier> {
  lowerPriority(input.nice ?? 0, 'thread');
  await initBackend(input.backend, undefined, {
    ...(input.webgpuAdapter ? { webgpuAdapter: input.webgpuAdapter } : {}),
    syncReads: true,
  });
  return deserializeArtefact(input.artefact);
}

function classify(clf: TextClassifier, m: ToBulkThread): void {
  const items = decodeItems(m.input);
  const bytes = encodeResults(answerLines(clf, items, input.answer));
  // A copy in an ArrayBuffer of its own: a Buffer may sit in a shared pool, which cannot be transferred.
  const output = new Uint8Array(bytes);
  post({ type: 'chunk', n: m.n, output, count: items.length }, [output.buffer as ArrayBuffer]);
}

let chain: Promise<TextClassifier> = load().then((clf) => {
  post({ type: 'ready' });
  return clf;
});
chain.catch((err: unknown) => post({ type: 'error', error: toSerial(err) }));
port.on('message', (m: ToBulkThread) => {
  chain = chain.then((clf) => {
    try {
      classify(clf, m);
    } catch (err) {
      post({ type: 'error', error: toSerial(err) });
    }
    return clf;
  });
  // A failed load was reported once, above; later chunks have nothing to add.
  chain.catch(() => undefined);
});
