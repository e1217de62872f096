import { AppError } from '../errors/index.js';
import type { Calibration, NetworkParams } from '../model/index.js';
import { AdamSlot } from './adam.js';
import type { DenseParams } from './params.js';
import { HiddenTable } from './table.js';
import type { EpochProgress } from './train.js';

/** Everything needed to continue training after an epoch. */
export interface TrainState {
  /** `select`: early-stopping run on the split; `refit`: retraining on all documents; `done`. */
  phase: 'select' | 'refit' | 'done';
  /** Epoch within the current phase. */
  epoch: number;
  step: number;
  rng: number;
  /** Hidden kernel with its Adam moments. */
  hidden: HiddenTable;
  dense: DenseParams;
  /** Adam moments of hiddenBias, outputKernel, outputBias. */
  slots: AdamSlot[];
  best: NetworkParams | undefined;
  bestLoss: number;
  bestEpoch: number;
  wait: number;
  /** Epochs the refit phase runs (the select phase's best epoch). */
  refitEpochs?: number;
  /** Validation evaluation of the selected model, carried into the refit phase. */
  evaluation?: unknown;
  /** Calibration and (multi-label) thresholds fitted on the validation split, carried likewise. */
  head?: { calibration?: Calibration; thresholds?: number[] };
  history: EpochProgress[];
  docsSeen: number;
  trainMs: number;
  stopped?: boolean;
}

const MAGIC = 'TXCKPT1';
const PARAM_KEYS = ['hiddenKernel', 'hiddenBias', 'outputKernel', 'outputBias'] as const;
const DENSE_KEYS = ['hiddenBias', 'outputKernel', 'outputBias'] as const;

/**
 * Serialises the training state: a JSON header, then the float32 arrays back to back
 * (parameters, Adam moments, best parameters).
 */
export function encodeCheckpoint(s: TrainState): Uint8Array {
  const arrays: Float32Array[] = [];
  arrays.push(s.hidden.data);
  for (const k of DENSE_KEYS) arrays.push(s.dense[k]);
  for (const slot of s.slots) arrays.push(slot.m, slot.v);
  if (s.best) for (const k of PARAM_KEYS) arrays.push(s.best[k]);
  const header = JSON.stringify({
    magic: MAGIC,
    phase: s.phase,
    epoch: s.epoch,
    bestEpoch: s.bestEpoch,
    refitEpochs: s.refitEpochs,
    evaluation: s.evaluation,
    head: s.head,
    step: s.step,
    rng: s.rng,
    bestLoss: Number.isFinite(s.bestLoss) ? s.bestLoss : null,
    wait: s.wait,
    history: s.history,
    docsSeen: s.docsSeen,
    trainMs: s.trainMs,
    stopped: s.stopped ?? false,
    hasBest: Boolean(s.best),
    lengths: arrays.map((a) => a.length),
  });
  const headerBytes = Buffer.from(header, 'utf8');
  const total = 4 + headerBytes.length + arrays.reduce((n, a) => n + a.byteLength, 0);
  const out = Buffer.alloc(total);
  out.writeUInt32LE(headerBytes.length, 0);
  headerBytes.copy(out, 4);
  let offset = 4 + headerBytes.length;
  for (const a of arrays) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, offset);
    offset += a.byteLength;
  }
  return out;
}

/**
 * Restores a state written by `encodeCheckpoint`, checking it fits the network being trained.
 * @throws AppError ARTEFACT_CORRUPT when the bytes are not a checkpoint of this shape.
 */
export function decodeCheckpoint(
  bytes: Uint8Array,
  shape: { vocabularySize: number; hiddenUnits: number; numClasses: number },
): TrainState {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const headerLength = buf.readUInt32LE(0);
    const h = JSON.parse(buf.subarray(4, 4 + headerLength).toString('utf8'));
    if (h.magic !== MAGIC) throw new Error('not a checkpoint');
    const { vocabularySize: v, hiddenUnits: u, numClasses: c } = shape;
    const sizes = [v * u, u, u * c, c];
    const dense = sizes.slice(1);
    const expected = [v * u * 3, ...dense, ...dense.flatMap((n) => [n, n]), ...(h.hasBest ? sizes : [])];
    if (JSON.stringify(expected) !== JSON.stringify(h.lengths)) throw new Error('shape mismatch');
    let offset = 4 + headerLength;
    const arrays = (h.lengths as number[]).map((n) => {
      const copy = new Float32Array(n);
      new Uint8Array(copy.buffer).set(buf.subarray(offset, offset + n * 4));
      offset += n * 4;
      return copy;
    });
    const params = (i: number): NetworkParams => ({
      hiddenKernel: arrays[i]!,
      hiddenBias: arrays[i + 1]!,
      outputKernel: arrays[i + 2]!,
      outputBias: arrays[i + 3]!,
    });
    return {
      phase: h.phase,
      bestEpoch: h.bestEpoch,
      refitEpochs: h.refitEpochs,
      evaluation: h.evaluation,
      ...(h.head ? { head: h.head } : {}),
      epoch: h.epoch,
      step: h.step,
      rng: h.rng,
      hidden: new HiddenTable(v, u, arrays[0]!),
      dense: { hiddenBias: arrays[1]!, outputKernel: arrays[2]!, outputBias: arrays[3]! },
      slots: [0, 1, 2].map((k) => new AdamSlot(0, arrays[4 + 2 * k], arrays[5 + 2 * k])),
      best: h.hasBest ? params(10) : undefined,
      bestLoss: h.bestLoss ?? Infinity,
      wait: h.wait,
      history: h.history,
      docsSeen: h.docsSeen,
      trainMs: h.trainMs,
      stopped: h.stopped,
    };
  } catch (err) {
    throw new AppError(
      'ARTEFACT_CORRUPT',
      `training checkpoint cannot be used: ${(err as Error).message}`,
      {},
      { cause: err },
    );
  }
}
