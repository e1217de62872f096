/** The network, its kernels, backend selection, the trained classifier and its artefact. */
export { initBackend, currentBackend } from './backend.js';
export type { BackendInfo } from './backend.js';
export { registerKernels, sparseLinear, SPARSE_LINEAR, SPARSE_LINEAR_GRAD } from './kernels/index.js';
export { TextClassifier, rankProbabilities } from './classifier.js';
export type { Prediction, Score, ArtefactMetadata, RankOptions } from './classifier.js';
export { decision, headProbabilities, sigmoid, softmaxRows, sigmoidRows } from './head.js';
export type { ModelHead, Calibration, OutputKind } from './head.js';
export { attribute, explainFeatures, explainScored, explainText } from './explain.js';
export { hostWeights } from './host-forward.js';
export { HostClassifier, loadHostClassifier, modelMemoryBytes } from './host-classifier.js';
export { logitsOnHost } from './host-logits.js';
export type { Attribution, HostWeights, LabelExplanation, TermWeight } from './explain.js';
export { buildModel, SparseDense } from './network.js';
export type { NetworkShape, NetworkParams } from './network.js';
export {
  serializeArtefact,
  deserializeArtefact,
  readArtefact,
  saveArtefact,
  loadArtefact,
} from './artefact.js';
