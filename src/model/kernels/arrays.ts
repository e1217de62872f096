import type { DataType, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';

type Numeric = Float32Array | Int32Array | Uint8Array;

/** The parts of the wasm backend we use; it keeps tensors in its heap instead of JS arrays. */
interface WasmLike {
  typedArrayFromHeap(t: TensorInfo): Numeric;
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
}

function isWasm(backend: KernelBackend): backend is KernelBackend & WasmLike {
  return typeof (backend as Partial<WasmLike>).typedArrayFromHeap === 'function';
}

/**
 * The values of a tensor as a typed array: a view without a copy on cpu and wasm, a read-back
 * elsewhere (tensorflow, webgpu). Read-only by contract.
 */
export function valuesOf(anyBackend: object, t: TensorInfo): Numeric {
  const backend = anyBackend as KernelBackend;
  if (isWasm(backend)) return backend.typedArrayFromHeap(t);
  return backend.readSync(t.dataId) as Numeric;
}

/**
 * Allocates an output tensor on `backend` and lets `fill` write every element of it
 * (the array arrives zeroed). On wasm it is written in place in the heap.
 */
export function makeOutput(
  anyBackend: object,
  shape: number[],
  dtype: 'float32' | 'int32',
  fill: (out: Float32Array | Int32Array) => void,
): TensorInfo {
  const backend = anyBackend as KernelBackend;
  const size = shape.reduce((a, b) => a * b, 1);
  if (isWasm(backend)) {
    const info = backend.makeOutput(shape, dtype);
    const view = backend.typedArrayFromHeap(info) as Float32Array | Int32Array;
    view.fill(0);
    fill(view);
    return info;
  }
  const values = dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
  fill(values);
  return (
    backend as KernelBackend & {
      makeTensorInfo(s: number[], d: DataType, v: Float32Array | Int32Array): TensorInfo;
    }
  ).makeTensorInfo(shape, dtype, values);
}
