import type { MetricsExporter } from '../../contract/index.js';
import { AppError } from '../../errors/index.js';
import type { Schemas } from '../api-types.js';
import type { Handler } from '../context.js';

/** `GET /healthz`: the process is up; never touches a dependency. */
export const healthz: Handler = (c) => {
  const body: Schemas['Health'] = { status: 'ok' };
  c.res.setHeader('Cache-Control', 'no-store');
  c.res.json(body);
};

/** `read()`, or `fallback` when it throws or takes longer than `timeoutMs` (a hang counts as a failure). */
async function within<T>(read: () => Promise<T>, timeoutMs: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      read(),
      new Promise<T>((resolve) => {
        timer = setTimeout(() => resolve(fallback), timeoutMs);
      }),
    ]);
  } catch {
    return fallback;
  } finally {
    clearTimeout(timer);
  }
}

/** A dependency probe that counts a hang or a throw as "not ready". */
function probe(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  return within(() => check().then((ok) => ok === true), timeoutMs, false);
}

/** `GET /readyz`: 200 when Redis answers and the registry is readable, else 503 with the same body. */
export function readyz(timeoutMs: number): Handler {
  return async (c) => {
    const [redis, registry] = await Promise.all([
      probe(() => c.deps.health.redisReady(), timeoutMs),
      probe(() => c.deps.health.registryReady(), timeoutMs),
    ]);
    let backend: Schemas['Backend'] | null = null;
    try {
      backend = c.deps.health.backend() ?? null;
    } catch {
      backend = null;
    }
    const ready = redis && registry;
    const body: Schemas['Readiness'] = { status: ready ? 'ready' : 'not_ready', redis, registry, backend };
    const memory = redis ? await within(() => c.deps.health.memory(), timeoutMs, undefined) : undefined;
    if (memory) body.redisMemory = memory;
    c.res.setHeader('Cache-Control', 'no-store');
    c.res.status(ready ? 200 : 503).json(body);
  };
}

/** `GET /openapi.yaml`: the contract file, verbatim. */
export function openapiYaml(text: string): Handler {
  return (c) => {
    c.res.type('application/yaml; charset=utf-8').send(text);
  };
}

/** `GET /metrics`: the process's Prometheus series; 404 when the app was built without metrics. */
export function metricsHandler(metrics: MetricsExporter | undefined): Handler {
  return async (c) => {
    if (!metrics) throw new AppError('NOT_FOUND', 'Metrics are not enabled in this process');
    const text = await metrics.text();
    c.res.setHeader('Cache-Control', 'no-store');
    c.res.type(metrics.contentType).send(text);
  };
}

/** `GET /metrics/queue`: training jobs by state, for autoscalers. */
export const queueDepth: Handler = async (c) => {
  const body: Schemas['QueueDepth'] = await c.deps.jobs.depth();
  c.res.setHeader('Cache-Control', 'no-store');
  c.res.json(body);
};
