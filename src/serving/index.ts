/** Serving: each model's latest version (with its canary and shadow) hot-swapped in memory, pinned versions in an LRU, inference threads. */
export { ModelServer } from './model-server.js';
export { routingBucket } from './routing.js';
export type { ShadowOptions } from './shadow.js';
export type { ModelServerOptions } from './options.js';
export type { ServableModel, ArtefactLoader } from './servable.js';
export { InferencePool, RemoteModel } from './inference/index.js';
export type { InferencePoolOptions } from './inference/index.js';
