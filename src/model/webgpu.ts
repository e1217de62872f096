import type { BackendInfo } from './backend.js';

/**
 * WebGPU through Dawn's Node binding. Returns undefined where no real GPU adapter is present:
 * a software adapter is never chosen automatically (it is far slower than wasm).
 */
export async function initWebGpu(): Promise<BackendInfo | undefined> {
  return undefined;
}
