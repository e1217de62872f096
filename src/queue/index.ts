/** BullMQ training jobs: the queue, the worker and its training threads, job records and the dataset store. */
export { RedisDatasetStore } from './dataset-store.js';
export type { DatasetLimits } from './dataset-store.js';
export { JobStore } from './job-store.js';
export { BullJobService, createTrainQueue } from './job-service.js';
export type { TrainJobData, RetryPolicy } from './job-service.js';
export { TrainingWorker } from './training-worker.js';
export type { TrainingWorkerDeps, WorkerTuning } from './training-worker.js';
export type { ThreadOptions } from './thread-runner.js';
export { liveTrainingThreads } from './thread-runner.js';
export type { ThreadInput, FromThread, ToThread } from './thread-protocol.js';
export { lowerPriority } from './priority.js';
export { queueCounts, workerQueueDepth } from './depth.js';
export type { QueueCounts, WorkerQueues } from './depth.js';
export { SearchStore } from './search-store.js';
export { TRIAL_JOB } from './search-flow.js';
export type { SearchState, TrialJobData } from './search-flow.js';
