/** The packages of TensorFlow's native backend (`tensorflow`), the GPU build first: both register the same name. */
export const NATIVE_TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
