import { z } from 'zod';
import { AppError } from '../errors/index.js';

/**
 * A hyper-parameter search instead of one training (`src/autotune`): trials of the options not
 * given explicitly, scored on validation data; the best is trained as the version. At least one of
 * `budgetSeconds` and `trials` bounds it (both: whichever ends first); without either the defaults
 * below apply.
 */
export const autotuneSchema = z
  .object({
    /** Wall time of the search (its trials), from the first trial's start; the final training is extra. */
    budgetSeconds: z.number().int().min(10).max(86_400).optional(),
    /** Configurations tried (the first rung of the successive-halving search). */
    trials: z.number().int().min(2).max(500).optional(),
    /** What trials are ranked by; default `accuracy` (`microF1` for multi-label data sets). */
    metric: z.enum(['accuracy', 'macroF1', 'microF1']).optional(),
  })
  .strict();

/** Training options with their ranges and defaults; the HTTP contract mirrors these ranges. */
export const trainOptionsSchema = z
  .object({
    epochs: z.number().int().min(1).max(500).default(30),
    // 0: no hidden layer, a linear model (logistic regression on the features).
    hiddenUnits: z.number().int().min(0).max(4096).default(32),
    learningRate: z.number().gt(0).max(1).default(0.005),
    batchSize: z.number().int().min(1).max(8192).default(32),
    ngramMin: z.number().int().min(1).max(3).default(1),
    ngramMax: z.number().int().min(1).max(3).default(2),
    maxFeatures: z.number().int().min(1).max(2_000_000).default(200_000),
    minDf: z.number().int().min(1).max(1000).default(1),
    validationSplit: z.number().min(0).max(0.5).default(0.1),
    seed: z.number().int().min(0).max(4_294_967_295).default(42),
    dropout: z.number().min(0).max(0.9).default(0.5),
    patience: z.number().int().min(0).max(100).default(3),
    refit: z.boolean().default(true),
    stem: z.boolean().default(true),
    // The default when the texts' length is unknown; see SHORT_TEXT_CHARACTERS.
    stopWords: z.boolean().default(true),
    cjkCharBigrams: z.boolean().default(true),
    // The default when the texts' length is unknown; see SHORT_TEXT_CHARACTERS.
    punctuation: z.boolean().default(false),
    classWeight: z.enum(['none', 'balanced']).default('none'),
    // Stored with the version as its default classify cut-off; training does not use it.
    minProbability: z.number().min(0).max(1).default(0),
    // How the artefact stores the hidden kernel (`int8`: one byte a weight plus a scale per row);
    // training itself is float32 either way.
    quantize: z.enum(['none', 'int8']).default('none'),
    // A search over the other options (`src/autotune`); absent: train these options as given.
    autotune: autotuneSchema.optional(),
  })
  .strict()
  .refine((o) => o.ngramMin <= o.ngramMax, {
    message: 'ngramMin must not exceed ngramMax',
    path: ['ngramMin'],
  });

export type TrainOptions = z.infer<typeof trainOptionsSchema>;
export type AutotuneSettings = z.infer<typeof autotuneSchema>;

/** Options as a caller passes them: every field optional (the schema's defaults fill the rest). */
export type TrainOptionsInput = z.input<typeof trainOptionsSchema>;

/**
 * Defaults that differ for multi-label models, measured on goemotions' dev split (train → dev,
 * 28 labels): 32 hidden units give micro-F1 0.530 / macro-F1 0.357, 128 give 0.537 / 0.425. One
 * sigmoid per label shares the hidden layer among many more decisions than one softmax does.
 */
export const MULTI_LABEL_DEFAULTS = { hiddenUnits: 128 } as const;

/**
 * From this many documents on, `refit` defaults to false: the selected model has already learnt
 * from all but the validation split, and a second pass from scratch would cost as many epochs
 * again for a gain that shrinks with the data (measured in the README's scale section). And
 * `patience` defaults to {@link LARGE_DATA_PATIENCE}.
 */
export const REFIT_MAX_DOCUMENTS = 200_000;

/**
 * Early stopping's patience from {@link REFIT_MAX_DOCUMENTS} documents on (3 below). A validation
 * split of 20,000 documents or more gives a steady loss, so the first epoch that does not improve
 * it is the end, where on a small set it may be noise; and each epoch waited costs minutes. On the
 * million-document synthetic set the validation loss was lowest after epoch 3 either way: patience
 * 3 ran 6 epochs, patience 1 ran 4, the same model (0.9707 on test) in two thirds of the time.
 */
export const LARGE_DATA_PATIENCE = 1;

/**
 * Below this mean text length (characters) English stop words are kept as features by default.
 * In a short text they are a good part of what there is to go on ("you", "your", "now", "not",
 * "i" in spam and in emotions); in an article they are noise among many content words. Measured
 * on training data only (5-fold CV of train.jsonl, `npm run bench:cv`; goemotions: train → dev):
 * keeping them gained on the three short-text sets and lost on the long one —
 * sms-spam (mean 81 characters) +0.44 points (paired s.e. 0.10), thucnews-titles (21) +0.22 (0.12),
 * goemotions (68) micro-F1 +1.1 and macro-F1 +0.6, bbc-news (2,270) −0.50 (0.10, two repeats).
 * 500 lies well between the two groups.
 *
 * Punctuation marks and symbols as tokens follow the same cut, as the linear baselines' tokenizers
 * keep them too: thucnews-titles +0.68 points (paired s.e. 0.17; 《》 and ： say a lot in a
 * headline), sms-spam ±0.00 (0.05, two repeats), goemotions train → dev micro-F1 −0.4 and macro-F1
 * +0.3 (two seeds), bbc-news −0.12 (0.15) and 20 % slower — so long texts still drop them.
 */
export const SHORT_TEXT_CHARACTERS = 500;

/** What the data set says about the defaults: multi-label, its size and its texts' length. */
export interface DataKind {
  multiLabel?: boolean;
  documents?: number;
  /** Length of all texts together (UTF-16 code units); unknown: the long-text defaults. */
  characters?: number;
}

/** The options the data set decides when not given: the multi-label, size and text-length defaults. */
function dataDefaults(kind: DataKind): Partial<TrainOptions> {
  const { documents = 0, characters } = kind;
  const short = characters !== undefined && documents > 0 && characters / documents < SHORT_TEXT_CHARACTERS;
  return {
    ...(kind.multiLabel ? MULTI_LABEL_DEFAULTS : {}),
    ...(documents >= REFIT_MAX_DOCUMENTS ? { refit: false, patience: LARGE_DATA_PATIENCE } : {}),
    stopWords: !short,
    punctuation: short,
  };
}

/**
 * Fills defaults (those of `MULTI_LABEL_DEFAULTS` for a multi-label data set; no refit and a
 * patience of {@link LARGE_DATA_PATIENCE} from {@link REFIT_MAX_DOCUMENTS} documents on; stop words and punctuation kept as features in texts
 * shorter than {@link SHORT_TEXT_CHARACTERS} on average) and checks ranges.
 * @throws AppError INVALID_OPTIONS naming each bad field.
 */
export function resolveTrainOptions(input: unknown = {}, kind: DataKind = {}): TrainOptions {
  const given = input ?? {};
  const defaults = dataDefaults(kind);
  const withKind = typeof given === 'object' && !Array.isArray(given) ? { ...defaults, ...given } : given;
  const result = trainOptionsSchema.safeParse(withKind);
  const kindErrors = result.success ? autotuneKindErrors(result.data, kind.multiLabel ?? false) : [];
  if (!result.success || kindErrors.length > 0) {
    const errors = result.success
      ? kindErrors
      : result.error.issues.map((i) => ({ path: i.path.join('.') || '(options)', message: i.message }));
    throw new AppError(
      'INVALID_OPTIONS',
      `invalid training options: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      { errors },
    );
  }
  return result.data;
}

/** Search settings that cannot work on this kind of data set (known before anything is queued). */
function autotuneKindErrors(o: TrainOptions, multiLabel: boolean): { path: string; message: string }[] {
  if (!o.autotune) return [];
  const errors: { path: string; message: string }[] = [];
  if (o.autotune.metric === 'microF1' && !multiLabel)
    errors.push({
      path: 'autotune.metric',
      message: 'microF1 needs a multi-label data set; use accuracy or macroF1',
    });
  if (o.validationSplit === 0)
    errors.push({
      path: 'validationSplit',
      message: 'autotune scores trials on a validation split: it must be above 0',
    });
  return errors;
}
