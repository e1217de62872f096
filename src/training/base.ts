/**
 * The version an incremental run starts from: its vocabulary, labels, weights and options, and
 * which of its options a run on top of it may change.
 */
import { AppError } from '../errors/index.js';
import { readArtefact, type NetworkParams, type TextClassifier } from '../model/index.js';
import { resolveVectorizerOptions, type ResolvedVectorizerOptions } from '../text/index.js';
import {
  resolveTrainOptions,
  trainOptionsSchema,
  type TrainOptions,
  type TrainOptionsInput,
} from './options.js';

/** What an incremental run takes from the version it starts from. */
export interface BaseModel {
  /** Label names in the base's output order. */
  labels: readonly string[];
  /** The base's vocabulary: feature id `i` is `terms[i]`; an incremental run keeps these ids. */
  terms: readonly string[];
  /** The base vectoriser's options (tokenizer, n-grams): the extended vocabulary uses the same. */
  vectorizer: ResolvedVectorizerOptions;
  hiddenUnits: number;
  /** A linear model (`hiddenUnits: 0`): its hidden columns are its labels' own. */
  linear: boolean;
  multiLabel: boolean;
  params: NetworkParams;
  /** The base's resolved training options: what an incremental run defaults to. */
  options: Record<string, unknown>;
  /**
   * Documents the base was trained on. An incremental run's data starts with them (the base's data
   * set, then the additions); its validation rows are taken from the additions first.
   */
  documents: number;
}

/**
 * Options that shape the feature space or the network: an incremental run must keep the base's
 * (the base's weights would not fit otherwise).
 */
export const FIXED_OPTIONS = [
  'hiddenUnits',
  'ngramMin',
  'ngramMax',
  'stem',
  'stopWords',
  'cjkCharBigrams',
  'punctuation',
] as const;

/** The base model in an artefact's bytes (checksum verified), without building a TensorFlow.js model. */
export function baseFromArtefact(bytes: Uint8Array): BaseModel {
  const { header, terms, params } = readArtefact(bytes);
  return {
    labels: header.labels,
    terms,
    vectorizer: resolveVectorizerOptions(
      header.vectorizer.options as Parameters<typeof resolveVectorizerOptions>[0],
    ),
    hiddenUnits: header.shape.hiddenUnits,
    linear: header.shape.activation === 'linear',
    multiLabel: header.shape.output === 'sigmoid',
    params,
    options: header.metadata.options,
    documents: header.metadata.dataset.documents,
  };
}

/** The base model of a classifier in memory (the CLI and in-process callers). */
export function baseFromClassifier(c: TextClassifier): BaseModel {
  const v = c.vectorizer.parts();
  return {
    labels: c.labels,
    terms: v.terms,
    vectorizer: v.options,
    hiddenUnits: c.shape.hiddenUnits,
    linear: c.shape.activation === 'linear',
    multiLabel: c.multiLabel,
    params: c.params(),
    options: c.metadata.options,
    documents: c.metadata.dataset.documents,
  };
}

/** The base's options the current schema knows (an older version may carry retired ones). */
function knownOptions(options: Record<string, unknown>): TrainOptionsInput {
  const keys = Object.keys(trainOptionsSchema.shape);
  return Object.fromEntries(Object.entries(options).filter(([k]) => keys.includes(k))) as TrainOptionsInput;
}

/**
 * The options of a run on top of `base`: the base's, overridden by those `given`. A fixed option
 * given with another value than the base's, or a single-label base with multi-label additions (or
 * the reverse), cannot be carried over.
 * @throws AppError INVALID_OPTIONS naming each such option (`multiLabel` for the kind of model),
 *   or any option out of range
 */
export function carryOptions(
  base: Pick<BaseModel, 'options' | 'multiLabel'>,
  given: TrainOptionsInput,
  multiLabel: boolean,
  what = 'the base version',
): TrainOptions {
  const errors: { path: string; message: string }[] = [];
  const input = given as Record<string, unknown>;
  for (const key of FIXED_OPTIONS) {
    const was = base.options[key];
    if (input[key] !== undefined && was !== undefined && input[key] !== was)
      errors.push({
        path: key,
        message: `${what} was trained with ${key} ${JSON.stringify(was)}; it cannot change to ${JSON.stringify(input[key])}`,
      });
  }
  if (multiLabel !== base.multiLabel) {
    const kind = (m: boolean) => (m ? 'multi-label (`labels` arrays)' : 'single-label (`label`)');
    errors.push({
      path: 'multiLabel',
      message: `${what} is ${kind(base.multiLabel)}; the added articles are ${kind(multiLabel)}`,
    });
  }
  if (errors.length > 0) {
    throw new AppError(
      'INVALID_OPTIONS',
      `cannot carry over to ${what}: ${errors.map((e) => e.path).join(', ')} (${errors.map((e) => e.message).join('; ')})`,
      { errors },
    );
  }
  return resolveTrainOptions({ ...knownOptions(base.options), ...given }, { multiLabel });
}
