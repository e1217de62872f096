import crypto from 'node:crypto';
import { sha256 } from '../../common/index.js';

/** Scopes an API key can hold: `train` (training, jobs, model management) and `classify`. */
export const SCOPES = ['train', 'classify'] as const;
export type Scope = (typeof SCOPES)[number];

/** Shortest key accepted in the configuration: short keys can be guessed. */
export const MIN_KEY_LENGTH = 16;

/** A configured key. Only its digest is kept; `id` is a short fingerprint that is safe to log. */
export interface ApiKeyEntry {
  id: string;
  digest: Buffer;
  scopes: ReadonlySet<Scope>;
}

/** Who a valid key belongs to: the fingerprint (never the key) and its scopes. */
export interface Principal {
  id: string;
  scopes: ReadonlySet<Scope>;
}

/**
 * Parses `key:scope+scope` entries separated by commas or newlines (`#` starts a comment line).
 * A key is everything before the last `:`, so keys may contain `:`.
 * @throws Error naming the entry by position (never echoing the key) when it is malformed.
 */
export function parseApiKeys(text: string): ApiKeyEntry[] {
  const entries: ApiKeyEntry[] = [];
  const seen = new Set<string>();
  const items = text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.startsWith('#'));
  items.forEach((item, i) => {
    const where = `API key entry ${i + 1}`;
    const colon = item.lastIndexOf(':');
    if (colon <= 0) throw new Error(`${where}: expected "key:scope[+scope]" (scopes: ${SCOPES.join(', ')})`);
    const key = item.slice(0, colon);
    const scopeList = item.slice(colon + 1).split('+');
    if (key.length < MIN_KEY_LENGTH || /\s/.test(key)) {
      throw new Error(`${where}: a key needs at least ${MIN_KEY_LENGTH} characters and no spaces`);
    }
    const scopes = new Set<Scope>();
    for (const s of scopeList) {
      if (!(SCOPES as readonly string[]).includes(s)) {
        throw new Error(`${where}: unknown scope "${s.slice(0, 20)}" (scopes: ${SCOPES.join(', ')})`);
      }
      scopes.add(s as Scope);
    }
    const digest = sha256(key);
    const id = digest.toString('hex').slice(0, 12);
    if (seen.has(id)) throw new Error(`${where}: the same key is listed twice`);
    seen.add(id);
    entries.push({ id, digest, scopes });
  });
  return entries;
}

/**
 * Checks presented keys against the configured ones in constant time: the presented key is hashed
 * (so lengths never differ) and compared with every configured digest by `crypto.timingSafeEqual`,
 * without stopping at a match, so timing tells nothing about which or how much of a key matched.
 */
export class KeyChecker {
  private readonly entries: readonly ApiKeyEntry[];

  constructor(entries: readonly ApiKeyEntry[]) {
    this.entries = entries;
  }

  /** True when keys are configured (the service is not open). */
  get enabled(): boolean {
    return this.entries.length > 0;
  }

  /** The principal for `presented`, or undefined when it matches no configured key. */
  check(presented: string): Principal | undefined {
    const digest = sha256(presented);
    let found: ApiKeyEntry | undefined;
    for (const e of this.entries) {
      if (crypto.timingSafeEqual(digest, e.digest) && !found) found = e;
    }
    return found ? { id: found.id, scopes: found.scopes } : undefined;
  }
}
