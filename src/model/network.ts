import * as tf from '@tensorflow/tfjs';
import type { OutputKind } from './head.js';
import { registerKernels, sparseLinear } from './kernels/index.js';

/**
 * What the hidden layer applies: `relu`, or `linear` for a linear model (`hiddenUnits: 0`): the
 * sparse layer is then one column per class and the output layer a fixed identity, so the logits
 * are x·W + b, the same model as a (multinomial or one-vs-rest) logistic regression on the
 * features. Keeping the identity layer lets every backend, artefact and explanation path serve it.
 */
export type HiddenActivation = 'relu' | 'linear';

/**
 * Shape of the network: sparse bag of words → hidden ReLU → dropout → softmax over the classes,
 * or (multi-label) one sigmoid per label.
 */
export interface NetworkShape {
  vocabularySize: number;
  hiddenUnits: number;
  numClasses: number;
  dropout: number;
  /** Absent in artefacts made before multi-label models: softmax. */
  output?: OutputKind;
  /** Absent in artefacts made before linear models: relu. */
  activation?: HiddenActivation;
}

interface SparseDenseArgs {
  inputDim: number;
  units: number;
  name?: string;
  /** Initial kernel and bias; the TensorFlow.js initialisers are used when absent. */
  initial?: { kernel: Float32Array; bias: Float32Array };
}

/**
 * An initializer that starts a weight from given values: no random tensor first and no second
 * copy for setWeights. (tfjs-layers does not export its Initializer base class, so a stock
 * initializer gets its `apply` replaced.) It lets go of the values once used: a Dense layer keeps
 * its initializer for life, and the values are a view into the artefact's whole weight buffer,
 * which would otherwise stay alive beside the tensors (the size of the model again).
 */
function valuesInitializer(values: Float32Array) {
  const init = tf.initializers.zeros();
  let held: Float32Array | undefined = values;
  init.apply = (shape: tf.Shape) => {
    if (!held) throw new Error('a values initializer starts one weight, once');
    const t = tf.tensor(held, shape as number[], 'float32');
    held = undefined;
    return t;
  };
  return init;
}

/**
 * A dense layer whose input is a padded sparse bag of features: two tensors, feature ids
 * (int32 [batch, width]) and their weights (float32 [batch, width], 0 = padding). It costs
 * batch × width × units instead of the batch × vocabulary × units a dense input costs.
 */
export class SparseDense extends tf.layers.Layer {
  static readonly className = 'TextclfSparseDense';
  readonly inputDim: number;
  readonly units: number;
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;
  private initial?: SparseDenseArgs['initial'];

  constructor(args: SparseDenseArgs) {
    super({ name: args.name });
    this.inputDim = args.inputDim;
    this.units = args.units;
    this.initial = args.initial;
  }

  override build(): void {
    this.kernel = this.addWeight(
      'kernel',
      [this.inputDim, this.units],
      'float32',
      this.initial ? valuesInitializer(this.initial.kernel) : tf.initializers.glorotUniform({}),
    );
    this.bias = this.addWeight(
      'bias',
      [this.units],
      'float32',
      this.initial ? valuesInitializer(this.initial.bias) : tf.initializers.zeros(),
    );
    this.initial = undefined;
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const first = (inputShape as tf.Shape[])[0] ?? [null];
    return [first[0] ?? null, this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [ids, weights] = inputs as [tf.Tensor2D, tf.Tensor2D];
      const table = this.kernel!.read() as tf.Tensor2D;
      return tf.add(sparseLinear(ids, weights, table), this.bias!.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), inputDim: this.inputDim, units: this.units };
  }
}

tf.serialization.registerClass(SparseDense);

/**
 * Builds the classifier network as a TensorFlow.js LayersModel (inputs `ids` and `weights`,
 * output class probabilities before calibration). Weights start from `params` when given (a trained or loaded model),
 * else from TensorFlow.js initialisers.
 */
export function buildModel(shape: NetworkShape, params?: NetworkParams): tf.LayersModel {
  registerKernels();
  const ids = tf.input({ shape: [null], dtype: 'int32', name: 'ids' });
  const weights = tf.input({ shape: [null], dtype: 'float32', name: 'weights' });
  const hidden = new SparseDense({
    inputDim: shape.vocabularySize,
    units: shape.hiddenUnits,
    name: 'hidden',
    initial: params && { kernel: params.hiddenKernel, bias: params.hiddenBias },
  });
  let x = hidden.apply([ids, weights]) as tf.SymbolicTensor;
  const activation = shape.activation ?? 'relu';
  x = tf.layers.activation({ activation, name: activation }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: shape.dropout, name: 'dropout' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({
      units: shape.numClasses,
      activation: shape.output ?? 'softmax',
      name: 'output',
      ...(params && {
        kernelInitializer: valuesInitializer(params.outputKernel),
        biasInitializer: valuesInitializer(params.outputBias),
      }),
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: [ids, weights], outputs: out, name: 'textclf' });
}

/** The trainable parameters in plain arrays, the form the trainer works on. */
export interface NetworkParams {
  hiddenKernel: Float32Array; // [vocabularySize, hiddenUnits]
  hiddenBias: Float32Array; // [hiddenUnits]
  outputKernel: Float32Array; // [hiddenUnits, numClasses]
  outputBias: Float32Array; // [numClasses]
}
