import * as tf from '@tensorflow/tfjs';
import type { CsrMatrix } from '../text/index.js';
import { logitsOnHost, type HostWeights } from './host-logits.js';
import { valuesOf } from './kernels/arrays.js';

/** The four weight tensors of the network: sparse hidden layer and dense output layer. */
export interface NetworkTensors {
  hiddenKernel: tf.Tensor2D;
  hiddenBias: tf.Tensor1D;
  outputKernel: tf.Tensor2D;
  outputBias: tf.Tensor1D;
  /** True for a linear model (no ReLU on the hidden layer). */
  linear?: boolean;
}

/**
 * The network's inference up to the logits (sparse layer → ReLU → dense) on the weights where they
 * live, for backends that keep tensors in host memory (cpu, wasm), or undefined elsewhere.
 *
 * Why not the ops: for one document the arithmetic is ~30 µs, while creating the input tensors,
 * dispatching five kernels and reading back costs several times that, and classifying one text
 * per request is what a serving process mostly does.
 * @returns row-major logits [rows, classes] (the head turns them into probabilities)
 */
export function hostLogits(x: CsrMatrix, w: NetworkTensors): Float32Array | undefined {
  const views = hostViews(w);
  return views && logitsOnHost(x, views);
}

/** Weights read back once per tensor on backends that keep them off the host. */
const readBack = new WeakMap<tf.Tensor, Float32Array>();

/**
 * The weights as host arrays: views without copies on cpu and wasm (see {@link hostViews}),
 * elsewhere read back once and cached for the tensors' life.
 */
export function hostWeights(w: NetworkTensors): HostWeights {
  const read = (t: tf.Tensor): Float32Array => {
    let a = readBack.get(t);
    if (!a) readBack.set(t, (a = t.dataSync() as Float32Array));
    return a;
  };
  return (
    hostViews(w) ?? {
      hiddenKernel: read(w.hiddenKernel),
      hiddenBias: read(w.hiddenBias),
      outputKernel: read(w.outputKernel),
      outputBias: read(w.outputBias),
      ...(w.linear ? { linear: true } : {}),
    }
  );
}

/**
 * Views of the weights where they live, on backends that keep tensors in host memory (cpu, wasm),
 * else undefined. Taken afresh each call: a growing wasm heap detaches old views.
 */
function hostViews(w: NetworkTensors): HostWeights | undefined {
  const name = tf.getBackend();
  if (name !== 'cpu' && name !== 'wasm') return undefined;
  const backend = tf.backend();
  const view = (t: tf.Tensor) => valuesOf(backend, t) as Float32Array;
  return {
    hiddenKernel: view(w.hiddenKernel),
    hiddenBias: view(w.hiddenBias),
    outputKernel: view(w.outputKernel),
    outputBias: view(w.outputBias),
    ...(w.linear ? { linear: true } : {}),
  };
}
