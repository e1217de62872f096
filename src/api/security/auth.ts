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

/**
 * The API-key guard: `Authorization: Bearer <key>`. No or an unknown key is UNAUTHORIZED (401,
 * `WWW-Authenticate: Bearer`); a known key without one of the operation's scopes is FORBIDDEN (403).
 * The key itself never reaches a log or an error message.
 */
export function authGuard(checker: KeyChecker): RequestGuard {
  return (req, route) => {
    const header = req.get('authorization');
    if (!header) throw new AppError('UNAUTHORIZED', 'Send an API key: "Authorization: Bearer <key>"');
    const m = BEARER.exec(header);
    if (!m?.[1]) throw new AppError('UNAUTHORIZED', 'The Authorization header must be "Bearer <key>"');
    const principal = checker.check(m[1]);
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
