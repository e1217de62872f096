/**
 * Training speed of the same small job on cpu, wasm and webgpu (software adapter unless told
 * otherwise), each backend in its own process. Prints a table of docs/s and final losses.
 *   node --import tsx scripts/webgpu-speed.ts [--data train.jsonl] [--limit 1000] [--epochs 2]
 *        [--backends cpu,wasm,webgpu] [--adapter software|auto]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/index.js';
import { initBackend } from '../src/model/index.js';
import { train } from '../src/training/index.js';

const PREFIX = 'WEBGPU_SPEED ';
const { values: args } = parseArgs({
  options: {
    data: {
      type: 'string',
      default: fileURLToPath(new URL('../../shared/datasets/sms-spam/train.jsonl', import.meta.url)),
    },
    limit: { type: 'string', default: '1000' },
    epochs: { type: 'string', default: '2' },
    backends: { type: 'string', default: 'cpu,wasm,webgpu' },
    adapter: { type: 'string', default: 'software' },
    child: { type: 'string' },
  },
});

async function child(backend: string): Promise<void> {
  const config = parseConfig({ TEXTCLF_BACKEND: backend, WEBGPU_ADAPTER: args.adapter });
  const info = await initBackend(config.TEXTCLF_BACKEND, undefined, { webgpuAdapter: config.WEBGPU_ADAPTER });
  const lines = readFileSync(args.data, 'utf8').split('\n').filter(Boolean).slice(0, Number(args.limit));
  const data = lines.map((l) => JSON.parse(l) as { text: string; label: string });
  const started = performance.now();
  const r = await train(data, { epochs: Number(args.epochs), patience: 100, seed: 1 });
  const wall = (performance.now() - started) / 1000;
  r.classifier.dispose();
  const result = {
    backend: info,
    documents: data.length,
    epochs: r.epochs,
    docsPerSecond: r.docsPerSecond,
    trainSeconds: r.trainSeconds,
    wallSeconds: wall,
    finalLoss: r.history.at(-1)?.loss,
  };
  process.stdout.write(`${PREFIX}${JSON.stringify(result)}\n`);
}

function parent(): void {
  const rows: string[] = [
    '| backend | adapter | docs | epochs | docs/s | train s | final loss |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const backend of args.backends.split(',')) {
    const argv = [
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
      '--child',
      backend,
    ];
    let out = '';
    try {
      out = execFileSync(process.execPath, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch (err) {
      rows.push(`| ${backend} | failed: ${(err as Error).message.split('\n')[0]} | | | | | |`);
      continue;
    }
    const line = out.split('\n').find((l) => l.startsWith(PREFIX));
    if (!line) continue;
    const r = JSON.parse(line.slice(PREFIX.length)) as {
      backend: { name: string; detail?: string };
      documents: number;
      epochs: number;
      docsPerSecond: number;
      trainSeconds: number;
      finalLoss: number;
    };
    rows.push(
      `| ${r.backend.name} | ${r.backend.detail ?? '-'} | ${r.documents} | ${r.epochs} | ${r.docsPerSecond.toFixed(0)} | ${r.trainSeconds.toFixed(1)} | ${r.finalLoss.toFixed(5)} |`,
    );
  }
  console.log(rows.join('\n'));
}

if (args.child) await child(args.child);
else parent();
