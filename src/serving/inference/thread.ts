/**
 * Entry of an inference thread: holds loaded classifiers by handle and answers predictions with
 * their probabilities. It never touches Redis or HTTP; the main thread keeps the event loop, so
 * parsing, routing and answering requests run beside the model's arithmetic on another core, and a
 * large batch does not stall other requests.
 */
import * as tf from '@tensorflow/tfjs-core';
import { parentPort, workerData } from 'node:worker_threads';
import { toSerial } from '../../errors/index.js';
import { deserializeArtefact, initBackend, type TextClassifier } from '../../model/index.js';
import type {
  FromInference,
  InferenceThreadInput,
  PredictItem,
  PredictResult,
  ToInference,
} from './protocol.js';

const port = parentPort;
if (!port) throw new Error('the inference thread must run as a worker thread');
const input = workerData as InferenceThreadInput;
const models = new Map<number, TextClassifier>();
const post = (m: FromInference) => port.postMessage(m);

// Messages are handled one at a time in arrival order (loads are asynchronous), so a dispose
// posted after a predict always finds the predict done; and none before the backend is up.
let chain: Promise<void> = initBackend(input.backend, undefined, {
  ...(input.webgpuAdapter ? { webgpuAdapter: input.webgpuAdapter } : {}),
  syncReads: true,
}).then(
  (backend) => post({ type: 'ready', backend }),
  (err: unknown) => post({ type: 'startFailed', error: toSerial(err) }), // the pool ends this thread
);
port.on('message', (m: ToInference) => {
  chain = chain.then(() => handle(m));
});

async function handle(m: ToInference): Promise<void> {
  switch (m.type) {
    case 'load':
      return load(m.handle, m.bytes);
    case 'predict':
      return predict(m.items);
    case 'dispose':
      models.get(m.handle)?.dispose();
      models.delete(m.handle);
      return;
    case 'stats':
      return post({ type: 'stats', id: m.id, numTensors: tf.memory().numTensors, models: models.size });
  }
}

async function load(handle: number, bytes: Uint8Array): Promise<void> {
  try {
    const clf = await deserializeArtefact(bytes);
    try {
      // The first prediction compiles kernels and fills lookup tables: pay it before serving.
      clf.probabilities(clf.vectorizer.transformMany(['warm up']));
    } catch (err) {
      clf.dispose();
      throw err;
    }
    models.set(handle, clf);
    const info = { labels: [...clf.labels], head: clf.head, memoryBytes: clf.memoryBytes() };
    post({ type: 'loaded', handle, info });
  } catch (err) {
    post({ type: 'loadFailed', handle, error: toSerial(err) });
  }
}

function predict(items: PredictItem[]): void {
  const results: PredictResult[] = [];
  for (const { id, handle, texts, explain, threshold } of items) {
    const clf = models.get(handle);
    try {
      if (!clf) throw new Error(`inference thread has no model ${handle}`);
      // Copied by postMessage (a few floats per text): never transfer a buffer a backend may own.
      const { matrix, unknownShare } = clf.vectorizer.transformManyMeasured(texts);
      const probs = clf.probabilities(matrix);
      const explanations = explain ? clf.explainRows(texts, probs, explain, threshold) : undefined;
      results.push({ id, probs, unknownShare, ...(explanations ? { explanations } : {}) });
    } catch (err) {
      results.push({ id, error: toSerial(err) });
    }
  }
  post({ type: 'results', results });
}
