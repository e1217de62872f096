/** Inference threads: models served off the API process's event loop. */
export { InferencePool } from './pool.js';
export { RemoteModel } from './remote-model.js';
export type { InferencePoolOptions } from './pool.js';
