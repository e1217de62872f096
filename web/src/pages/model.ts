import {
  getJson,
  sendJson,
  setLatest,
  versionPath,
  type Schemas,
  type VersionDetail,
  type VersionSummary,
} from '../api';
import { h, num, pct, replace, table, when } from '../dom';
import { seconds } from '../evaluation';
import { problemView } from '../problem';
import { go, href } from '../router';

type Row = VersionSummary & Partial<Pick<VersionDetail, 'trainSeconds' | 'dataset' | 'backend'>>;

/**
 * `#/models/{m}`: the kept versions with their evaluation and training facts; make one latest (roll
 * back or forward), delete one, or pick two to compare.
 */
export async function modelPage(
  root: HTMLElement,
  [model = '']: string[],
  signal: AbortSignal,
): Promise<void> {
  const body = h('div');
  const messages = h('div');
  root.append(
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Model ', model),
      h('a', { class: 'button', href: href('try', model) }, 'Try it'),
    ),
    messages,
    body,
  );
  const reload = async () => {
    replace(messages);
    const rows = await loadRows(model, signal);
    if (!signal.aborted) replace(body, versionsView(model, rows, reload, messages));
  };
  await reload();
}

/** The version list, then each version's details (at most `KEEP_VERSIONS` requests, in parallel). */
async function loadRows(model: string, signal: AbortSignal): Promise<Row[]> {
  const { versions } = await getJson<Schemas['VersionList']>(versionPath(model), signal);
  return Promise.all(
    versions.map((v) =>
      getJson<VersionDetail>(versionPath(model, v.version), signal).then(
        (d): Row => ({ ...v, trainSeconds: d.trainSeconds, dataset: d.dataset, backend: d.backend }),
        (): Row => v, // deleted meanwhile, or unreadable: show what the list said
      ),
    ),
  );
}

function versionsView(
  model: string,
  rows: Row[],
  reload: () => Promise<void>,
  messages: HTMLElement,
): HTMLElement {
  const picked = new Set<number>();
  const compare = h('button', { type: 'button', disabled: true }, 'Compare the two selected');
  compare.addEventListener('click', () => {
    const [a, b] = [...picked].sort((x, y) => x - y);
    if (a !== undefined && b !== undefined) go('models', model, 'compare', a, b);
  });
  const act = (fn: () => Promise<unknown>) => async () => {
    try {
      await fn();
      await reload();
    } catch (e) {
      replace(messages, problemView(e));
    }
  };
  const pick = (v: number) => (e: Event) => {
    if ((e.target as HTMLInputElement).checked) picked.add(v);
    else picked.delete(v);
    compare.disabled = picked.size !== 2;
  };
  return h(
    'div',
    {},
    table(
      ['', 'Version', 'Created', 'Accuracy', 'Macro-F1', 'Train time', 'Docs', 'Backend', 'Latest', ''],
      rows.map((r) => [
        h('input', {
          type: 'checkbox',
          'aria-label': `select version ${r.version}`,
          onchange: pick(r.version),
        }),
        h('a', { href: href('models', model, 'v', r.version), class: 'version-link' }, `v${r.version}`),
        when(r.createdAt),
        pct(r.accuracy),
        num(r.macroF1),
        seconds(r.trainSeconds),
        r.dataset?.documents ?? '–',
        r.backend?.name ?? '–',
        r.isLatest ? h('span', { class: 'badge status-succeeded latest-badge' }, 'latest') : '',
        r.isLatest ? '' : actions(model, r.version, act),
      ]),
      'versions',
    ),
    h('p', {}, compare),
  );
}

function actions(model: string, version: number, act: (fn: () => Promise<unknown>) => () => Promise<void>) {
  const makeLatest = h(
    'button',
    {
      type: 'button',
      class: 'make-latest',
      onclick: act(() => setLatest(model, version)),
    },
    'Make latest',
  );
  const del = h('button', { type: 'button', class: 'danger delete-version' }, 'Delete');
  // Two clicks rather than confirm(): a native dialog blocks the page and is easy to click through.
  del.addEventListener('click', () => {
    if (del.dataset.armed) return void act(() => sendJson('DELETE', versionPath(model, version)))();
    del.dataset.armed = '1';
    del.textContent = `Delete v${version}?`;
    setTimeout(() => {
      delete del.dataset.armed;
      del.textContent = 'Delete';
    }, 4000);
  });
  return h('span', { class: 'actions' }, makeLatest, ' ', del);
}
