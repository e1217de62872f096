/**
 * fastText beside us in `npm run bench`: Debian's `fasttext` CLI on the same split, with the
 * anchors' settings (25 epochs, lr 0.5, word bigrams, dim 50, 2 threads) and their tokenisation
 * (NFKC, lower-case, one token per CJK character, words and punctuation), so ratios come from one run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CJK = /[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]/g;
const TOKEN = /[\p{L}\p{N}_]+|[^\p{L}\p{N}_\s]/gu;

/** What one fastText run gave. */
export interface FastTextResult {
  accuracy: number;
  trainSeconds: number;
  peakRssMb: number;
}

/** Whether the `fasttext` command is installed. */
export function hasFastText(): boolean {
  return spawnSync('fasttext', [], { encoding: 'utf8' }).error === undefined;
}

function toFastText(jsonl: string): string {
  const out: string[] = [];
  for (const line of jsonl.split('\n')) {
    if (!line.trim()) continue;
    const a = JSON.parse(line) as { text: string; label?: string; labels?: string[] };
    const labels = (a.labels ?? [a.label ?? '']).map((l) => `__label__${l.replaceAll(' ', '_')}`);
    const text = a.text
      .normalize('NFKC')
      .toLowerCase()
      .replace(CJK, (c) => ` ${c} `);
    out.push(`${labels.join(' ')} ${(text.match(TOKEN) ?? []).join(' ')}`);
  }
  return out.join('\n') + '\n';
}

/** Runs `cmd`, sampling the child's VmHWM (peak RSS) from /proc until it exits. */
function timed(cmd: string, args: string[]): Promise<{ seconds: number; peakMb: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { stdio: 'ignore' });
    let peakKb = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // exited between samples
      }
    };
    const timer = setInterval(sample, 50);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`${cmd} exited with ${code}`));
      else resolve({ seconds: (performance.now() - started) / 1000, peakMb: peakKb / 1024 });
    });
  });
}

/** Trains and tests fastText on `train`/`test` JSON Lines files (P@1 as accuracy). */
export async function runFastText(train: string, test: string): Promise<FastTextResult> {
  const dir = mkdtempSync(join(tmpdir(), 'textclf-ft-'));
  try {
    const tr = join(dir, 'train.txt');
    const te = join(dir, 'test.txt');
    writeFileSync(tr, toFastText(readFileSync(train, 'utf8')));
    writeFileSync(te, toFastText(readFileSync(test, 'utf8')));
    const settings = [
      '-epoch',
      '25',
      '-lr',
      '0.5',
      '-wordNgrams',
      '2',
      '-dim',
      '50',
      '-minCount',
      '1',
      '-thread',
      '2',
    ];
    const run = await timed('fasttext', [
      'supervised',
      '-input',
      tr,
      '-output',
      join(dir, 'm'),
      '-verbose',
      '0',
      ...settings,
    ]);
    const out = spawnSync('fasttext', ['test', join(dir, 'm.bin'), te], { encoding: 'utf8' }).stdout;
    const p1 = Number(/P@1\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
    return { accuracy: p1, trainSeconds: run.seconds, peakRssMb: run.peakMb };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
