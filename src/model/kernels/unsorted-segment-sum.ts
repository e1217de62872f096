import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { UnsortedSegmentSum } from '@tensorflow/tfjs-core';
import { makeOutput, valuesOf } from './arrays.js';

/**
 * `UnsortedSegmentSum` for backends that lack it (wasm has none, so `gather`'s gradient fails there).
 * One pass over the input: O(n), independent of the number of segments.
 */
const unsortedSegmentSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const outer = segmentIds.shape.reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
  const xv = valuesOf(backend, x);
  const sv = valuesOf(backend, segmentIds);
  const dtype = x.dtype === 'int32' ? 'int32' : 'float32';
  return makeOutput(backend, [numSegments, ...x.shape.slice(segmentIds.shape.length)], dtype, (out) => {
    for (let i = 0; i < outer; i++) {
      const s = sv[i]!;
      if (s < 0 || s >= numSegments) continue;
      const o = s * inner;
      const k = i * inner;
      for (let j = 0; j < inner; j++) out[o + j]! += xv[k + j]!;
    }
  });
};

export const unsortedSegmentSumWasmConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum,
};
