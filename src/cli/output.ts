/** Text output shared by the local and remote commands: evaluations and aligned tables. */

/** The parts of an evaluation the CLI prints (a local `Evaluation`, or a version's from the API). */
export interface EvaluationLike {
  accuracy?: number;
  macroF1?: number;
  documents?: number;
  perClass?: { label: string; precision: number; recall: number; f1: number; support: number }[];
}

const fixed = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(4));

/** Accuracy, macro-F1 and a per-class table, as `evaluate` and `fit-eval` print them. */
export function formatEvaluation(ev: EvaluationLike): string {
  const lines = [
    `accuracy ${fixed(ev.accuracy)}  macro-F1 ${fixed(ev.macroF1)}  documents ${ev.documents ?? '-'}`,
  ];
  if (!ev.perClass?.length) return lines[0] as string;
  lines.push('label'.padEnd(20) + 'precision  recall  f1      support');
  for (const m of ev.perClass) {
    lines.push(
      m.label.padEnd(20) +
        `${m.precision.toFixed(4)}     ${m.recall.toFixed(4)}  ${m.f1.toFixed(4)}  ${m.support}`,
    );
  }
  return lines.join('\n');
}

/** Rows as columns padded to their widest cell (two spaces apart), the first row a header. */
export function table(rows: (string | number | undefined | null)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === undefined || c === null ? '-' : String(c))));
  const widths: number[] = [];
  for (const r of cells) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A probability or metric with four decimals, `-` when absent. */
export function metric(v: number | undefined): string {
  return fixed(v);
}
