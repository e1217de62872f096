export { createApp, type AppOptions } from './app.js';
export type { RequestGuard } from './pipeline.js';
export type { OperationId } from './context.js';
export { PROBLEM_MAP, PROBLEM_TYPE_BASE, toProblem, type Problem } from './problem.js';
export { SPEC_PATH } from './spec.js';
