/** The network, its kernels, backend selection and the trained-classifier artefact. */
export { initBackend, currentBackend } from './backend.js';
export type { BackendInfo } from './backend.js';
export { registerKernels, sparseLinear, SPARSE_LINEAR, SPARSE_LINEAR_GRAD } from './kernels/index.js';
export { TextClassifier, rankProbabilities } from './classifier.js';
export type { Prediction, Score, ArtefactMetadata } from './classifier.js';
export { buildModel, SparseDense } from './network.js';
export type { NetworkShape, NetworkParams } from './network.js';
export {
  serializeArtefact,
  deserializeArtefact,
  readArtefact,
  saveArtefact,
  loadArtefact,
  sha256,
} from './artefact.js';
export { spawnThread, siblingEntry } from './spawn-thread.js';
export { InferencePool, RemoteModel } from './inference/index.js';
export type { InferencePoolOptions } from './inference/index.js';
