import type { Request } from 'express';
import { AppError } from '../../errors/index.js';
import type { RequestGuard } from '../pipeline.js';
import type { KeyChecker, Principal } from './api-keys.js';

const principals = new WeakMap<Request, Principal>();

/** The key that authenticated `req` (set by the auth guard), for per-key rate limits and logs. */
export function principalOf(req: Request): Principal | undefined {
  return principals.get(req);
}

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;
const INVALID_HEADER = Symbol('invalid Authorization header');

/** The key of `Authorization: Bearer <key>`; INVALID_HEADER for another form; undefined without one. */
function bearer(req: Request): string | typeof INVALID_HEADER | undefined {
  const header = req.get('authorization');
  if (!header) return undefined;
  return BEARER.exec(header)?.[1] ?? INVALID_HEADER;
}

/** A cookie's value (pages a browser opens itself, such as the queue board, cannot send a header). */
function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name && v.length > 0) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/**
 * The API-key guard: `Authorization: Bearer <key>`. No or an unknown key is UNAUTHORIZED (401,
 * `WWW-Authenticate: Bearer`); a known key without one of the operation's scopes is FORBIDDEN (403).
 * The key itself never reaches a log or an error message.
 */
export function authGuard(checker: KeyChecker, opts: { cookie?: string } = {}): RequestGuard {
  return (req, route) => {
    const presented = bearer(req) ?? (opts.cookie ? cookie(req, opts.cookie) : undefined);
    if (!presented) throw new AppError('UNAUTHORIZED', 'Send an API key: "Authorization: Bearer <key>"');
    if (presented === INVALID_HEADER)
      throw new AppError('UNAUTHORIZED', 'The Authorization header must be "Bearer <key>"');
    const principal = checker.check(presented);
    if (!principal) throw new AppError('UNAUTHORIZED', 'The API key is not valid');
    principals.set(req, principal);
    const needed = route.scopes ?? [];
    // openapi.yaml lists the scopes an operation accepts; any one of them grants access.
    if (needed.length > 0 && !needed.some((s) => (principal.scopes as ReadonlySet<string>).has(s))) {
      throw new AppError(
        'FORBIDDEN',
        `This operation needs an API key with scope "${needed.join('" or "')}"`,
      );
    }
  };
}
