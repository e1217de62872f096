/** What serving holds per version: the model as it answers, and the helpers every holder shares. */
import type { ClassifyResult } from '../contract/index.js';
import { AppError } from '../errors/index.js';

type Explanation = NonNullable<ClassifyResult['explanation']>;
type Score = { label: string; probability: number };
type Predictions = { label: string; scores: Score[]; labels?: Score[]; explanation?: Explanation }[];

/**
 * What serving needs from a trained classifier: `TextClassifier` (in this thread) and `RemoteModel`
 * (in inference threads) satisfy it. `dispose` must not cut short a prediction already asked for.
 */
export interface ServableModel {
  readonly labels: readonly string[];
  /** A multi-label model answers `labels` (those at or above their threshold, or `threshold`); absent: false. */
  readonly multiLabel?: boolean;
  predict(
    texts: readonly string[],
    topK?: number,
    threshold?: number,
    explain?: number,
  ): Predictions | Promise<Predictions>;
  dispose(): void;
  /** Bytes it holds in memory, estimated (absent: its artefact's size stands in). */
  memoryBytes?(): number;
}

/** One answer: below the cut-off a single label abstains (null), the scores still given. */
export function toResult(p: Predictions[number], cutOff: number, multiLabel: boolean): ClassifyResult {
  const abstain = (p.scores[0]?.probability ?? 0) < cutOff;
  return {
    label: abstain ? null : p.label,
    ...(abstain ? { abstained: true } : {}),
    ...(multiLabel ? { multiLabel: true as const, labels: p.labels ?? [] } : {}),
    ...(p.explanation ? { explanation: p.explanation } : {}),
    scores: p.scores,
  };
}

/**
 * Turns artefact bytes into a model (`deserializeArtefact`, or the inference threads). The bytes
 * are the loader's to keep or hand over; `reread` reads the same version's bytes again (checked).
 */
export type ArtefactLoader = (
  bytes: Uint8Array,
  reread: () => Promise<Uint8Array>,
) => ServableModel | Promise<ServableModel>;

export interface Loaded {
  version: number;
  model: ServableModel;
  /** The version's own cut-off (training option `minProbability`): below it an answer abstains. */
  minProbability: number;
  /** Size of its artefact. */
  bytes: number;
  /** Its memory, estimated: what a serving memory budget counts. */
  memory: number;
}

export function singleLabelThreshold(model: string, version: number): AppError {
  const message = `model "${model}" version ${version} is single-label: it takes no threshold (use minProbability)`;
  return new AppError('INVALID_REQUEST', `/body/threshold ${message}`, {
    errors: [{ path: '/body/threshold', message }],
  });
}

export function pinKey(model: string, version: number): string {
  return `${model}@${version}`;
}
