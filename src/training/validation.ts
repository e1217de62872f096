/**
 * What the validation split decides after the select phase: the calibration of the probabilities,
 * a multi-label model's thresholds, and the evaluation stored with the version.
 */
import { headProbabilities, type Calibration, type ModelHead } from '../model/index.js';
import {
  expectedCalibrationError,
  fitPlatt,
  fitTemperature,
  multiLabelCalibrationError,
} from './calibrate.js';
import { evaluateProbabilities, type Evaluation } from './evaluate.js';
import { evaluateMultiLabel, tuneThresholds, type MultiLabelEvaluation } from './evaluate-multi.js';

/** Expected calibration error (15 bins) of the validation split before and after calibration. */
export interface CalibrationReport {
  method: 'temperature' | 'platt';
  eceBefore: number;
  eceAfter: number;
  /** The fitted temperature (single-label models). */
  temperature?: number;
}

/** Either kind of evaluation, with its calibration report. */
export type AnyEvaluation = (Evaluation | MultiLabelEvaluation) & { calibration?: CalibrationReport };

/** What the select phase hands on: the head's fitted parts and the evaluation. */
export interface Validated {
  calibration?: Calibration;
  thresholds?: number[];
  evaluation: AnyEvaluation;
}

/** The labelled validation rows: class indices, or multi-hot targets [rows, classes]. */
export interface ValidationTruth {
  y: Int32Array;
  targets?: Uint8Array;
}

/**
 * Fits the calibration on the validation logits (a temperature, or per-label Platt scaling),
 * tunes a multi-label model's thresholds on the calibrated probabilities, and evaluates.
 * The evaluation is of the same rows the fit used, so it is slightly optimistic; held-out test
 * sets (`fit-eval`) give the unbiased figure.
 */
export function validateSelected(
  logits: Float32Array,
  truth: ValidationTruth,
  labels: readonly string[],
): Validated {
  const c = labels.length;
  if (truth.targets) return validateMultiLabel(logits, truth.targets, labels);
  const raw = headProbabilities(logits, c, { output: 'softmax' });
  const temperature = fitTemperature(logits, truth.y, c);
  const head: ModelHead = { output: 'softmax', calibration: { temperature } };
  const probs = headProbabilities(logits, c, head);
  const evaluation: AnyEvaluation = {
    ...evaluateProbabilities(probs, truth.y, labels),
    calibration: {
      method: 'temperature',
      temperature,
      eceBefore: expectedCalibrationError(raw, truth.y, c),
      eceAfter: expectedCalibrationError(probs, truth.y, c),
    },
  };
  return { calibration: head.calibration!, evaluation };
}

function validateMultiLabel(logits: Float32Array, targets: Uint8Array, labels: readonly string[]): Validated {
  const c = labels.length;
  const raw = headProbabilities(logits, c, { output: 'sigmoid' });
  const fitted = fitPlatt(logits, targets, c);
  const calibration: Calibration = { platt: { a: Array.from(fitted.a), b: Array.from(fitted.b) } };
  const probs = headProbabilities(logits, c, { output: 'sigmoid', calibration });
  const thresholds = tuneThresholds(probs, targets, c);
  const evaluation: AnyEvaluation = {
    ...evaluateMultiLabel(probs, targets, labels, thresholds),
    calibration: {
      method: 'platt',
      eceBefore: multiLabelCalibrationError(raw, targets, c),
      eceAfter: multiLabelCalibrationError(probs, targets, c),
    },
  };
  return { calibration, thresholds, evaluation };
}
