/** Running `src/cli/main.ts` as users do, as a process of its own, for the tests in test/cli. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..', '..');
export const CLI = join(root, 'src/cli/main.ts');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `textclf ...args` (stdin from `input`, extra environment from `env`); never rejects. */
export function cli(
  args: string[],
  o: { input?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { cwd: root, env: { ...process.env, ...o.env }, encoding: 'utf8', timeout: 120_000 },
      (err, stdout, stderr) => {
        const status = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ status, stdout, stderr: stderr.trim() });
      },
    );
    child.stdin?.end(o.input ?? '');
  });
}

/** Runs `jobs` at most `n` at a time (the machines have two cores), results in order. */
export async function limited<T>(jobs: (() => Promise<T>)[], n = 2): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await (jobs[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: n }, worker));
  return out;
}

/** A temporary folder for one test file, and a writer of files in it. */
export function scratch(prefix: string): {
  dir: string;
  file(name: string, content: string | Buffer): string;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file(name, content) {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    },
  };
}

/** Articles as CSV with every field quoted, `""` doubled, CRLF line ends and a UTF-8 BOM. */
export function toTrickyCsv(rows: { text: string; label: string }[]): string {
  const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
  return (
    '\uFEFF' +
    ['text,label,note', ...rows.map((r, i) => `${q(r.text)},${q(r.label)},n${i}`)].join('\r\n') +
    '\r\n'
  );
}

/** The escape character that starts terminal control sequences. */
export const ESC = String.fromCharCode(27);
/** Cursor moves, line clears and saved positions, as the progress bars write them. */
const CONTROL = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]|${ESC}[78]|\\r`, 'g');

const SCRIPT = '/usr/bin/script';
/** A skip reason when util-linux `script` (the pseudo-terminal) is missing, else false. */
export const noScript = existsSync(SCRIPT) ? false : 'util-linux script is not installed';

/** Runs the CLI on a pseudo-terminal: stdout and stderr both are the terminal, captured together. */
export function onTerminal(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number | null; out: string }> {
  // A wide terminal, so the bars (cut to the terminal's width) keep their metrics.
  const command = `stty cols 200; ${[process.execPath, '--import', 'tsx', CLI, ...args].join(' ')}`;
  return new Promise((resolve) => {
    const child = execFile(
      SCRIPT,
      ['-q', '-e', '-c', command, '/dev/null'],
      { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 },
      (err, stdout) => resolve({ status: err ? ((err.code as number) ?? null) : 0, out: stdout }),
    );
    child.stdin?.end();
  });
}

/** The last state of each terminal line: what a person sees once the bars are done. */
export function screen(out: string): string[] {
  return out.split('\n').map((l) => (l.split(`${ESC}[1G`).at(-1) ?? '').replace(CONTROL, '').trim());
}
