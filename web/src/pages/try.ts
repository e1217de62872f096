import { getJson, sendJson, versionPath, type Schemas } from '../api';
import { h, num, pct, replace } from '../dom';
import { explanationView } from '../explain';
import { problemView, toProblem } from '../problem';

type Classified = Schemas['ClassifyResponse'];

/** One submission of the form, as sent. */
interface Ask {
  model: string;
  /** The version select's value: '' for latest. */
  version: string;
  text: string;
  explain: boolean;
  threshold?: number;
}

/**
 * `#/try[/{model}[/{version}]]`: classify a text with the latest or a chosen version and show every
 * label's probability; for a multi-label model the returned labels (with an optional threshold for
 * all of them), and on request the explanation. The model and version lists need the `train` scope;
 * with a classify-only key the model name is typed and only `latest` is offered.
 */
export async function tryPage(
  root: HTMLElement,
  [model0 = '', version0 = '']: string[],
  signal: AbortSignal,
) {
  const { form, model, models, version, threshold, thresholdField, explain, text } = tryForm(model0);
  const result = h('div', { class: 'result', 'aria-live': 'polite' });
  // The threshold is offered only where it applies (a single-label model answers it with a 400).
  const multi = new MultiLabelChoices();
  const sync = () => (thresholdField.hidden = !multi.is(model.value, version.value));
  sync();
  const reload = async (chosen: string) => {
    multi.listed(model.value, await loadVersions(model.value, version, chosen, signal));
    sync();
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const ask: Ask = {
      model: model.value,
      version: version.value,
      text: text.value,
      explain: explain.checked,
    };
    if (!thresholdField.hidden && threshold.value !== '') ask.threshold = threshold.valueAsNumber;
    void classify(ask, result).then((learnt) => {
      if (learnt !== undefined) multi.answered(ask.model, ask.version, learnt);
      sync();
    });
  });
  model.addEventListener('input', () => {
    model.dataset.typed = '1';
    sync();
  });
  model.addEventListener('change', () => void reload(''));
  version.addEventListener('change', sync);
  root.append(h('h1', {}, 'Try it'), form, models, result);

  // A classify-only key may not list models (403): then the name is typed instead.
  const list = await getJson<Schemas['ModelList']>('/models', signal).catch(() => null);
  if (signal.aborted) return;
  if (list) {
    replace(models, ...list.models.map((m) => h('option', { value: m.model })));
    const served = list.models.find((m) => m.latest !== null);
    // Offer a model that is served, unless the user has typed one meanwhile or is in the field
    // (setting the value under a selection about to be replaced appends to it instead).
    const editing = model.dataset.typed || document.activeElement === model;
    if (!model0 && served && !editing) model.value = served.model;
  }
  await reload(version0);
}

/** The form's controls; the threshold's field shows only once the choice is known to be multi-label. */
function tryForm(model0: string) {
  const model = h('input', {
    id: 'try-model',
    name: 'model',
    list: 'try-models',
    required: true,
    pattern: '[a-z0-9][a-z0-9_-]{0,63}',
  });
  model.value = model0 || 'default';
  const models = h('datalist', { id: 'try-models' });
  const version = h('select', { id: 'try-version', name: 'version' }, h('option', { value: '' }, 'latest'));
  const threshold = h('input', {
    id: 'try-threshold',
    name: 'threshold',
    type: 'number',
    min: 0,
    max: 1,
    step: 'any',
    inputmode: 'decimal',
    placeholder: 'each label’s own',
  });
  const thresholdField = field('Threshold (all labels)', threshold, 'try-threshold');
  const explain = h('input', { id: 'try-explain', name: 'explain', type: 'checkbox' });
  const text = h('textarea', {
    id: 'try-text',
    name: 'text',
    rows: 5,
    required: true,
    placeholder: 'A sentence to classify',
  });
  const form = h(
    'form',
    { class: 'stack', id: 'try-form' },
    h(
      'div',
      { class: 'row' },
      field('Model', model, 'try-model'),
      field('Version', version, 'try-version'),
      thresholdField,
    ),
    field('Text', text, 'try-text'),
    h(
      'div',
      { class: 'form-actions' },
      h('button', { type: 'submit' }, 'Classify'),
      h('label', { class: 'check', for: 'try-explain' }, explain, 'Explain (the terms behind the answer)'),
    ),
  );
  return { form, model, models, version, threshold, thresholdField, explain, text };
}

/**
 * Which (model, version choice) pairs are multi-label, as far as the page knows: from the version
 * list (`multiLabel` per version; '' is latest) and from the answers (`multiLabel: true`).
 */
class MultiLabelChoices {
  private readonly known = new Map<string, boolean>();

  private static key(model: string, version: string): string {
    return `${model}\n${version}`;
  }

  listed(model: string, versions: Schemas['VersionSummary'][]): void {
    for (const v of versions) {
      const multi = v.multiLabel === true;
      this.known.set(MultiLabelChoices.key(model, String(v.version)), multi);
      if (v.isLatest) this.known.set(MultiLabelChoices.key(model, ''), multi);
    }
  }

  answered(model: string, version: string, multi: boolean): void {
    this.known.set(MultiLabelChoices.key(model, version), multi);
  }

  is(model: string, version: string): boolean {
    return this.known.get(MultiLabelChoices.key(model, version)) === true;
  }
}

function field(label: string, input: HTMLElement, id: string): HTMLElement {
  return h('div', { class: 'field' }, h('label', { for: id }, label), input);
}

/** Fills the version select; returns the listed versions (none without the `train` scope). */
async function loadVersions(
  model: string,
  select: HTMLSelectElement,
  chosen: string,
  signal: AbortSignal,
): Promise<Schemas['VersionSummary'][]> {
  replace(select, h('option', { value: '' }, 'latest'));
  let listed: Schemas['VersionSummary'][] = [];
  try {
    listed = (await getJson<Schemas['VersionList']>(versionPath(model), signal)).versions;
    for (const v of listed) {
      select.append(h('option', { value: v.version }, `v${v.version}${v.isLatest ? ' (latest)' : ''}`));
    }
  } catch {
    // no such model yet, or no `train` scope: classifying with latest still works (or explains why not)
  }
  if (chosen && !select.querySelector(`option[value="${CSS.escape(chosen)}"]`)) {
    select.append(h('option', { value: chosen }, `v${chosen}`));
  }
  select.value = chosen;
  return listed;
}

/**
 * Sends the form and shows the answer or the problem. Returns what it learnt of the choice: the
 * answer says whether it is multi-label; a 400 for the threshold says it is not (the field was
 * offered from a stale version list, e.g. latest moved meanwhile); anything else: undefined.
 */
async function classify(ask: Ask, out: HTMLElement): Promise<boolean | undefined> {
  replace(out, h('p', { class: 'muted' }, 'Classifying…'));
  try {
    const body: Schemas['ClassifySingleRequest'] = {
      model: ask.model,
      text: ask.text,
      ...(ask.version ? { version: Number(ask.version) } : {}),
      ...(ask.threshold !== undefined ? { threshold: ask.threshold } : {}),
      ...(ask.explain ? { explain: true } : {}),
    };
    const r = await sendJson<Classified>('POST', '/classify', body);
    if (!r) return undefined;
    replace(out, resultView(r, ask));
    return r.multiLabel === true;
  } catch (e) {
    replace(out, problemView(e));
    const refused = toProblem(e).errors?.some((f) => f.path === '/body/threshold');
    return refused ? false : undefined;
  }
}

function resultView(r: Classified, ask: Ask): HTMLElement {
  const returned = new Set(r.multiLabel ? (r.labels ?? []).map((l) => l.label) : []);
  return h(
    'div',
    { class: 'prediction', 'data-multi-label': r.multiLabel === true },
    ...(r.multiLabel ? labelsLine(r, ask.threshold) : [labelLine(r)]),
    h(
      'ul',
      { class: 'scores' },
      ...r.scores.map((s) => {
        const fill = h('span', { class: 'score-fill' });
        fill.style.width = `${(s.probability * 100).toFixed(1)}%`;
        return h(
          'li',
          { 'data-label': s.label, class: returned.has(s.label) ? 'returned' : undefined },
          h('span', { class: 'score-label' }, s.label),
          h('span', { class: 'score-bar' }, fill),
          h('span', { class: 'score-value' }, pct(s.probability)),
        );
      }),
    ),
    // The spans are offsets into the text as sent, which is `ask.text` (not the field now).
    r.explanation ? explanationView(ask.text, r.explanation) : null,
  );
}

function labelLine(r: Classified): HTMLElement {
  return h(
    'p',
    {},
    'Label ',
    h('strong', { class: 'predicted-label' }, r.label ?? 'none (abstained: below the cut-off)'),
    ` (${r.model} version ${r.version})`,
  );
}

/** A multi-label answer: the returned labels as chips (or "none of the labels"), and the rule used. */
function labelsLine(r: Classified, threshold: number | undefined): HTMLElement[] {
  const labels = r.labels ?? [];
  return [
    h(
      'p',
      { class: 'labels-line' },
      'Labels ',
      labels.length
        ? h(
            'span',
            { class: 'label-chips', role: 'list' },
            ...labels.map((l) =>
              h(
                'span',
                { class: 'label-chip', role: 'listitem', 'data-label': l.label },
                h('span', { class: 'chip-label' }, l.label),
                h('span', { class: 'chip-prob' }, pct(l.probability)),
              ),
            ),
          )
        : h('strong', { class: 'no-labels' }, 'none of the labels'),
      ` (${r.model} version ${r.version}, multi-label)`,
    ),
    h(
      'p',
      { class: 'muted small threshold-note' },
      threshold === undefined
        ? 'A label is returned when its probability reaches its own threshold (tuned in training). '
        : `A label is returned when its probability reaches ${num(threshold)} (the threshold set above). `,
      'Each label has a probability of its own: they need not add up to 100 %.',
    ),
  ];
}
