/**
 * DOM building without innerHTML: labels, model names, job errors and problem details come from the
 * API (and, through training data, from users), so every string goes in as a text node.
 */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

/** `h('a', { href: '#/jobs', class: 'x', onclick: fn }, 'text', child)`; `on*` attributes become listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, ...children);
  return el;
}

/** Appends children, skipping empty ones (so conditionals can be written inline). */
export function append(el: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

/** Replaces the element's content. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/** A table with a header row; wide tables scroll inside their wrapper on narrow screens. */
export function table(head: string[], rows: Child[][], cls = ''): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: cls },
      h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))),
    ),
  );
}

/** 0.9876 → "98.8 %"; undefined → "–". */
export function pct(x: number | undefined, digits = 1): string {
  return x === undefined ? '–' : `${(x * 100).toFixed(digits)} %`;
}

/** A number with at most `digits` decimals, or "–". */
export function num(x: number | undefined, digits = 3): string {
  return x === undefined ? '–' : String(Number(x.toFixed(digits)));
}

/** An ISO date as local date and time, short. */
export function when(iso: string | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** A progress bar (`role=progressbar`, so screen readers and tests can read it). */
export function progressBar(value: number, max: number, label: string): HTMLElement {
  const share = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
  const fill = h('div', { class: 'bar-fill' });
  fill.style.width = `${(share * 100).toFixed(1)}%`;
  return h(
    'div',
    {
      class: 'bar',
      role: 'progressbar',
      'aria-valuemin': 0,
      'aria-valuemax': max,
      'aria-valuenow': value,
      'aria-label': label,
    },
    fill,
    h('span', { class: 'bar-text' }, label),
  );
}
