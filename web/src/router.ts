import { ApiError } from './api';
import { h } from './dom';
import { problemView } from './problem';

/**
 * A page draws itself into `view`. Anything it keeps running (a poll, an event stream, a chart)
 * stops when `signal` aborts, which happens when the user goes to another page.
 */
export type Page = (view: HTMLElement, params: string[], signal: AbortSignal) => void | Promise<void>;

interface Route {
  pattern: RegExp;
  nav: string;
  page: Page;
}

/** Hash routes (`#/jobs/abc`): the server serves one page at `/`, and links keep working on reload. */
export class Router {
  private readonly routes: Route[] = [];
  private current: AbortController | null = null;

  constructor(
    private readonly view: HTMLElement,
    private readonly nav: HTMLElement,
  ) {}

  /** `path` is like `models/:m/versions/:v`; each `:x` matches one URL-encoded segment. */
  add(path: string, nav: string, page: Page): this {
    const source = path.replace(/:\w+/g, '([^/]+)');
    this.routes.push({ pattern: new RegExp(`^${source}$`), nav, page });
    return this;
  }

  start(): void {
    window.addEventListener('hashchange', () => void this.render());
    void this.render();
  }

  /** Draws the current page again (after the API key changed). */
  async render(): Promise<void> {
    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    const path = location.hash.replace(/^#\/?/, '') || 'jobs';
    const route = this.routes.find((r) => r.pattern.test(path));
    this.highlight(route?.nav ?? '');
    // Each page draws into a root of its own: a page still finishing an earlier request after the
    // user moved on writes into a detached root, never over the next page.
    const root = h('div', { class: 'page' });
    this.view.replaceChildren(root);
    if (!route) {
      root.append(problemView(new ApiError({ title: 'No such page', status: 0, detail: `#/${path}` })));
      return;
    }
    try {
      // decodeURIComponent throws on a malformed escape typed into the address bar: shown as a problem.
      const params = (route.pattern.exec(path) ?? []).slice(1).map(decodeURIComponent);
      await route.page(root, params, controller.signal);
    } catch (e) {
      if (controller.signal.aborted) return;
      root.append(problemView(e));
    }
  }

  private highlight(nav: string): void {
    for (const a of this.nav.querySelectorAll('a[data-route]')) {
      a.classList.toggle('active', a.getAttribute('data-route') === nav);
      if (a.getAttribute('data-route') === nav) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }
}

/** Goes to a page (`go('jobs', id)`), escaping each part. */
export function go(...parts: (string | number)[]): void {
  location.hash = `#/${parts.map((p) => encodeURIComponent(String(p))).join('/')}`;
}

/** The href for a page. */
export function href(...parts: (string | number)[]): string {
  return `#/${parts.map((p) => encodeURIComponent(String(p))).join('/')}`;
}
