/** The model without TensorFlow.js: loading an artefact onto host arrays and serving from them (inference threads). */
export { HostClassifier, loadHostClassifier, modelHead, modelMemoryBytes } from './host-classifier.js';
export { logitsOnHost } from './host-logits.js';
export type { HostWeights } from './host-logits.js';
export { NATIVE_TENSORFLOW_PACKAGES } from './native-packages.js';
