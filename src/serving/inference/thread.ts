/**
 * Entry of an inference thread: holds loaded classifiers by handle and answers predictions with
 * their probabilities. It never touches Redis or HTTP; the main thread keeps the event loop, so
 * parsing, routing and answering requests run beside the model's arithmetic on another core, and a
 * large batch does not stall other requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toSerial } from '../../errors/index.js';
import {
  loadHostClassifier,
  NATIVE_TENSORFLOW_PACKAGES,
  type HostClassifier,
} from '../../model/inference.js';
import type { BackendInfo, TextClassifier } from '../../model/index.js';
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
type Served = TextClassifier | HostClassifier;
const models = new Map<number, Served>();
const post = (m: FromInference) => port.postMessage(m);

/**
 * What serves here. Where the backend would be cpu or wasm, serving runs plain loops on the
 * weights anyway (`hostLogits`), so the thread holds them as plain arrays and never loads
 * TensorFlow.js (its module graph and a wasm heap cost tens of MB a thread). Elsewhere (tfjs-node
 * installed, or chosen explicitly) the backend is started and models are TensorFlow.js models.
 */
async function start(): Promise<{ backend: BackendInfo; load: (bytes: Uint8Array) => Promise<Served> }> {
  if (await hostOnly()) return { backend: HOST_BACKEND, load: loadHostClassifier };
  const { initBackend, deserializeArtefact } = await import('../../model/index.js');
  const backend = await initBackend(input.backend, undefined, {
    ...(input.webgpuAdapter ? { webgpuAdapter: input.webgpuAdapter } : {}),
    syncReads: true,
  });
  return { backend, load: deserializeArtefact };
}

const HOST_BACKEND: BackendInfo = {
  name: 'host',
  package: 'textclf',
  detail:
    'float32 loops on plain arrays, as serving runs on the cpu and wasm backends (no TensorFlow.js loaded)',
};

/** True unless a non-host backend would serve: chosen (tensorflow, webgpu), or tfjs-node(-gpu) installed under auto. */
async function hostOnly(): Promise<boolean> {
  if (input.backend === 'cpu' || input.backend === 'wasm') return true;
  if (input.backend !== 'auto') return false;
  return !NATIVE_TENSORFLOW_PACKAGES.some((pkg) => {
    try {
      import.meta.resolve(pkg);
      return true;
    } catch {
      return false;
    }
  });
}

let loadModel: (bytes: Uint8Array) => Promise<Served>;
let numTensors = () => 0;
// Messages are handled one at a time in arrival order (loads are asynchronous), so a dispose
// posted after a predict always finds the predict done; and none before the backend is up.
let chain: Promise<void> = start().then(
  async ({ backend, load }) => {
    loadModel = load;
    if (backend !== HOST_BACKEND) {
      const tf = await import('@tensorflow/tfjs-core');
      numTensors = () => tf.memory().numTensors;
    }
    post({ type: 'ready', backend });
  },
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
      return post({ type: 'stats', id: m.id, numTensors: numTensors(), models: models.size });
  }
}

async function load(handle: number, bytes: Uint8Array): Promise<void> {
  try {
    const clf = await loadModel(bytes);
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
