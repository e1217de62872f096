/**
 * Entry of an autotune trial thread: scores configurations, one trial at a time, on one split each
 * of the data set it holds, bounded by the search's deadline, and posts each result. It stays
 * alive between trials (`TrialThreads`), keeping its backend and the last data set it decoded.
 * Never touches Redis.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { boundedTrial, runTrial } from '../autotune/index.js';
import { toSerial } from '../errors/index.js';
import { initBackend } from '../model/index.js';
import { decodeDataset, type Article } from '../text/index.js';
import { lowerPriority } from './priority.js';
import type { TrialFromThread, TrialThreadSetup, TrialToThread } from './trial-runner.js';

const port = parentPort;
if (!port) throw new Error('trial-thread must run as a worker thread');
const setup = workerData as TrialThreadSetup;
const post = (m: TrialFromThread) => port.postMessage(m);

let ready: Promise<unknown> | undefined;
let held: { hash: string; articles: Article[] } | undefined;
let current: { id: number; controller: AbortController } | undefined;

/** The backend and the thread's priority, once for the thread's life. */
function start(): Promise<unknown> {
  lowerPriority(setup.nice ?? 0, 'thread');
  return initBackend(setup.backend, undefined, {
    ...(setup.webgpuAdapter ? { webgpuAdapter: setup.webgpuAdapter } : {}),
  });
}

async function trial(m: Extract<TrialToThread, { type: 'trial' }>): Promise<void> {
  const controller = new AbortController();
  current = { id: m.id, controller };
  try {
    await (ready ??= start());
    // The data set comes with the first trial on it; later ones reuse the decoded articles.
    if (m.dataset) held = { hash: m.datasetHash, articles: decodeDataset(m.dataset) };
    if (!held || held.hash !== m.datasetHash)
      throw new Error(`trial thread does not hold dataset ${m.datasetHash}`);
    const { articles } = held;
    const { spec, options, metric, deadline } = m;
    const run = (signal: AbortSignal) => runTrial(articles, options, spec, metric, { signal, deadline });
    post({ type: 'result', id: m.id, result: await boundedTrial(spec, deadline, run, controller.signal) });
  } catch (err) {
    post({ type: 'error', id: m.id, error: toSerial(err) });
  } finally {
    current = undefined;
  }
}

// One trial at a time: the pool sends the next only after this one's result.
port.on('message', (m: TrialToThread) => {
  if (m.type === 'cancel') {
    if (current?.id === m.id) current.controller.abort(m.reason);
    return;
  }
  void trial(m);
});
