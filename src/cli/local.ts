/** The local commands: `train`, `evaluate`, `predict` and `fit-eval`, on this machine's backend. */
import { createInterface } from 'node:readline';
import { BACKENDS, parseConfig, type BackendChoice } from '../config/index.js';
import {
  initBackend,
  loadArtefact,
  saveArtefact,
  type BackendInfo,
  type TextClassifier,
} from '../model/index.js';
import { searchInProcess } from '../autotune/index.js';
import type { AutotuneReport } from '../contract/index.js';
import { arrayCorpus, collectCorpus, type Article, type Corpus } from '../text/index.js';
import {
  carryOptions,
  evaluateAsync,
  resolveTrainOptions,
  train,
  type BaseModel,
  type TrainOptions,
  type TrainResult,
} from '../training/index.js';
import { required, topKFlag, usageError, type ParsedArgs } from './args.js';
import { describeFile, loadBase, recordData, type CliBase } from './base.js';
import { dataFormat, readCorpus, readData } from './data.js';
import { formatEvaluation } from './output.js';
import { Progress } from './progress.js';

/**
 * Reads the file a flag names, in the format its extension or `--format` says; its labels checked
 * together with those of the data it adds to (`prior`).
 */
function dataFile(
  args: ParsedArgs,
  flag: string,
  command: string,
  progress: Progress,
  prior?: CliBase,
): Promise<Article[]> {
  const file = required(args.flags, flag, command);
  return readData(file, dataFormat(file, args.flags.format), progress, prior ? { known: prior.counts } : {});
}

/**
 * The training data a flag names, as a corpus: streamed from packed blobs (see `readCorpus`), or
 * on top of `--base` the base's data and the file's in memory. `added`: the file's documents.
 */
async function trainingData(
  args: ParsedArgs,
  flag: string,
  command: string,
  progress: Progress,
  prior?: CliBase,
): Promise<{ data: Corpus; added: number }> {
  if (prior) {
    const added = await dataFile(args, flag, command, progress, prior);
    return { data: arrayCorpus(prior.data.concat(added)), added: added.length };
  }
  const file = required(args.flags, flag, command);
  const data = await readCorpus(file, dataFormat(file, args.flags.format), progress);
  return { data, added: data.documents };
}

/**
 * Trains with the bars of `progress` (features, then the select and refit epochs); on top of
 * `base` when given (its data first in `data`). With `--autotune-*` a search comes first (one
 * line per trial on stderr) and the best configuration is trained.
 */
async function trainWithProgress(
  args: ParsedArgs,
  data: Corpus,
  progress: Progress,
  base?: BaseModel,
): Promise<TrainResult & { search?: AutotuneReport }> {
  const { multiLabel, documents, characters } = data;
  let options = args.options;
  let search: AutotuneReport | undefined;
  if (options.autotune) {
    if (base) throw usageError('--autotune-* searches options a --base model would fix: leave out --base');
    const articles = await collectCorpus(data);
    const outcome = await searchInProcess(articles, options, { onTrial: (r, p) => progress.trial(r, p) });
    ({ options, report: search } = outcome as { options: Partial<TrainOptions>; report: AutotuneReport });
  }
  const plan = base
    ? carryOptions(base, options, multiLabel)
    : resolveTrainOptions(options, { multiLabel, documents, characters });
  const r = await train(data, options, { ...progress.trainHooks(plan), ...(base ? { base } : {}) });
  progress.end();
  return search ? { ...r, search } : r;
}

/** What the CLI prints of a search: the winner and the figures, not every trial. */
const searchSummary = (s: AutotuneReport | undefined) =>
  s
    ? { autotune: { metric: s.metric, best: s.best, trials: s.table.length, wallSeconds: s.wallSeconds } }
    : {};

/** `--base DIR`: the model to train on top of, with the data it learnt from. */
function baseFlag(args: ParsedArgs, progress: Progress): Promise<CliBase | undefined> {
  const dir = args.flags.base;
  return dir ? loadBase(dir, progress) : Promise.resolve(undefined);
}

async function trainCommand(args: ParsedArgs, backend: BackendInfo): Promise<void> {
  const progress = Progress.forFlags(args);
  const prior = await baseFlag(args, progress);
  const file = required(args.flags, 'data', 'train');
  const format = dataFormat(file, args.flags.format);
  const { data, added } = await trainingData(args, 'data', 'train', progress, prior);
  const out = required(args.flags, 'out', 'train');
  const r = await trainWithProgress(args, data, progress, prior?.base);
  const saved = await saveArtefact(r.classifier, out);
  await recordData(out, [...(prior?.files ?? []), await describeFile(file, format, added)]);
  console.log(
    JSON.stringify({
      model: saved,
      labels: r.classifier.labels,
      epochs: r.epochs,
      trainSeconds: r.trainSeconds,
      backend: backend.name,
      validation: r.evaluation ? { accuracy: r.evaluation.accuracy, macroF1: r.evaluation.macroF1 } : null,
      ...(prior ? { base: { documents: prior.data.length, added, ...r.added } } : {}),
      ...searchSummary(r.search),
    }),
  );
}

async function fitEval(args: ParsedArgs, backend: BackendInfo): Promise<void> {
  const progress = Progress.forFlags(args);
  const prior = await baseFlag(args, progress);
  const { data: trainData } = await trainingData(args, 'train', 'fit-eval', progress, prior);
  const testData = await dataFile(args, 'test', 'fit-eval', progress);
  const r = await trainWithProgress(args, trainData, progress, prior?.base);
  const ev = await evaluateAsync(r.classifier, testData);
  const multi = 'multiLabel' in ev ? ev : undefined;
  const result = {
    accuracy: ev.accuracy,
    macroF1: ev.macroF1,
    ...(multi && {
      microF1: multi.microF1,
      subsetAccuracy: multi.subsetAccuracy,
      hammingLoss: multi.hammingLoss,
    }),
    calibration: ev.calibration,
    ...('riskCoverage' in ev ? { riskCoverage: ev.riskCoverage } : {}),
    trainSeconds: r.trainSeconds,
    docsPerSecond: r.docsPerSecond,
    backend: backend.name,
    backendDetail: backend.detail,
    vocabularySize: r.classifier.metadata.vocabularySize,
    epochs: r.epochs,
    trainDocuments: trainData.documents,
    testDocuments: testData.length,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    ...searchSummary(r.search),
    ...('perClass' in ev ? { perClass: ev.perClass } : { perLabel: ev.perLabel }),
  };
  console.log(
    args.json
      ? JSON.stringify(result)
      : `${formatEvaluation(ev)}\n${JSON.stringify({ ...result, perClass: undefined, perLabel: undefined })}`,
  );
  r.classifier.dispose();
}

async function predict(model: TextClassifier, topK: number | undefined): Promise<void> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const [p] = await model.predictAsync([line], topK);
    console.log(JSON.stringify(p));
  }
}

/** Runs a local command on the backend `--backend` or `TEXTCLF_BACKEND` chooses. */
export async function runLocal(args: ParsedArgs): Promise<void> {
  const config = parseConfig(process.env);
  const choice = (args.flags.backend ?? config.TEXTCLF_BACKEND) as BackendChoice;
  if (!BACKENDS.includes(choice)) throw usageError(`--backend must be one of ${BACKENDS.join(', ')}`);
  const backend = await initBackend(choice, undefined, { webgpuAdapter: config.WEBGPU_ADAPTER });
  switch (args.command) {
    case 'train':
      return trainCommand(args, backend);
    case 'evaluate': {
      const model = await loadArtefact(required(args.flags, 'model', 'evaluate'));
      const ev = await evaluateAsync(
        model,
        await dataFile(args, 'data', 'evaluate', Progress.forFlags(args)),
      );
      console.log(args.json ? JSON.stringify(ev) : formatEvaluation(ev));
      return;
    }
    case 'predict': {
      const model = await loadArtefact(required(args.flags, 'model', 'predict'));
      return predict(model, topKFlag(args));
    }
    case 'fit-eval':
      return fitEval(args, backend);
    default:
      throw usageError(`unknown command "${args.command}" (see textclf --help)`);
  }
}
