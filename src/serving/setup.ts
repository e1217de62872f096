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

/** What the held setups may take: a count and estimated bytes (0: no bound on that one). */
export interface SetupBudget {
  maxModels: number;
  maxBytes: number;
  /** Bytes held besides the setups (pinned versions, a setup about to load), counted against `maxBytes`. */
  otherBytes: number;
  /** Setups about to load, counted against `maxModels`. */
  otherModels: number;
}

/**
 * Unloads the least recently used setups until the rest fit `budget`, never `keep`. A request
 * already answering from one finishes first (`dispose` waits for it); the next request for an
 * unloaded model loads it again.
 * @returns the models unloaded
 */
export function evictBeyond(setups: Map<string, Setup>, budget: SetupBudget, keep: string): string[] {
  const out: string[] = [];
  let bytes = budget.otherBytes;
  for (const s of setups.values()) bytes += memoryOf(members(s));
  const over = () =>
    (budget.maxModels > 0 && setups.size + budget.otherModels > budget.maxModels) ||
    (budget.maxBytes > 0 && bytes > budget.maxBytes);
  for (const [model, setup] of setups) {
    if (!over()) break;
    if (model === keep) continue;
    setups.delete(model);
    bytes -= memoryOf(members(setup));
    for (const l of members(setup)) l.model.dispose();
    out.push(model);
  }
  return out;
}
