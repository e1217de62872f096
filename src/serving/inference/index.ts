/** Inference threads: models served off the API process's event loop. */
export { InferencePool, RemoteModel } from './pool.js';
export type { InferencePoolOptions } from './pool.js';
