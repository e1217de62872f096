/** The serving budget: loaded models bounded by count (`maxModels`) and by estimated memory (`maxModelBytes`). */
import type { Logger } from '../log/index.js';
import type { Lru } from './lru.js';
import type { ModelServerOptions } from './options.js';
import type { Loaded } from './servable.js';
import { members, memoryOf, type Setup } from './setup.js';

type Budget = Pick<ModelServerOptions, 'maxModels' | 'maxModelBytes' | 'metrics'>;

/** Estimated memory of every loaded version: the setups' and the pinned ones'. */
export function heldMemory(setups: Map<string, Setup>, pinned: Lru<string, Loaded>): number {
  let bytes = memoryOf(pinned.values());
  for (const s of setups.values()) bytes += memoryOf(members(s));
  return bytes;
}

/**
 * Unloads what is beyond the budget: pinned versions first (oldest first, never `spare`, the one a
 * request is about to use), then the least recently used setups, never that of `keep` (just
 * installed or used). A model larger than the whole budget is therefore still served, alone.
 * `incoming`: a setup for `keep` is about to load, so room is made for one more model (counted as
 * large as the largest held) before the load rather than after it.
 */
export function keepWithinBudget(
  setups: Map<string, Setup>,
  pinned: Lru<string, Loaded>,
  opts: Budget,
  what: { keep: string; spare?: Loaded; incoming?: boolean },
  log?: Logger,
): void {
  const maxBytes = opts.maxModelBytes?.() ?? 0;
  let coming = 0;
  if (what.incoming) for (const s of setups.values()) coming = Math.max(coming, memoryOf(members(s)));
  while (maxBytes > 0 && heldMemory(setups, pinned) + coming > maxBytes && pinned.evictOldest(what.spare));
  const max = opts.maxModels ?? 0;
  const budget = {
    maxModels: max,
    maxBytes,
    otherBytes: memoryOf(pinned.values()) + coming,
    otherModels: what.incoming ? 1 : 0,
  };
  for (const model of evictBeyond(setups, budget, what.keep)) {
    opts.metrics?.modelUnloaded(model);
    log?.info(
      { model, held: setups.size, max, heldBytes: heldMemory(setups, pinned), maxBytes },
      'unloaded the least recently used model',
    );
  }
  opts.metrics?.servingMemory(heldMemory(setups, pinned), maxBytes);
}

/**
 * Loads `models` with `load`. Unbounded, all at once; under a budget one at a time, stopping at the
 * first that does not fit: loading all at once would hold every artefact at the same time (a peak
 * far past the budget), and loading past it would only unload what was just loaded.
 */
export async function loadWhileTheyFit(
  models: string[],
  opts: Budget,
  load: (model: string) => Promise<void>,
  held: () => number,
): Promise<void> {
  const maxModels = opts.maxModels ?? 0;
  if (maxModels <= 0 && (opts.maxModelBytes?.() ?? 0) <= 0) {
    await Promise.all(models.map(load));
    return;
  }
  for (const m of models) {
    const before = held();
    if (maxModels > 0 && before >= maxModels) break;
    await load(m);
    if (held() <= before) break; // it did not load, or something was unloaded for it
  }
}

/** What the held setups may take: a count and estimated bytes (0: no bound on that one). */
interface SetupBudget {
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
function evictBeyond(setups: Map<string, Setup>, budget: SetupBudget, keep: string): string[] {
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
