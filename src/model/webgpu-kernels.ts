import * as tf from '@tensorflow/tfjs-core';
import type {
  KernelBackend,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { SPARSE_LINEAR, SPARSE_LINEAR_GRAD } from './kernels/index.js';

const BACKEND = 'webgpu';

/**
 * Runs one stock webgpu kernel directly (not through the engine), so intermediate results stay on
 * the GPU and never enter the gradient tape; the caller disposes them with `backend.disposeData`.
 */
function run(
  name: string,
  backend: KernelBackend,
  inputs: NamedTensorInfoMap,
  attrs: object = {},
): TensorInfo {
  const kernel = tf.getKernel(name, BACKEND);
  if (!kernel) throw new Error(`webgpu backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs, backend, attrs: attrs as NamedAttrMap }) as TensorInfo;
}

/** Runs `body`, then frees every intermediate it registered except the returned result. */
function scoped(
  backend: KernelBackend,
  body: (keep: (t: TensorInfo) => TensorInfo) => TensorInfo,
): TensorInfo {
  const temps: TensorInfo[] = [];
  try {
    return body((t) => {
      temps.push(t);
      return t;
    });
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

/**
 * out[b, :] = Σ_l weights[b, l] · table[ids[b, l], :] as gather → multiply → sum over l.
 * The project's JS kernels read their inputs with `readSync`, which the webgpu backend cannot do
 * under Node (it reads back through an OffscreenCanvas); these stay on the device instead.
 */
const sparseLinearWebGpu: KernelFunc = ({ inputs, backend: anyBackend }) => {
  const backend = anyBackend as KernelBackend;
  const { ids, weights, table } = inputs as { ids: TensorInfo; weights: TensorInfo; table: TensorInfo };
  const [batch = 0, width = 0] = ids.shape;
  const units = table.shape[1] ?? 0;
  return scoped(backend, (keep) => {
    const flatIds = keep(run('Reshape', backend, { x: ids }, { shape: [batch * width] }));
    // Out-of-range ids (padding) gather zeros on webgpu, and padding weights are 0 anyway.
    const rows = keep(run('GatherV2', backend, { x: table, indices: flatIds }, { axis: 0, batchDims: 0 }));
    const w = keep(run('Reshape', backend, { x: weights }, { shape: [batch * width, 1] }));
    const weighted = keep(run('Multiply', backend, { a: rows, b: w }));
    const cube = keep(run('Reshape', backend, { x: weighted }, { shape: [batch, width, units] }));
    return run('Sum', backend, { x: cube }, { axis: [1], keepDims: false });
  });
};

/** d table[ids[b, l], :] += weights[b, l] · dy[b, :] as broadcast multiply → unsortedSegmentSum. */
const sparseLinearGradWebGpu: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend;
  const { ids, weights, dy } = inputs as { ids: TensorInfo; weights: TensorInfo; dy: TensorInfo };
  const rows = (attrs as { rows: number }).rows;
  const [batch = 0, width = 0] = ids.shape;
  const units = dy.shape[1] ?? 0;
  return scoped(backend, (keep) => {
    const d = keep(run('Reshape', backend, { x: dy }, { shape: [batch, 1, units] }));
    const w = keep(run('Reshape', backend, { x: weights }, { shape: [batch, width, 1] }));
    const contrib = keep(run('Multiply', backend, { a: d, b: w }));
    const flat = keep(run('Reshape', backend, { x: contrib }, { shape: [batch * width, units] }));
    const flatIds = keep(run('Reshape', backend, { x: ids }, { shape: [batch * width] }));
    // Negative ids are skipped by the shader, like the JS kernel skips them.
    return run('UnsortedSegmentSum', backend, { x: flat, segmentIds: flatIds }, { numSegments: rows });
  });
};

/**
 * Registers the project's custom kernels for the webgpu backend (idempotent, replaces any
 * earlier registration for `webgpu`). Needs `@tensorflow/tfjs-backend-webgpu` imported first,
 * since the stock kernels it composes come from there.
 */
export function registerWebGpuKernels(): void {
  for (const [kernelName, kernelFunc] of [
    [SPARSE_LINEAR, sparseLinearWebGpu],
    [SPARSE_LINEAR_GRAD, sparseLinearGradWebGpu],
  ] as const) {
    if (tf.getKernel(kernelName, BACKEND)?.kernelFunc === kernelFunc) continue;
    if (tf.getKernel(kernelName, BACKEND)) tf.unregisterKernel(kernelName, BACKEND);
    tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc });
  }
}
