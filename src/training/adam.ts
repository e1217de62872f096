/**
 * Adam whose state lives in plain arrays, for the small dense parameters. The hidden kernel's
 * lazy (sparse) form lives with its interleaved table in `table.ts`.
 */
export interface AdamConfig {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const DEFAULT_ADAM: Omit<AdamConfig, 'learningRate'> = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

export class AdamSlot {
  readonly m: Float32Array;
  readonly v: Float32Array;

  constructor(size: number, m?: Float32Array, v?: Float32Array) {
    this.m = m ?? new Float32Array(size);
    this.v = v ?? new Float32Array(size);
  }
}

function stepSizes(cfg: AdamConfig, t: number): { lr: number } {
  const c1 = 1 - Math.pow(cfg.beta1, t);
  const c2 = 1 - Math.pow(cfg.beta2, t);
  return { lr: (cfg.learningRate * Math.sqrt(c2)) / c1 };
}

/** Dense Adam step: `param -= lr · m̂ / (√v̂ + ε)` over the whole array. */
export function updateDense(
  cfg: AdamConfig,
  t: number,
  param: Float32Array,
  grad: Float32Array,
  slot: AdamSlot,
) {
  const { lr } = stepSizes(cfg, t);
  const { beta1: b1, beta2: b2, epsilon: eps } = cfg;
  const { m, v } = slot;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i]!;
    const mi = (m[i] = b1 * m[i]! + (1 - b1) * g);
    const vi = (v[i] = b2 * v[i]! + (1 - b2) * g * g);
    param[i]! -= (lr * mi) / (Math.sqrt(vi) + eps);
  }
}
