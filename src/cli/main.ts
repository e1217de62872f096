import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { BACKENDS, parseConfig, type BackendChoice } from '../config/index.js';
import { isAppError } from '../errors/index.js';
import {
  initBackend,
  loadArtefact,
  saveArtefact,
  type BackendInfo,
  type TextClassifier,
} from '../model/index.js';
import { readArticles, type Article } from '../text/index.js';
import { evaluateAsync, train, type Evaluation } from '../training/index.js';
import { parseCli, required, usageError, USAGE, type ParsedArgs } from './args.js';

async function readData(file: string): Promise<Article[]> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (err) {
    throw usageError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return readArticles(content, file).articles;
}

function formatEvaluation(ev: Evaluation): string {
  const lines = [
    `accuracy ${ev.accuracy.toFixed(4)}  macro-F1 ${ev.macroF1.toFixed(4)}  documents ${ev.documents}`,
  ];
  lines.push('label'.padEnd(20) + 'precision  recall  f1      support');
  for (const m of ev.perClass) {
    lines.push(
      m.label.padEnd(20) +
        `${m.precision.toFixed(4)}     ${m.recall.toFixed(4)}  ${m.f1.toFixed(4)}  ${m.support}`,
    );
  }
  return lines.join('\n');
}

async function fitEval(args: ParsedArgs, backend: BackendInfo): Promise<void> {
  const trainData = await readData(required(args.flags, 'train', 'fit-eval'));
  const testData = await readData(required(args.flags, 'test', 'fit-eval'));
  const r = await train(trainData, args.options, {
    onEpochEnd: (p) => {
      if (!args.json)
        console.error(
          `epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)} val ${p.valAccuracy?.toFixed(4) ?? '-'}`,
        );
    },
  });
  const ev = await evaluateAsync(r.classifier, testData);
  const result = {
    accuracy: ev.accuracy,
    macroF1: ev.macroF1,
    trainSeconds: r.trainSeconds,
    docsPerSecond: r.docsPerSecond,
    backend: backend.name,
    backendDetail: backend.detail,
    vocabularySize: r.classifier.metadata.vocabularySize,
    epochs: r.epochs,
    trainDocuments: trainData.length,
    testDocuments: testData.length,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    perClass: ev.perClass,
  };
  console.log(
    args.json
      ? JSON.stringify(result)
      : `${formatEvaluation(ev)}\n${JSON.stringify({ ...result, perClass: undefined })}`,
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

async function run(argv: string[]): Promise<void> {
  const args = parseCli(argv);
  if (args.command === 'help' || args.command === '') {
    console.log(USAGE);
    if (args.command === '') process.exitCode = 2;
    return;
  }
  const config = parseConfig(process.env);
  const choice = (args.flags.backend ?? config.TEXTCLF_BACKEND) as BackendChoice;
  if (!BACKENDS.includes(choice)) throw usageError(`--backend must be one of ${BACKENDS.join(', ')}`);
  const backend = await initBackend(choice, undefined, { webgpuAdapter: config.WEBGPU_ADAPTER });
  switch (args.command) {
    case 'train': {
      const data = await readData(required(args.flags, 'data', 'train'));
      const out = required(args.flags, 'out', 'train');
      const r = await train(data, args.options, {
        onEpochEnd: (p) =>
          console.error(
            `epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)} acc ${p.accuracy.toFixed(4)} val_acc ${p.valAccuracy?.toFixed(4) ?? '-'}`,
          ),
      });
      const file = await saveArtefact(r.classifier, out);
      console.log(
        JSON.stringify({
          model: file,
          labels: r.classifier.labels,
          epochs: r.epochs,
          trainSeconds: r.trainSeconds,
          backend: backend.name,
          validation: r.evaluation
            ? { accuracy: r.evaluation.accuracy, macroF1: r.evaluation.macroF1 }
            : null,
        }),
      );
      return;
    }
    case 'evaluate': {
      const model = await loadArtefact(required(args.flags, 'model', 'evaluate'));
      const ev = await evaluateAsync(model, await readData(required(args.flags, 'data', 'evaluate')));
      console.log(args.json ? JSON.stringify(ev) : formatEvaluation(ev));
      return;
    }
    case 'predict': {
      const model = await loadArtefact(required(args.flags, 'model', 'predict'));
      const k = args.flags['top-k'];
      const topK = k === undefined ? undefined : Number(k);
      if (topK !== undefined && (!Number.isInteger(topK) || topK < 1))
        throw usageError('--top-k must be a positive integer');
      await predict(model, topK);
      return;
    }
    case 'fit-eval':
      return fitEval(args, backend);
    default:
      throw usageError(`unknown command "${args.command}" (see textclf --help)`);
  }
}

run(process.argv.slice(2)).then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    // One line, no stack: bad input is the user's to fix, and the message says how.
    const message = err instanceof Error ? err.message : String(err);
    console.error(`textclf: ${message.split('\n')[0]}`);
    process.exit(isAppError(err) || message.startsWith('invalid configuration') ? 2 : 1);
  },
);
