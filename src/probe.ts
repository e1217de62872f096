/**
 * The worker role's HTTP surface on `PORT`: `/healthz` (alive), `/readyz` (Redis reachable) and
 * `/metrics` (Prometheus), so one image with one HEALTHCHECK serves every role and Kubernetes can
 * probe and scrape workers as it does API pods.
 */
import type { RequestListener } from 'node:http';
import type { Health } from './contract/index.js';
import type { Metrics } from './metrics/index.js';

export function probeListener(health: Health, metrics: Metrics): RequestListener {
  return (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method !== 'GET') return reply(405, { status: 'method not allowed' });
    if (req.url === '/healthz') return reply(200, { status: 'ok', role: 'worker' });
    if (req.url === '/readyz') {
      void health
        .redisReady()
        .then((redis) => reply(redis ? 200 : 503, { status: redis ? 'ready' : 'not ready', redis }));
      return;
    }
    if (req.url === '/metrics') {
      metrics.text().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        () => reply(500, { status: 'metrics unavailable' }),
      );
      return;
    }
    reply(404, { status: 'not found' });
  };
}
