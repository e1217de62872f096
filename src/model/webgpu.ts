import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { importOptional } from '../common/index.js';
import type { WebGpuAdapterChoice } from '../config/index.js';
import { silentLogger, type Logger } from '../log/index.js';
import type { BackendInfo } from './backend.js';

/** The parts of Dawn's WebGPU objects used here (`@webgpu/types` is not a dependency of this project). */
export interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuDeviceLike {
  lost?: Promise<{ reason?: string; message?: string }>;
}
interface GpuAdapterLike {
  info?: AdapterInfoLike;
  isFallbackAdapter?: boolean;
  limits: Record<string, number>;
  requestDevice(descriptor: { requiredLimits: Record<string, number> }): Promise<GpuDeviceLike>;
}
interface GpuLike {
  requestAdapter(options?: Record<string, string>): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}
type WebGpuBackendClass = new (device: GpuDeviceLike, info?: AdapterInfoLike) => tf.KernelBackend;
interface WebGpuBackendModule {
  WebGPUBackend: WebGpuBackendClass;
}

export interface WebGpuOptions {
  /** True under `auto` selection: only a hardware GPU adapter is accepted. */
  requireHardware: boolean;
  /** `software` selects Dawn's OpenGL backend on Mesa (see config `WEBGPU_ADAPTER`). */
  adapter: WebGpuAdapterChoice;
  log?: Logger;
}

/** Device strings of CPU rasterisers that can stand behind a WebGPU adapter. */
const SOFTWARE_RENDERERS = /llvmpipe|lavapipe|softpipe|swiftshader|swrast|software|microsoft basic render/i;

/**
 * Whether an adapter is a software (CPU) implementation. Dawn's OpenGL backend on llvmpipe reports
 * `isFallbackAdapter: false` and empty vendor/architecture, so the device strings decide.
 */
export function isSoftwareAdapter(info: AdapterInfoLike, isFallback = false): boolean {
  if (isFallback || info.isFallbackAdapter) return true;
  if (/^cpu$/i.test(info.architecture ?? '')) return true;
  return SOFTWARE_RENDERERS.test([info.vendor, info.architecture, info.device, info.description].join(' '));
}

/** One line naming the adapter, for logs, `/readyz` and model metadata. */
export function describeAdapter(info: AdapterInfoLike, dawnBackend: string, software: boolean): string {
  const parts = [info.description, info.device, info.vendor && `vendor ${info.vendor}`, info.architecture]
    .map((s) => s?.trim())
    .filter((s): s is string => Boolean(s));
  const unique = [...new Set(parts)];
  return `${unique.join(' · ') || 'unknown adapter'} [dawn ${dawnBackend}${software ? ', software' : ''}]`;
}

/**
 * Whether the Vulkan loader Dawn needs on Linux can be loaded. Dawn prints warnings to stderr when
 * it cannot, so `auto` selection asks first. `process.dlopen` uses the same search as Dawn's
 * dlopen(); loading a library that is not a Node addon fails *after* loading it, with another message.
 */
function vulkanLoaderPresent(): boolean {
  if (process.platform !== 'linux') return true;
  try {
    process.dlopen({ exports: {} }, 'libvulkan.so.1');
  } catch (err) {
    return !/cannot open shared object file/.test((err as Error).message);
  }
  return true;
}

/**
 * Mesa's EGL reads these at `eglInitialize`: without a display server it needs the surfaceless
 * platform, and it warns without a runtime dir. They are set only when absent, before Dawn loads EGL.
 * A worker thread's `process.env` is a private copy that native code never sees, so there they
 * must already be in the process environment (set before start, or by the main thread).
 */
function prepareMesaEnvironment(log: Logger): void {
  if (!isMainThread && process.env.EGL_PLATFORM === undefined) {
    log.warn(
      'webgpu software adapter in a worker thread: set EGL_PLATFORM=surfaceless before the process starts',
    );
  }
  process.env.EGL_PLATFORM ??= 'surfaceless';
  if (process.env.XDG_RUNTIME_DIR === undefined) {
    // One private directory per user, reused: a runtime dir must be owned by the user, mode 0700.
    const dir = join(tmpdir(), `textclf-xdg-${process.getuid?.() ?? 'user'}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
}

/** Makes Dawn's `GPU*` constants and `navigator.gpu` visible where tfjs-backend-webgpu looks for them. */
function installGlobals(dawn: DawnModule, gpu: GpuLike): void {
  const g = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(dawn.globals)) if (g[name] === undefined) g[name] = value;
  // Node 21+ has a read-only `navigator` object; Node 20 has none.
  const nav = (g.navigator ?? {}) as Record<string, unknown>;
  Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
  if (g.navigator === undefined) g.navigator = nav;
}

/** Message of the error a synchronous read of device data raises under Node. */
export const READ_SYNC_UNSUPPORTED =
  'webgpu backend: synchronous reads (dataSync/arraySync) of device data are impossible under Node; use await tensor.data()';

/**
 * The stock backend's `readSync` copies through an OffscreenCanvas, which Node lacks, so it dies
 * with a ReferenceError; and Dawn can only complete a buffer map from the event loop. Fail clearly
 * instead. Data still held on the CPU (uploads, CPU-forwarded small ops) reads synchronously as before.
 */
function withClearReadSync(Base: WebGpuBackendClass): WebGpuBackendClass {
  interface Readable {
    tensorMap: { get(id: object): { values?: unknown; dtype?: string } | undefined };
  }
  return class NodeWebGpuBackend extends Base {
    override readSync(dataId: object): tf.BackendValues {
      const data = (this as unknown as Readable).tensorMap.get(dataId);
      const onCpu = data?.values != null || data?.dtype === 'string';
      if (!onCpu && typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas === 'undefined') {
        throw new Error(READ_SYNC_UNSUPPORTED);
      }
      return super.readSync(dataId);
    }
  };
}

/** The limits tfjs-backend-webgpu raises to the adapter's maxima (as its own factory does). */
function requiredLimits(adapter: GpuAdapterLike): Record<string, number> {
  const names = [
    'maxComputeWorkgroupStorageSize',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupSizeX',
    'maxComputeInvocationsPerWorkgroup',
  ];
  const limits: Record<string, number> = {};
  for (const name of names) {
    const value = adapter.limits[name];
    if (typeof value === 'number') limits[name] = value;
  }
  return limits;
}

/**
 * WebGPU through Dawn's Node binding (npm `webgpu`) and `@tensorflow/tfjs-backend-webgpu`.
 * Returns undefined where either package, or a suitable adapter, is missing: under `auto` selection
 * only a hardware GPU is accepted — a software adapter is far slower than wasm.
 */
export async function initWebGpu(opts: WebGpuOptions): Promise<BackendInfo | undefined> {
  const log = opts.log ?? silentLogger;
  const software = opts.adapter === 'software';
  if (software && opts.requireHardware) {
    log.debug('webgpu: the software adapter is never selected automatically');
    return undefined;
  }
  if (opts.requireHardware && !vulkanLoaderPresent()) {
    log.debug('webgpu: no Vulkan loader (libvulkan.so.1), so no GPU adapter');
    return undefined;
  }
  const dawn = await importOptional<DawnModule>('webgpu');
  if (!dawn) {
    log.debug('webgpu: package "webgpu" (Dawn) is not installed');
    return undefined;
  }
  if (software) prepareMesaEnvironment(log);
  const dawnBackend = software ? 'opengl' : 'default';
  const gpu = dawn.create(software ? ['backend=opengl'] : []);
  const adapter = await gpu.requestAdapter(
    software ? { featureLevel: 'compatibility' } : { powerPreference: 'high-performance' },
  );
  if (!adapter) {
    log.debug({ dawnBackend }, 'webgpu: no adapter');
    return undefined;
  }
  const info = adapter.info ?? {};
  const isSoftware = isSoftwareAdapter(info, adapter.isFallbackAdapter);
  const detail = describeAdapter(info, dawnBackend, isSoftware);
  if (isSoftware && opts.requireHardware) {
    log.info({ adapter: detail }, 'webgpu: only a software adapter is present; not selected automatically');
    return undefined;
  }
  installGlobals(dawn, gpu);
  const pkg = await importOptional<WebGpuBackendModule>('@tensorflow/tfjs-backend-webgpu');
  if (!pkg) {
    log.debug('webgpu: package "@tensorflow/tfjs-backend-webgpu" is not installed');
    return undefined;
  }
  const device = await adapter.requestDevice({ requiredLimits: requiredLimits(adapter) });
  // 'destroyed' is an orderly disposal; anything else (driver reset, GPU removed) fails later kernels.
  void device.lost?.then((lost) => {
    if (lost.reason === 'destroyed') log.debug('webgpu device destroyed');
    else log.error({ reason: lost.reason, message: lost.message }, 'webgpu device lost');
  });
  // The package registers its own factory, which asks for a default adapter: that finds nothing on
  // Dawn's OpenGL backend (it needs featureLevel 'compatibility'). Use the adapter chosen here.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  const Backend = withClearReadSync(pkg.WebGPUBackend);
  tf.registerBackend('webgpu', () => new Backend(device, info), 3);
  const { registerWebGpuKernels } = await import('./webgpu-kernels.js');
  registerWebGpuKernels();
  if (!(await tf.setBackend('webgpu'))) return undefined;
  return { name: 'webgpu', package: '@tensorflow/tfjs-backend-webgpu', detail };
}
