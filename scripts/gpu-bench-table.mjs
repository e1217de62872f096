// Prints the gpu-bench table from JSON lines on stdin, one per (dataset, backend) run:
//   {"dataset": "...", "requested": "webgpu", "stdout": "<file with the fit-eval --json output>"}
//   {"dataset": "...", "requested": "webgpu", "error": "..."}
// and writes the runs with their parsed results to the file named by the first argument.
// Plain JavaScript: it runs on the bundled Node binary without tsx or node_modules.
import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { createInterface } from 'node:readline';

/** The last JSON object in a log: the whole text, else the last line or block that starts with `{`. */
function lastJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    // fall through: other output around the result
  }
  const starts = [...text.matchAll(/^\{/gm)].map((m) => m.index).reverse();
  for (const start of starts) {
    for (const end of [text.indexOf('\n', start), text.length]) {
      try {
        return JSON.parse(text.slice(start, end < 0 ? text.length : end));
      } catch {
        // try the next candidate
      }
    }
  }
  return undefined;
}

const rows = [];
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const run = JSON.parse(line);
  if (run.stdout) {
    run.result = lastJson(readFileSync(run.stdout, 'utf8'));
    if (!run.result) run.error = `no JSON result in ${run.stdout}`;
  }
  rows.push(run);
}
if (process.argv[2]) writeFileSync(process.argv[2], rows.map((r) => JSON.stringify(r)).join('\n') + '\n');

const num = (x, digits) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '-');
const backendOf = (r) => {
  const b = r.result?.backend;
  if (!b) return r.requested;
  return typeof b === 'string' ? b : (b.name ?? r.requested);
};
const adapterOf = (r) => {
  if (r.error) return `FAILED: ${r.error}`.slice(0, 120);
  // fit-eval --json prints `backend` (name) and `backendDetail`; a BackendInfo object is read too.
  const b = r.result?.backend;
  return r.result?.backendDetail || (typeof b === 'object' && b?.detail) || '-';
};

const header = ['dataset', 'backend', 'adapter', 'accuracy', 'macro-F1', 'train s', 'docs/s', 'epochs'];
const table = rows.map((r) => [
  r.dataset,
  backendOf(r),
  adapterOf(r),
  num(r.result?.accuracy, 4),
  num(r.result?.macroF1, 4),
  num(r.result?.trainSeconds, 1),
  num(r.result?.docsPerSecond, 0),
  r.result?.epochs === undefined ? '-' : String(r.result.epochs),
]);
const cells = [header, header.map(() => '---'), ...table];
const lines = cells.map((row) => `| ${row.map((c) => String(c).replaceAll('|', '/')).join(' | ')} |`);
process.stdout.write(`${lines.join('\n')}\n`);
