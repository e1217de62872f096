/** autocannon runs with exact latency percentiles, for `bench:serve`. */
import autocannon from 'autocannon';
import { percentile } from './service.js';

export interface LoadResult {
  label: string;
  connections: number;
  seconds: number;
  requests: number;
  rps: number;
  /** Exact percentiles of every 2xx response time (ms), from autocannon's `response` events. */
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
}

/**
 * Posts the bodies in turn (each connection walks the list and starts over) to `url` for
 * `seconds` with `connections` connections and returns the figures.
 */
export function load(
  label: string,
  url: string,
  bodies: string[],
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const times: number[] = [];
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      {
        url,
        connections,
        duration: seconds,
        requests: bodies.map((body) => ({
          method: 'POST' as const,
          path: new URL(url).pathname,
          headers: { 'content-type': 'application/json' },
          body,
        })),
      },
      (err, r) => {
        if (err) return reject(err);
        resolve({
          label,
          connections,
          seconds,
          requests: r.requests.total,
          rps: r.requests.total / (r.duration || seconds),
          p50: percentile(times, 50),
          p99: percentile(times, 99),
          // Not Math.max(...times): a minute at a few thousand req/s overflows the call stack.
          max: times.reduce((m, t) => (t > m ? t : m), -Infinity),
          non2xx: r.non2xx,
          errors: r.errors + r.timeouts,
        });
      },
    );
    inst.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) times.push(ms);
    });
  });
}
