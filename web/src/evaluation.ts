/**
 * A version's evaluation on its validation split: the headline facts, the per-class table and the
 * confusion matrix as a heat map; for a multi-label version the pooled figures and the per-label
 * table with each label's threshold.
 */
import type { Schemas, VersionDetail } from './api';
import { h, num, pct, table, when } from './dom';
import { href } from './router';

type Evaluation = Schemas['Evaluation'];
type Fact = [string, Node | string | number];

/** Beyond this many labels the matrix is unreadable on any screen: show the first ones. */
const MAX_MATRIX_LABELS = 30;

/** Whether the version is multi-label (the summary says so, and so does its evaluation). */
export function isMultiLabel(d: VersionDetail): boolean {
  return d.multiLabel === true || d.evaluation.multiLabel === true;
}

export function versionFacts(d: VersionDetail): HTMLElement {
  const e = d.evaluation;
  const rows: Fact[] = [
    ...(isMultiLabel(d) ? multiLabelFacts(e) : singleLabelFacts(d)),
    ...(e.calibration ? [['Calibration', calibrationText(e.calibration)] satisfies Fact] : []),
    ['Evaluated on', e.documents === undefined ? '–' : `${e.documents} documents (validation split)`],
    ['Training set', `${d.dataset.documents} documents`],
    ['Training time', seconds(d.trainSeconds)],
    ['Backend', `${d.backend.name} (${d.backend.package})`],
    ['Vocabulary', d.vocabularySize],
    ['Labels', d.labels.join(', ')],
    ['Created', when(d.createdAt)],
    ['Checksum', d.checksum.slice(0, 16)],
  ];
  if (d.jobId) rows.push(['Job', h('a', { href: href('jobs', d.jobId) }, d.jobId)]);
  return h(
    'dl',
    { class: 'facts' },
    ...rows.map(([t, v]) => h('div', { 'data-fact': t }, h('dt', {}, t), h('dd', {}, v))),
    // The options are a long list: a row of their own rather than a narrow column.
    h(
      'div',
      { class: 'wide' },
      h('dt', {}, 'Options'),
      h('dd', { class: 'small' }, formatOptions(d.options)),
    ),
  );
}

function singleLabelFacts(d: VersionDetail): Fact[] {
  return [
    ['Accuracy', pct(d.evaluation.accuracy ?? d.accuracy)],
    ['Macro-F1', num(d.evaluation.macroF1 ?? d.macroF1)],
  ];
}

function multiLabelFacts(e: Evaluation): Fact[] {
  return [
    ['Kind', 'multi-label'],
    ['Micro-F1', num(e.microF1)],
    ['Macro-F1', num(e.macroF1)],
    ['Subset accuracy', pct(e.subsetAccuracy ?? e.accuracy)],
    ['Hamming loss', num(e.hammingLoss)],
  ];
}

/** "ECE 0.081 → 0.023 (temperature, T = 1.42)": expected calibration error before and after. */
export function calibrationText(c: NonNullable<Evaluation['calibration']>): string {
  const t = c.method === 'temperature' && c.temperature !== undefined ? `, T = ${num(c.temperature, 2)}` : '';
  return `ECE ${num(c.eceBefore)} → ${num(c.eceAfter)} (${c.method}${t})`;
}

/** Training time: tenths of a second are noise above a minute, everything below one second. */
export function seconds(s: number | undefined): string {
  if (s === undefined) return '–';
  return `${num(s, s < 1 ? 2 : s < 60 ? 1 : 0)} s`;
}

function formatOptions(options: Record<string, unknown>): string {
  const parts = Object.entries(options).map(
    ([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
  );
  return parts.length ? parts.join(', ') : 'defaults';
}

export function perClassTable(e: Evaluation): HTMLElement {
  if (!e.perClass?.length) return h('p', { class: 'muted' }, 'No per-class figures (no validation split).');
  return table(
    ['Label', 'Precision', 'Recall', 'F1', 'Support'],
    e.perClass.map((c) => [c.label, num(c.precision), num(c.recall), num(c.f1), c.support]),
    'per-class',
  );
}

/** Multi-label versions: precision, recall, F1, support and the decision threshold of each label. */
export function perLabelTable(e: Evaluation): HTMLElement {
  if (!e.perLabel?.length) return h('p', { class: 'muted' }, 'No per-label figures (no validation split).');
  return table(
    ['Label', 'Precision', 'Recall', 'F1', 'Support', 'Threshold'],
    e.perLabel.map((c) => [c.label, num(c.precision), num(c.recall), num(c.f1), c.support, num(c.threshold)]),
    'per-label',
  );
}

/**
 * `confusion[actual][predicted]` as a table whose cells are shaded by their share of the row (the
 * actual label's documents): the diagonal in blue (right), the rest in red (confused).
 */
export function confusionHeatmap(e: Evaluation): HTMLElement {
  const labels = e.labels ?? [];
  const m = e.confusion;
  if (!m?.length || !labels.length)
    return h('p', { class: 'muted' }, 'No confusion matrix (no validation split).');
  const shown = labels.slice(0, MAX_MATRIX_LABELS);
  const head = h(
    'tr',
    {},
    h('th', { scope: 'col', class: 'corner' }, 'actual ↓ / predicted →'),
    ...shown.map((l) => h('th', { scope: 'col' }, l)),
  );
  const rows = shown.map((actual, i) => {
    const row = m[i] ?? [];
    const total = row.reduce((a, b) => a + b, 0);
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, actual),
      ...shown.map((_, j) => cell(row[j] ?? 0, total, i === j)),
    );
  });
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'heatmap', 'aria-label': 'confusion matrix' },
      h('thead', {}, head),
      h('tbody', {}, ...rows),
    ),
    labels.length > shown.length
      ? h('p', { class: 'muted small' }, `The first ${shown.length} of ${labels.length} labels.`)
      : null,
  );
}

function cell(count: number, rowTotal: number, diagonal: boolean): HTMLElement {
  const share = rowTotal > 0 ? count / rowTotal : 0;
  const td = h('td', { title: `${count} of ${rowTotal} (${pct(share)})`, 'data-count': count }, count);
  // Set through the CSSOM, which a CSP without 'unsafe-inline' styles would still allow.
  td.style.backgroundColor = diagonal ? `rgba(37, 99, 235, ${share})` : `rgba(220, 38, 38, ${share})`;
  if (share > 0.55) td.classList.add('dark');
  return td;
}
