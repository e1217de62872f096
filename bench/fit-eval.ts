/**
 * `npm run bench`: runs `textclf fit-eval` on each shared dataset (one fresh process each, so peak
 * RSS is per run) and prints one table. BENCH_BACKENDS=wasm,cpu,webgpu and BENCH_DATASETS choose
 * what runs; DATASETS_DIR points at the data (default ../shared/datasets beside the repo).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dataDir = resolve(process.env.DATASETS_DIR ?? join(root, '..', 'shared', 'datasets'));
const datasets = (process.env.BENCH_DATASETS ?? 'bbc-news,sms-spam,thucnews-titles').split(',');
const backends = (process.env.BENCH_BACKENDS ?? 'wasm').split(',');
const floors: Record<string, number> = { 'bbc-news': 0.98, 'sms-spam': 0.985, 'thucnews-titles': 0.86 };

const rows: string[] = [];
let failed = false;
for (const backend of backends) {
  for (const ds of datasets) {
    const train = join(dataDir, ds, 'train.jsonl');
    const test = join(dataDir, ds, 'test.jsonl');
    if (!existsSync(train)) {
      console.error(`skip ${ds}: ${train} not found`);
      continue;
    }
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(root, 'src/cli/main.ts'),
        'fit-eval',
        '--train',
        train,
        '--test',
        test,
        '--json',
        '--backend',
        backend,
      ],
      { encoding: 'utf8', cwd: root, maxBuffer: 64 << 20 },
    );
    const line = r.stdout.trim().split('\n').at(-1) ?? '';
    if (r.status !== 0 || !line.startsWith('{')) {
      console.error(`${ds} on ${backend} failed: ${r.stderr.trim().split('\n').at(-1)}`);
      failed = true;
      continue;
    }
    const m = JSON.parse(line);
    const floor = floors[ds];
    const mark = floor === undefined ? '' : m.accuracy >= floor ? ` (≥ ${floor})` : ` (BELOW ${floor})`;
    rows.push(
      `| ${ds} | ${m.backend}${m.backendDetail ? `/${m.backendDetail}` : ''} | ${m.accuracy.toFixed(4)}${mark} | ${m.macroF1.toFixed(4)} | ${m.trainSeconds.toFixed(2)} | ${Math.round(m.docsPerSecond)} | ${m.epochs} | ${m.vocabularySize} | ${Math.round(m.peakRssMb)} |`,
    );
    console.error(rows.at(-1));
  }
}
console.log(
  '| dataset | backend | accuracy | macro-F1 | train s | docs/s | epochs | vocabulary | peak RSS MB |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
process.exit(failed ? 1 : 0);
