/**
 * Entry of an autotune trial's worker thread: scores one configuration on one split of the data
 * set it is given, bounded by the search's deadline, and posts the result. Never touches Redis.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { boundedTrial, runTrial } from '../autotune/index.js';
import { toSerial } from '../errors/index.js';
import { initBackend } from '../model/index.js';
import { decodeDataset } from '../text/index.js';
import { lowerPriority } from './priority.js';
import type { TrialFromThread, TrialThreadInput } from './trial-runner.js';

const port = parentPort;
if (!port) throw new Error('trial-thread must run as a worker thread');
const input = workerData as TrialThreadInput;
const controller = new AbortController();
port.on('message', (m: { type: 'cancel'; reason: string }) => {
  if (m.type === 'cancel') controller.abort(m.reason);
});
const post = (m: TrialFromThread) => port.postMessage(m);

async function main(): Promise<void> {
  lowerPriority(input.nice ?? 0, 'thread');
  await initBackend(input.backend, undefined, {
    ...(input.webgpuAdapter ? { webgpuAdapter: input.webgpuAdapter } : {}),
  });
  const articles = decodeDataset(input.dataset);
  const { spec, options, metric, deadline } = input;
  const run = (signal: AbortSignal) => runTrial(articles, options, spec, metric, { signal, deadline });
  post({ type: 'result', result: await boundedTrial(spec, deadline, run, controller.signal) });
}

main().catch((err: unknown) => post({ type: 'error', error: toSerial(err) }));
