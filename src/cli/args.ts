import { parseArgs } from 'node:util';
import { AppError } from '../errors/index.js';
import type { TrainOptions } from '../training/index.js';

/** Command-line flags for training options, mapped to option names. */
const OPTION_FLAGS = {
  epochs: 'epochs',
  'hidden-units': 'hiddenUnits',
  'learning-rate': 'learningRate',
  'batch-size': 'batchSize',
  'ngram-max': 'ngramMax',
  'max-features': 'maxFeatures',
  'min-df': 'minDf',
  'ngram-min': 'ngramMin',
  'validation-split': 'validationSplit',
  seed: 'seed',
  dropout: 'dropout',
  patience: 'patience',
} as const satisfies Record<string, keyof TrainOptions>;

/** Training options that take `true` or `false`, mapped to option names. */
const BOOLEAN_OPTION_FLAGS = {
  refit: 'refit',
  stem: 'stem',
  'stop-words': 'stopWords',
  'cjk-char-bigrams': 'cjkCharBigrams',
  punctuation: 'punctuation',
} as const satisfies Record<string, keyof TrainOptions>;

const STRING_FLAGS = [
  'data',
  'out',
  'base',
  'model',
  'train',
  'test',
  'backend',
  'top-k',
  'format',
  'url',
  'key',
  'limit',
  ...Object.keys(OPTION_FLAGS),
  'class-weight',
  'quantize',
  ...Object.keys(BOOLEAN_OPTION_FLAGS),
  'autotune-seconds',
  'autotune-trials',
  'autotune-metric',
];

const BOOLEAN_FLAGS = ['json', 'progress', 'wait'] as const;

export interface ParsedArgs {
  command: string;
  /** Words after the command (`remote <what> [ARG...]`, texts to classify). */
  positionals: string[];
  flags: Record<string, string | undefined>;
  json: boolean;
  /** `--progress`: draw progress bars on stderr even when it is not a terminal. */
  progress: boolean;
  /** `--wait` (remote train): follow the job to its end. */
  wait: boolean;
  options: Partial<TrainOptions>;
}

/** A mistake in the command line or its files: one line on stderr, exit code 2. */
export function usageError(message: string): AppError {
  return new AppError('INVALID_REQUEST', message);
}

/** Parses `textclf <command> [--flag value ...]`; unknown flags are errors. */
export function parseCli(argv: string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ...Object.fromEntries(STRING_FLAGS.map((f) => [f, { type: 'string' as const }])),
        ...Object.fromEntries(BOOLEAN_FLAGS.map((f) => [f, { type: 'boolean' as const }])),
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw usageError((err as Error).message.split('\n')[0]!);
  }
  const [command = parsed.values.help ? 'help' : ''] = parsed.positionals;
  const flags = parsed.values as Record<string, string | undefined>;
  const options: Record<string, number | string | boolean> = {};
  for (const [flag, name] of Object.entries(OPTION_FLAGS)) {
    const value = numberFlag(flags, flag);
    if (value !== undefined) options[name] = value;
  }
  // The word-valued options; the training schema checks their values (INVALID_OPTIONS, exit 2).
  if (flags['class-weight'] !== undefined) options.classWeight = flags['class-weight'];
  if (flags.quantize !== undefined) options.quantize = flags.quantize;
  for (const [flag, name] of Object.entries(BOOLEAN_OPTION_FLAGS))
    if (flags[flag] !== undefined) options[name] = booleanFlag(flags, flag);
  const autotune = autotuneFlags(flags);
  const on = (f: (typeof BOOLEAN_FLAGS)[number]) => Boolean((parsed.values as Record<string, unknown>)[f]);
  return {
    command,
    positionals: parsed.positionals.slice(1),
    flags,
    json: on('json'),
    progress: on('progress'),
    wait: on('wait'),
    options: { ...(options as Partial<TrainOptions>), ...(autotune ? { autotune } : {}) },
  };
}

/** A numeric flag's value; absent: undefined; not a number: a usage error naming it. */
function numberFlag(flags: Record<string, string | undefined>, flag: string): number | undefined {
  const raw = flags[flag];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value))
    throw usageError(`--${flag} must be a number, got "${raw}"`);
  return value;
}

/** `--refit true|false` and the like: a flag whose value is a boolean word. */
function booleanFlag(flags: Record<string, string | undefined>, flag: string): boolean {
  const raw = flags[flag];
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw usageError(`--${flag} must be true or false, got "${raw}"`);
}

/** `--autotune-seconds N --autotune-trials N --autotune-metric M`: a search instead of one training. */
function autotuneFlags(flags: Record<string, string | undefined>): TrainOptions['autotune'] {
  const budgetSeconds = numberFlag(flags, 'autotune-seconds');
  const trials = numberFlag(flags, 'autotune-trials');
  const metric = flags['autotune-metric'] as NonNullable<TrainOptions['autotune']>['metric'];
  if (budgetSeconds === undefined && trials === undefined && metric === undefined) return undefined;
  return {
    ...(budgetSeconds === undefined ? {} : { budgetSeconds }),
    ...(trials === undefined ? {} : { trials }),
    ...(metric === undefined ? {} : { metric }),
  };
}

/** The value of a required flag; a usage error naming it when absent. */
export function required(flags: Record<string, string | undefined>, name: string, command: string): string {
  const v = flags[name];
  if (!v) throw usageError(`${command} needs --${name}`);
  return v;
}

/** `--top-k N`, a positive integer when given. */
export function topKFlag(args: ParsedArgs): number | undefined {
  const k = args.flags['top-k'];
  const topK = k === undefined ? undefined : Number(k);
  if (topK !== undefined && (!Number.isInteger(topK) || topK < 1))
    throw usageError('--top-k must be a positive integer');
  return topK;
}

/** What `textclf --help` prints. */
export const USAGE = `usage: textclf <command> [flags]
  train    --data FILE --out DIR [--base DIR] [options] train and save a model (--base: on top of that
           model and the data it learnt from, recorded in its data.json)
  evaluate --model DIR --data FILE [--json]            accuracy, macro-F1, per-class metrics
  predict  --model DIR [--top-k N]                     one document per stdin line -> JSON line
  fit-eval --train FILE --test FILE [--base DIR] [--json] [options]
  remote train --url URL --data FILE [--model NAME] [--wait] [options]   train on a server
  remote classify --url URL [--model NAME] [--top-k N] [TEXT...]        texts, or stdin lines
  remote models | versions MODEL | rollback MODEL VERSION | jobs [--model NAME --limit N]
data files: JSON Lines, or CSV with text,label columns (by the .csv extension or --format csv|jsonl)
progress bars on stderr when it is a terminal (not with --json); --progress draws them anyway
remote: --url or TEXTCLF_URL; --key or TEXTCLF_KEY sends an API key; --json prints JSON
options: ${Object.keys(OPTION_FLAGS)
  .map((f) => `--${f}`)
  .join(' ')} --class-weight none|balanced --quantize none|int8 --refit true|false --stem true|false
  --stop-words true|false --cjk-char-bigrams true|false --punctuation true|false --backend auto|tensorflow|webgpu|wasm|cpu
autotune (train, fit-eval, remote train): --autotune-seconds N --autotune-trials N --autotune-metric accuracy|macroF1|microF1
  searches the options not given; the best configuration is then trained (and its trial table printed)`;
