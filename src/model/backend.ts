import * as tf from '@tensorflow/tfjs-core';
import { importOptional } from '../common/index.js';
import { NATIVE_TENSORFLOW_PACKAGES } from './native-packages.js';
import { registerKernels } from './kernels/index.js';
import type { BackendChoice, WebGpuAdapterChoice } from '../config/index.js';
import { silentLogger, type Logger } from '../log/index.js';

/** What was selected, recorded with every trained model and reported by `/readyz`. */
export interface BackendInfo {
  /** TensorFlow.js backend name: `tensorflow`, `webgpu`, `wasm` or `cpu`. */
  name: string;
  /** npm package that provides it. */
  package: string;
  /** Extra facts, e.g. the GPU adapter or whether wasm SIMD is on. */
  detail?: string;
}

/** Options beyond the backend name (from config; only main/CLI read the environment). */
export interface BackendOptions {
  /** Config `WEBGPU_ADAPTER`: which adapter an explicit `webgpu` choice asks Dawn for. */
  webgpuAdapter?: WebGpuAdapterChoice;
  /**
   * The caller reads tensors synchronously (serving through `TextClassifier.predict`). webgpu
   * cannot under Node, so it is skipped, even when chosen explicitly (training threads still use
   * it: each worker thread has its own backend).
   */
  syncReads?: boolean;
}

interface LoaderContext {
  /** True when trying candidates for `auto`: a loader must then refuse slow stand-ins. */
  auto: boolean;
  options: BackendOptions;
  log: Logger;
}

type Loader = (ctx: LoaderContext) => Promise<BackendInfo | undefined>;

const loaders: Record<Exclude<BackendChoice, 'auto'>, Loader> = {
  async tensorflow() {
    for (const pkg of NATIVE_TENSORFLOW_PACKAGES) {
      if ((await importOptional(pkg)) !== undefined && (await tf.setBackend('tensorflow')))
        return { name: 'tensorflow', package: pkg };
    }
    return undefined;
  },
  async webgpu({ auto, options, log }) {
    const { initWebGpu } = await import('./webgpu.js');
    return initWebGpu({ requireHardware: auto, adapter: options.webgpuAdapter ?? 'auto', log });
  },
  async wasm() {
    if ((await importOptional('@tensorflow/tfjs-backend-wasm')) === undefined) return undefined;
    if (!(await tf.setBackend('wasm'))) return undefined;
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    return { name: 'wasm', package: '@tensorflow/tfjs-backend-wasm', detail: simd ? 'simd' : 'no-simd' };
  },
  async cpu() {
    await import('@tensorflow/tfjs-backend-cpu');
    return (await tf.setBackend('cpu'))
      ? { name: 'cpu', package: '@tensorflow/tfjs-backend-cpu' }
      : undefined;
  },
};

/** Order tried by `auto`: native TensorFlow (GPU build first), a real WebGPU adapter, wasm, cpu. */
const AUTO_ORDER: Exclude<BackendChoice, 'auto'>[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

let current: BackendInfo | undefined;

/**
 * Selects and initialises the TensorFlow.js backend once per process. An explicit choice must
 * succeed; `auto` falls through to the next candidate.
 * @throws Error when an explicitly chosen backend cannot be loaded.
 */
export async function initBackend(
  choice: BackendChoice = 'auto',
  log: Logger = silentLogger,
  options: BackendOptions = {},
): Promise<BackendInfo> {
  if (current && (choice === 'auto' || choice === current.name)) return current;
  if (choice === 'webgpu' && options.syncReads) {
    log.warn('webgpu cannot read synchronously under Node: this process uses the next backend in auto order');
    choice = 'auto';
  }
  const order =
    choice === 'auto' ? AUTO_ORDER.filter((n) => !(options.syncReads && n === 'webgpu')) : [choice];
  registerKernels();
  // PROD skips debug checks and the "install tfjs-node" banner the cpu backend prints.
  tf.env().set('PROD', true);
  for (const name of order) {
    let info: BackendInfo | undefined;
    try {
      info = await loaders[name]({ auto: choice === 'auto', options, log });
    } catch (err) {
      log.debug({ err, backend: name }, 'backend unavailable');
    }
    if (info) {
      current = info;
      log.info({ backend: info }, 'tensorflow.js backend selected');
      return info;
    }
    if (choice !== 'auto')
      throw new Error(`TensorFlow.js backend "${choice}" is not available on this machine`);
  }
  throw new Error('no TensorFlow.js backend could be initialised');
}

/** The backend chosen by `initBackend`, or undefined before it ran. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}
