/** How a ModelServer serves: caches, the serving budget, polling, metrics, shadow bounds. */
import type { Metrics } from '../metrics/index.js';
import type { ShadowOptions } from './shadow.js';

/** Tuning for the serving cache. */
export interface ModelServerOptions {
  /** Pinned (non-latest) versions kept loaded. */
  pinnedCacheSize: number;
  /**
   * Models whose setup stays loaded; beyond it the least recently used is unloaded and loads again
   * on its next request (which waits for the load). 0 or absent: no bound.
   */
  maxModels?: number;
  /**
   * Estimated bytes that loaded models (all versions, every thread's copy) may hold, asked at each
   * check; beyond it pinned versions, then the least recently used setups, are unloaded (never the
   * one just loaded). Absent or 0: no bound.
   */
  maxModelBytes?: () => number;
  /** Safety-net poll of `latest` for every held model; 0 disables. */
  pollMs: number;
  /** Load every model's latest at start and on every publish, not only models already served. */
  eager: boolean;
  /** Where classifications, loads and swaps are counted. */
  metrics?: Metrics;
  /** Bounds of shadow scoring (texts in flight, flush interval); defaults {@link DEFAULT_SHADOW_OPTIONS}. */
  shadow?: Partial<ShadowOptions>;
}
