/**
 * Child process for the webgpu tests: TensorFlow.js keeps one global backend per process, so each
 * backend runs here and prints one JSON line (prefixed, since Dawn and Mesa write to stdout too).
 *   node --import tsx test/webgpu/child.ts <backend> <adapter> <task>
 * backend: cpu | wasm | webgpu; adapter: auto | software; task: probe | kernels | train;
 * a fourth argument `sync` asks for a backend that reads synchronously (as serving does).
 */
import * as tf from '@tensorflow/tfjs';
import { parseConfig } from '../../src/config/index.js';
import { initBackend, registerKernels, sparseLinear } from '../../src/model/index.js';
import { trainTask } from './train-task.js';

const RESULT_PREFIX = 'WEBGPU_TEST_RESULT ';

/** Fixed inputs for the sparse first layer: 3 documents, width 4, 6 features × 5 units (id 0 padding). */
async function kernelsTask(): Promise<unknown> {
  registerKernels();
  const ids = tf.tensor2d(
    [
      [1, 3, 5, 0],
      [2, 2, 4, 0],
      [5, 1, 0, 0],
    ],
    [3, 4],
    'int32',
  );
  const weights = tf.tensor2d(
    [
      [0.5, -1, 0.25, 0],
      [1, 2, -0.5, 0],
      [0.75, 0.125, 0, 0],
    ],
    [3, 4],
  );
  const table = tf.tensor2d(
    Array.from({ length: 30 }, (_, i) => Math.sin(i + 1)),
    [6, 5],
  );
  const dy = tf.tensor2d(
    Array.from({ length: 15 }, (_, i) => Math.cos(i)),
    [3, 5],
  );
  const forward = sparseLinear(ids, weights, table);
  // The gradient of Σ dy ⊙ f(table) with respect to the table is the kernel's backward pass.
  const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(sparseLinear(ids, weights, t as tf.Tensor2D), dy)))(
    table,
  );
  const result = { forward: Array.from(await forward.data()), grad: Array.from(await grad.data()) };
  tf.dispose([ids, weights, table, dy, forward, grad]);
  return { ...result, numTensors: tf.memory().numTensors };
}

async function main(): Promise<void> {
  const [backend = 'cpu', adapter = 'auto', task = 'probe', sync] = process.argv.slice(2);
  const config = parseConfig({ TEXTCLF_BACKEND: backend, WEBGPU_ADAPTER: adapter });
  let info;
  try {
    info = await initBackend(config.TEXTCLF_BACKEND, undefined, {
      webgpuAdapter: config.WEBGPU_ADAPTER,
      syncReads: sync === 'sync',
    });
  } catch (err) {
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify({ unavailable: (err as Error).message })}\n`);
    return;
  }
  // Small ops would otherwise run on the CPU copy of their inputs: make every kernel run on the device.
  if (info.name === 'webgpu') tf.env().set('WEBGPU_CPU_FORWARD', false);
  const output = task === 'kernels' ? await kernelsTask() : task === 'train' ? await trainTask() : {};
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify({ backend: info, output })}\n`);
}

await main();
