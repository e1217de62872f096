import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * Metrics across the API processes of one supervisor (`API_PROCESSES` > 1). They share a port, so
 * a scrape reaches one of them at random; that one asks the supervisor, which collects every API
 * process's series (and its own: the training worker of `ROLE=all`) over the cluster IPC channel
 * and aggregates them with prom-client's `AggregatorRegistry` (counters and histograms summed,
 * gauges by their own aggregator). So one scrape sees all.
 */

type Json = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;
type Message =
  | { textclf: 'metrics-all?'; id: number }
  | { textclf: 'metrics-all!'; id: number; text?: string; error?: string }
  | { textclf: 'metrics?'; id: number }
  | { textclf: 'metrics!'; id: number; json: Json };

const isMessage = (m: unknown): m is Message =>
  typeof m === 'object' && m !== null && typeof (m as { textclf?: unknown }).textclf === 'string';

/** In a forked API process: answers the supervisor's requests for this process's series. */
export function answerSupervisor(registry: Registry): void {
  process.on('message', (m: unknown) => {
    if (!isMessage(m) || m.textclf !== 'metrics?') return;
    void registry.getMetricsAsJSON().then((json) => process.send?.({ textclf: 'metrics!', id: m.id, json }));
  });
}

let nextId = 1;

/** In a forked API process: every process's series, aggregated by the supervisor, as text. */
export function clusterMetricsText(timeoutMs = 5000): Promise<string> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('the supervisor did not answer with metrics')), timeoutMs);
    const onMessage = (m: unknown) => {
      if (!isMessage(m) || m.textclf !== 'metrics-all!' || m.id !== id) return;
      done(m.error === undefined ? undefined : new Error(m.error), m.text);
    };
    const done = (err?: Error, text?: string) => {
      clearTimeout(timer);
      process.off('message', onMessage);
      if (err) reject(err);
      else resolve(text ?? '');
    };
    process.on('message', onMessage);
    process.send?.({ textclf: 'metrics-all?', id });
  });
}

/** Asks one API process for its series; a process that does not answer in time is left out. */
function askWorker(worker: Worker, id: number, timeoutMs: number): Promise<Json | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const onMessage = (m: unknown) => {
      if (isMessage(m) && m.textclf === 'metrics!' && m.id === id) finish(m.json);
    };
    const finish = (json: Json | undefined) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      resolve(json);
    };
    worker.on('message', onMessage);
    worker.send({ textclf: 'metrics?', id });
  });
}

/** The aggregate of every live API process's series and `own` (the supervisor's). */
async function aggregate(own: Registry | undefined, timeoutMs: number): Promise<string> {
  const id = nextId++;
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && w.isConnected());
  const parts = await Promise.all(workers.map((w) => askWorker(w, id, timeoutMs)));
  const all = parts.filter((p): p is Json => p !== undefined);
  if (own) all.push(await own.getMetricsAsJSON());
  return AggregatorRegistry.aggregate(all).metrics();
}

/** In the supervisor: answers every API process's request for the aggregate of all series. */
export function serveClusterMetrics(own: Registry | undefined, timeoutMs = 2000): void {
  cluster.on('message', (worker: Worker, m: unknown) => {
    if (!isMessage(m) || m.textclf !== 'metrics-all?') return;
    aggregate(own, timeoutMs).then(
      (text) => worker.send({ textclf: 'metrics-all!', id: m.id, text }),
      (err: unknown) => worker.send({ textclf: 'metrics-all!', id: m.id, error: String(err) }),
    );
  });
}
