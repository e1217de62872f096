import { getJson, sendJson, versionPath, type Schemas } from '../api';
import { h, pct, replace } from '../dom';
import { problemView } from '../problem';

type Classified = Schemas['ClassifyResponse'];

/**
 * `#/try[/{model}[/{version}]]`: classify a text with the latest or a chosen version and show every
 * label's probability. The model and version lists need the `train` scope; with a classify-only key
 * the model name is typed and only `latest` is offered.
 */
export async function tryPage(
  root: HTMLElement,
  [model0 = '', version0 = '']: string[],
  signal: AbortSignal,
) {
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
  const text = h('textarea', {
    id: 'try-text',
    name: 'text',
    rows: 5,
    required: true,
    placeholder: 'A sentence to classify',
  });
  const result = h('div', { class: 'result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'stack', id: 'try-form' },
    h('div', { class: 'row' }, field('Model', model, 'try-model'), field('Version', version, 'try-version')),
    field('Text', text, 'try-text'),
    h('div', {}, h('button', { type: 'submit' }, 'Classify')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void classify(model.value, version.value, text.value, result);
  });
  model.addEventListener('input', () => (model.dataset.typed = '1'));
  model.addEventListener('change', () => void loadVersions(model.value, version, '', signal));
  root.append(h('h1', {}, 'Try it'), form, models, result);

  // A classify-only key may not list models (403): then the name is typed instead.
  const list = await getJson<Schemas['ModelList']>('/models', signal).catch(() => null);
  if (signal.aborted) return;
  if (list) {
    replace(models, ...list.models.map((m) => h('option', { value: m.model })));
    const served = list.models.find((m) => m.latest !== null);
    // Offer a model that is served, unless the user has typed one meanwhile.
    if (!model0 && served && !model.dataset.typed) model.value = served.model;
  }
  await loadVersions(model.value, version, version0, signal);
}

function field(label: string, input: HTMLElement, id: string): HTMLElement {
  return h('div', { class: 'field' }, h('label', { for: id }, label), input);
}

async function loadVersions(model: string, select: HTMLSelectElement, chosen: string, signal: AbortSignal) {
  replace(select, h('option', { value: '' }, 'latest'));
  try {
    const { versions } = await getJson<Schemas['VersionList']>(versionPath(model), signal);
    for (const v of versions) {
      select.append(h('option', { value: v.version }, `v${v.version}${v.isLatest ? ' (latest)' : ''}`));
    }
  } catch {
    // no such model yet, or no `train` scope: classifying with latest still works (or explains why not)
  }
  if (chosen && !select.querySelector(`option[value="${CSS.escape(chosen)}"]`)) {
    select.append(h('option', { value: chosen }, `v${chosen}`));
  }
  select.value = chosen;
}

async function classify(model: string, version: string, text: string, out: HTMLElement): Promise<void> {
  replace(out, h('p', { class: 'muted' }, 'Classifying…'));
  try {
    const body = { model, text, ...(version ? { version: Number(version) } : {}) };
    const r = await sendJson<Classified>('POST', '/classify', body);
    if (r) replace(out, resultView(r));
  } catch (e) {
    replace(out, problemView(e));
  }
}

function resultView(r: Classified): HTMLElement {
  return h(
    'div',
    { class: 'prediction' },
    h(
      'p',
      {},
      'Label ',
      h('strong', { class: 'predicted-label' }, r.label ?? 'none (abstained: below the cut-off)'),
      ` (${r.model} version ${r.version})`,
    ),
    h(
      'ul',
      { class: 'scores' },
      ...r.scores.map((s) => {
        const fill = h('span', { class: 'score-fill' });
        fill.style.width = `${(s.probability * 100).toFixed(1)}%`;
        return h(
          'li',
          { 'data-label': s.label },
          h('span', { class: 'score-label' }, s.label),
          h('span', { class: 'score-bar' }, fill),
          h('span', { class: 'score-value' }, pct(s.probability)),
        );
      }),
    ),
  );
}
