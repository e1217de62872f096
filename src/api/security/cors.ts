import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/**
 * Parses `CORS_ORIGINS`: comma-separated origins (`https://app.example.com`) or `*`.
 * @throws Error when an entry is not an origin (scheme://host[:port], no path).
 */
export function parseOrigins(text: string): string[] {
  const origins = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const o of origins) {
    if (o !== '*' && !/^https?:\/\/[^/\s]+$/i.test(o)) {
      throw new Error(`CORS_ORIGINS: "${o.slice(0, 80)}" is not an origin like https://app.example.com`);
    }
  }
  return origins;
}

const ALLOW_METHODS = 'GET, POST, PUT, DELETE';
const ALLOW_HEADERS = 'Authorization, Content-Type, Content-Encoding, X-Request-Id';
const EXPOSE_HEADERS = 'Location, Retry-After, X-Request-Id';

/**
 * Wraps the app with CORS for the configured origins. With none configured the app is returned
 * as it is: no CORS headers, and preflight requests get the app's 404, so browsers on other
 * origins cannot call the API. Credentials (cookies) are never allowed: keys travel as bearer tokens.
 */
export function withCors(app: RequestListener, origins: readonly string[]): RequestListener {
  if (origins.length === 0) return app;
  const any = origins.includes('*');
  const allowed = new Set(origins.map((o) => o.toLowerCase()));
  return (req: IncomingMessage, res: ServerResponse) => {
    const origin = req.headers.origin;
    res.setHeader('Vary', 'Origin');
    if (!origin || !(any || allowed.has(origin.toLowerCase()))) return app(req, res);
    res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': ALLOW_METHODS,
        'Access-Control-Allow-Headers': ALLOW_HEADERS,
        'Access-Control-Max-Age': '600',
        'Content-Length': '0',
      });
      res.end();
      return;
    }
    res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    return app(req, res);
  };
}
