/** Prometheus metrics (prom-client): the series each process exports, label values bounded, API processes aggregated. */
export { Metrics } from './metrics.js';
export type { MetricsLimits, ClassifiedText, Sample } from './metrics.js';
export { BoundedValues, OTHER } from './bounded.js';
export { answerSupervisor, clusterMetricsText, serveClusterMetrics } from './cluster.js';
