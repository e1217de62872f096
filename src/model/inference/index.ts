/** Inference threads: models served off the API process's event loop. */
export { InferencePool, RemoteModel } from './pool.js';
export type { InferencePoolOptions } from './pool.js';
export { fromSerial, toSerial } from './errors.js';
export type { SerialError } from './protocol.js';
