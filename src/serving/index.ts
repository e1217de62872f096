/** Serving: each model's latest version hot-swapped in memory, pinned versions in an LRU, inference threads. */
export { ModelServer } from './model-server.js';
export type { ServableModel, ArtefactLoader, ModelServerOptions } from './model-server.js';
export { InferencePool, RemoteModel } from './inference/index.js';
export type { InferencePoolOptions } from './inference/index.js';
