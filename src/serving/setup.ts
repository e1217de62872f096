/** A model's serving setup as loaded: `latest`, its canary and its shadow. */
import type { ServingSetup } from '../registry/index.js';
import type { Loaded } from './servable.js';

/**
 * A model's serving setup, loaded: `latest`, a canary answering `percent` per cent of the requests,
 * a shadow scoring them all. `key` names the registry setup it was loaded for. Each version appears
 * once (the registry refuses a canary or shadow equal to `latest`, and a shadow equal to the canary).
 */
export interface Setup {
  key: string;
  latest: Loaded;
  canary?: { loaded: Loaded; percent: number };
  shadow?: { loaded: Loaded; run: number };
}

export function setupKey(s: ServingSetup): string {
  return [s.latest, s.canary?.version, s.canary?.percent, s.shadow?.version, s.shadow?.run].join('/');
}

/** The loaded versions of a setup. */
export function members(s: Setup | undefined): Loaded[] {
  if (!s) return [];
  return [s.latest, ...(s.canary ? [s.canary.loaded] : []), ...(s.shadow ? [s.shadow.loaded] : [])];
}

/** Marks `model` most recently used: a `Map` iterates in insertion order, least recently used first. */
export function markUsed(setups: Map<string, Setup>, model: string, setup: Setup): void {
  if (setups.get(model) !== setup) return;
  setups.delete(model);
  setups.set(model, setup);
}

/** Estimated memory of loaded versions. */
export function memoryOf(loaded: Iterable<Loaded>): number {
  let bytes = 0;
  for (const l of loaded) bytes += l.memory;
  return bytes;
}
