/** Thread entry of a parallel refit (see `parallel-refit.ts`): runs a RefitRunner on the host loops, no TensorFlow.js. */
import { parentPort, workerData } from 'node:worker_threads';
import { hostStepper } from './host-step.js';
import { useSparseKernels } from './kernels/index.js';
import { RefitRunner, type RefitSetup, type Verdict } from './refit-runner.js';

const setup = workerData as RefitSetup;
useSparseKernels(setup.kernels);
const runner = new RefitRunner(setup, hostStepper);
parentPort!.on('message', (v: Verdict) => runner.verdict(v));
const { params, epochs } = await runner.run();
const buffers = [params.hiddenKernel, params.hiddenBias, params.outputKernel, params.outputBias].map(
  (a) => a.buffer as ArrayBuffer,
);
parentPort!.postMessage({ params, epochs }, buffers);
