/** Builds the services of one process for its role (API, worker or both) from the config: the one place that wires the rooms together. */
export { createServices } from './build.js';
export type { Services, ServicesOptions, ServicesConfig } from './build.js';
