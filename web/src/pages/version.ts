import { getJson, setLatest, versionPath, type VersionDetail } from '../api';
import { h, num, pct, replace, table } from '../dom';
import { confusionHeatmap, isMultiLabel, perClassTable, perLabelTable, versionFacts } from '../evaluation';
import { problemView } from '../problem';
import { href } from '../router';

/**
 * `#/models/{m}/v/{v}`: one version's facts, per-class table and confusion matrix; for a multi-label
 * version the per-label table with the thresholds instead.
 */
export async function versionPage(root: HTMLElement, [model = '', v = '']: string[], signal: AbortSignal) {
  const draw = async () => {
    const d = await getJson<VersionDetail>(versionPath(model, Number(v)), signal);
    if (signal.aborted) return;
    const messages = h('div');
    const makeLatest = async () => {
      try {
        await setLatest(model, d.version);
        await draw();
      } catch (e) {
        replace(messages, problemView(e));
      }
    };
    replace(
      root,
      h(
        'div',
        { class: 'page-head' },
        h('h1', {}, h('a', { href: href('models', model) }, model), ` version ${d.version} `, latestBadge(d)),
        d.isLatest
          ? null
          : h('button', { type: 'button', class: 'make-latest', onclick: makeLatest }, 'Make latest'),
        h('a', { class: 'button', href: href('try', model, d.version) }, 'Try this version'),
      ),
      messages,
      versionColumn(d),
    );
  };
  await draw();
}

function latestBadge(d: VersionDetail): HTMLElement | null {
  return d.isLatest ? h('span', { class: 'badge status-succeeded latest-badge' }, 'latest') : null;
}

function versionColumn(d: VersionDetail): HTMLElement {
  // A multi-label model has no confusion matrix: each label is a yes/no decision of its own.
  const tables = isMultiLabel(d)
    ? [h('h2', {}, 'Per label'), perLabelTable(d.evaluation)]
    : [
        h('h2', {}, 'Per class'),
        perClassTable(d.evaluation),
        h('h2', {}, 'Confusion matrix'),
        confusionHeatmap(d.evaluation),
      ];
  return h(
    'section',
    { class: 'version', 'data-version': d.version, 'data-multi-label': isMultiLabel(d) },
    versionFacts(d),
    ...tables,
    ...(d.autotune ? autotuneTable(d.autotune) : []),
  );
}

type Report = NonNullable<VersionDetail['autotune']>;

/** The search the version was chosen by: the winner first, then every trial in plan order. */
function autotuneTable(r: Report): HTMLElement[] {
  const opts = (o: Record<string, unknown>) =>
    Object.keys(o).length === 0
      ? 'defaults'
      : Object.entries(o)
          .map(([k, v]) => `${k} ${String(v)}`)
          .join(', ');
  const rows = r.table.map((t) => [
    t.id,
    t.index === r.best?.index ? h('strong', {}, opts(t.options)) : opts(t.options),
    t.status + (t.truncated ? ' (at deadline)' : ''),
    num(t.score, 4),
    t.epochs === undefined ? '–' : String(t.epochs),
    `${num(t.seconds, 1)} s`,
    t.worker ?? '–',
  ]);
  const best = r.best
    ? `best: ${opts(r.best.options)}, ${r.metric} ${num(r.best.score, 4)} on validation`
    : 'no trial finished';
  return [
    h('h2', {}, 'Autotune'),
    h(
      'p',
      { class: 'autotune-summary' },
      `${r.table.length} trials in ${num(r.wallSeconds, 1)} s (budget ${r.budgetSeconds} s, up to ${r.repeats} splits each); ${best}`,
    ),
    table(['trial', 'options', 'status', r.metric, 'epochs', 'time', 'worker'], rows, 'autotune-trials'),
  ];
}

/** `#/models/{m}/compare/{a}/{b}`: two versions side by side, with the differences first. */
export async function comparePage(
  root: HTMLElement,
  [model = '', a = '', b = '']: string[],
  signal: AbortSignal,
) {
  const [da, db] = await Promise.all(
    [a, b].map((v) => getJson<VersionDetail>(versionPath(model, Number(v)), signal)),
  );
  if (!da || !db) return;
  root.append(
    h('h1', {}, h('a', { href: href('models', model) }, model), `: version ${da.version} vs ${db.version}`),
    deltaTable(da, db),
    h(
      'div',
      { class: 'side-by-side' },
      ...[da, db].map((d) =>
        h(
          'div',
          {},
          h(
            'h2',
            {},
            h('a', { href: href('models', model, 'v', d.version) }, `Version ${d.version}`),
            d.isLatest ? ' (latest)' : '',
          ),
          versionColumn(d),
        ),
      ),
    ),
  );
}

type DeltaRow = [string, number | undefined, number | undefined, (x: number | undefined) => string];

function deltaTable(a: VersionDetail, b: VersionDetail): HTMLElement {
  const [ea, eb] = [a.evaluation, b.evaluation];
  const rows: DeltaRow[] = [
    ['Accuracy', ea.accuracy, eb.accuracy, (x) => pct(x)],
    ['Macro-F1', ea.macroF1, eb.macroF1, (x) => num(x)],
    // Multi-label and calibration figures: only where either version has them.
    ...optionalRows([
      ['Micro-F1', ea.microF1, eb.microF1, (x) => num(x)],
      ['Hamming loss', ea.hammingLoss, eb.hammingLoss, (x) => num(x)],
      ['ECE (calibrated)', ea.calibration?.eceAfter, eb.calibration?.eceAfter, (x) => num(x)],
    ]),
    ['Training time (s)', a.trainSeconds, b.trainSeconds, (x) => num(x, 2)],
    ['Training set (docs)', a.dataset.documents, b.dataset.documents, (x) => num(x, 0)],
    ['Vocabulary', a.vocabularySize, b.vocabularySize, (x) => num(x, 0)],
  ];
  return table(
    ['', `v${a.version}`, `v${b.version}`, 'change'],
    rows.map(([name, x, y, f]) => [
      name,
      f(x),
      f(y),
      x === undefined || y === undefined ? '–' : signed(y - x, f),
    ]),
    'delta',
  );
}

function optionalRows(rows: DeltaRow[]): DeltaRow[] {
  return rows.filter(([, x, y]) => x !== undefined || y !== undefined);
}

/** A difference in the row's own format; one that rounds to zero there is "=". */
function signed(d: number, f: (x: number) => string): string {
  const size = f(Math.abs(d));
  if (Number.parseFloat(size) === 0) return '=';
  return d > 0 ? `+${size}` : `−${size}`;
}
