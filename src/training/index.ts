/** Training and evaluation of the text classifier. */
export { train } from './train.js';
export type { TrainHooks, TrainResult, EpochProgress, EpochTiming } from './train.js';
export {
  resolveTrainOptions,
  trainOptionsSchema,
  autotuneSchema,
  SHORT_TEXT_CHARACTERS,
  REFIT_MAX_DOCUMENTS,
  LARGE_DATA_PATIENCE,
} from './options.js';
export { Rng } from './rng.js';
export type { TrainOptions, TrainOptionsInput, AutotuneSettings, DataKind } from './options.js';
export { evaluatePredictions, evaluateProbabilities } from './evaluate.js';
export type { Evaluation, ClassMetrics, RiskCoverage } from './evaluate.js';
export { RISK_COVERAGE_CUTOFFS } from './evaluate.js';
export { evaluate, evaluateAsync } from './evaluate-classifier.js';
export { evaluateMultiLabel, tuneThresholds, THRESHOLD_RANGE } from './evaluate-multi.js';
export type { MultiLabelEvaluation, LabelMetrics } from './evaluate-multi.js';
export type { AnyEvaluation, CalibrationReport } from './validation.js';
export {
  fitTemperature,
  fitPlatt,
  expectedCalibrationError,
  multiLabelCalibrationError,
} from './calibrate.js';
export { baseFromArtefact, baseFromClassifier, carryOptions, FIXED_OPTIONS } from './base.js';
export type { BaseModel } from './base.js';
