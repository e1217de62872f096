import type { AliasRoutes, ShadowReport } from '../contract/index.js';
import { AppError } from '../errors/index.js';

/**
 * A model's serving setup as the registry holds it (fields of the model hash): `latest`, a canary
 * answering `percent` per cent of the requests, a shadow scoring every request. `run` tells one
 * setting of a shadow from the next, so counts taken for an earlier one are never added to a later.
 */
export interface ServingSetup {
  latest: number;
  canary?: { version: number; percent: number };
  shadow?: { version: number; run: number; since: string };
}

/** Counts one API process took for the shadow of `run` since its last flush. */
export interface ShadowCounts {
  run: number;
  /** Texts the shadow scored. */
  requests: number;
  /** Of those, texts on which it chose the served top label. */
  agreements: number;
  /** Texts it did not score (behind, or failed). */
  skipped: number;
  /** Top labels as served, and as the shadow chose them. */
  served: Map<string, number>;
  shadow: Map<string, number>;
}

/** Model-hash fields of the setup, in the order {@link toSetup} reads them. */
export const SETUP_FIELDS = [
  'latest',
  'canary',
  'canaryPercent',
  'shadow',
  'shadowRun',
  'shadowSince',
] as const;

/** The setup from the values of {@link SETUP_FIELDS}; undefined without `latest`. */
export function toSetup(values: readonly (string | null)[]): ServingSetup | undefined {
  const [latest, canary, percent, shadow, run, since] = values;
  if (!latest) return undefined;
  const setup: ServingSetup = { latest: Number(latest) };
  if (canary && percent) setup.canary = { version: Number(canary), percent: Number(percent) };
  if (shadow && run) setup.shadow = { version: Number(shadow), run: Number(run), since: since ?? '' };
  return setup;
}

function invalid(path: string, message: string): AppError {
  return new AppError('INVALID_REQUEST', `${path} ${message}`, { errors: [{ path, message }] });
}

/**
 * Refuses a setup the registry must not hold: a canary or a shadow that is `latest` itself (it would
 * be compared with, or share traffic with, itself), a shadow that is the canary, a share outside 1–99.
 */
export function checkRoutes(version: number, routes: AliasRoutes): void {
  const { canary, shadow } = routes;
  if (canary) {
    const { percent } = canary;
    if (!Number.isInteger(percent) || percent < 1 || percent > 99)
      throw invalid('/body/canary/percent', 'must be an integer from 1 to 99');
    if (canary.version === version)
      throw invalid('/body/canary/version', `must differ from version (${version}): it is latest already`);
  }
  if (shadow !== undefined && shadow === version)
    throw invalid('/body/shadow', `must differ from version (${version}): it would be compared with itself`);
  if (shadow !== undefined && shadow === canary?.version)
    throw invalid(
      '/body/shadow',
      `must differ from the canary (${shadow}): its answers would be compared with itself`,
    );
}

/** The script's arguments after the run: scored, agreements, skipped, then label field/count pairs. */
export function countArgs(c: ShadowCounts): (string | number)[] {
  const args: (string | number)[] = [c.run, c.requests, c.agreements, c.skipped];
  for (const [label, n] of c.served) args.push(`served:${label}`, n);
  for (const [label, n] of c.shadow) args.push(`shadow:${label}`, n);
  return args;
}

/** The report from the shadow's report hash. */
export function toShadowReport(model: string, rec: Record<string, string>): ShadowReport {
  // Labels are data (a label may be called `__proto__`): own properties only, via fromEntries.
  const counts = (prefix: string) =>
    Object.fromEntries(
      Object.entries(rec)
        .filter(([field]) => field.startsWith(prefix))
        .map(([field, n]) => [field.slice(prefix.length), Number(n)]),
    );
  const served = counts('served:');
  const shadow = counts('shadow:');
  const requests = Number(rec.requests ?? 0);
  return {
    model,
    version: Number(rec.version),
    since: rec.since ?? '',
    requests,
    skipped: Number(rec.skipped ?? 0),
    agreement: requests > 0 ? Number(rec.agreements ?? 0) / requests : null,
    labels: { served, shadow },
  };
}
