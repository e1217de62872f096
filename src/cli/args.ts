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
  'validation-split': 'validationSplit',
  seed: 'seed',
  dropout: 'dropout',
  patience: 'patience',
} as const satisfies Record<string, keyof TrainOptions>;

const STRING_FLAGS = [
  'data',
  'out',
  'model',
  'train',
  'test',
  'backend',
  'top-k',
  ...Object.keys(OPTION_FLAGS),
];

export interface ParsedArgs {
  command: string;
  flags: Record<string, string | undefined>;
  json: boolean;
  options: Partial<TrainOptions>;
}

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
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw usageError((err as Error).message.split('\n')[0]!);
  }
  const [command = parsed.values.help ? 'help' : ''] = parsed.positionals;
  const flags = parsed.values as Record<string, string | undefined>;
  const options: Record<string, number> = {};
  for (const [flag, name] of Object.entries(OPTION_FLAGS)) {
    const raw = flags[flag];
    if (raw === undefined) continue;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value))
      throw usageError(`--${flag} must be a number, got "${raw}"`);
    options[name] = value;
  }
  return { command, flags, json: Boolean(parsed.values.json), options: options as Partial<TrainOptions> };
}

/** The value of a required flag. */
export function required(flags: Record<string, string | undefined>, name: string, command: string): string {
  const v = flags[name];
  if (!v) throw usageError(`${command} needs --${name}`);
  return v;
}

export const USAGE = `usage: textclf <command> [flags]
  train    --data train.jsonl --out DIR [options]      train and save a model
  evaluate --model DIR --data test.jsonl [--json]      accuracy, macro-F1, per-class metrics
  predict  --model DIR [--top-k N]                     one document per stdin line -> JSON line
  fit-eval --train train.jsonl --test test.jsonl [--json] [options]
options: ${Object.keys(OPTION_FLAGS)
  .map((f) => `--${f}`)
  .join(' ')} --backend auto|tensorflow|webgpu|wasm|cpu`;
