/** Bulk classification jobs: their BullMQ queue (`<prefix>:classify`), records, input and result chunks in Redis, the pin on their version, and the worker with its classification thread. */
export { bulkKeys } from './keys.js';
export type { BulkKeys } from './keys.js';
export { BulkStore, toBulkView } from './store.js';
export type { NewBulkJob } from './store.js';
export { BulkJobs, createBulkQueue } from './service.js';
export type { BulkJobsDeps } from './service.js';
export type { BulkJobData } from './upload.js';
export { BulkWorker } from './worker.js';
export type { BulkTuning, BulkWorkerDeps } from './worker.js';
export { createBulk } from './setup.js';
export type { BulkConfig, BulkSetup, BulkSetupOptions } from './setup.js';
