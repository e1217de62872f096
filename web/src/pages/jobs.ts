import { getJson, type Job, type Schemas } from '../api';
import { h, progressBar, replace, table, when } from '../dom';
import { problemView } from '../problem';
import { href } from '../router';
import { isTerminal } from '../watch';

const POLL_MS = 4000;

/** `#/jobs`: recent jobs, newest first, refreshed every few seconds while the page is open. */
export async function jobsPage(root: HTMLElement, _params: string[], signal: AbortSignal): Promise<void> {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  root.append(
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Jobs'),
      h('a', { class: 'button', href: href('train') }, 'Train a model'),
    ),
    body,
  );
  const refresh = async () => {
    try {
      const { jobs } = await getJson<Schemas['JobList']>('/jobs?limit=50', signal);
      if (!signal.aborted) replace(body, jobs.length ? jobsTable(jobs) : empty());
    } catch (e) {
      if (!signal.aborted) replace(body, problemView(e));
    }
  };
  await refresh();
  // A hidden tab does not poll: it would only spend the key's rate limit.
  const timer = setInterval(() => void (document.hidden || refresh()), POLL_MS);
  signal.addEventListener('abort', () => clearInterval(timer));
}

function empty(): HTMLElement {
  return h('p', { class: 'muted' }, 'No jobs yet. ', h('a', { href: href('train') }, 'Train a model'), '.');
}

function jobsTable(jobs: Job[]): HTMLElement {
  return table(
    ['Job', 'Model', 'Status', 'Result', 'Docs', 'Created'],
    jobs.map((j) => [
      h('a', { href: href('jobs', j.jobId), class: 'mono' }, shortId(j.jobId)),
      h('a', { href: href('models', j.model) }, j.model),
      // A running job's bar sits under its status, so a phone sees it without scrolling sideways.
      isTerminal(j.status)
        ? statusBadge(j.status)
        : h('div', { class: 'stack-tight' }, statusBadge(j.status), progressCell(j)),
      resultCell(j),
      j.documents,
      when(j.createdAt),
    ]),
    'jobs',
  );
}

/** Job ids are long; the start is enough to tell them apart in a list. */
export function shortId(id: string): string {
  return id.length > 14 ? `${id.slice(0, 12)}…` : id;
}

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge status-${status}`, 'data-status': status }, status);
}

export function progressCell(j: Job): HTMLElement | string {
  const p = j.progress;
  const s = j.search;
  // An autotune job: its trials first, then the winner's epochs.
  if (s && (!p || s.trialsDone < s.trialsTotal)) {
    const best = s.bestScore === null ? '' : ` · best ${s.metric} ${s.bestScore.toFixed(4)}`;
    return progressBar(
      s.trialsDone,
      s.trialsTotal,
      `autotune ${s.trialsDone}/${s.trialsTotal} trials${best}`,
    );
  }
  if (!p) return j.status === 'queued' ? 'waiting for a worker' : 'starting…';
  return progressBar(p.epoch, p.epochs, `${p.phase ?? 'epoch'} ${p.epoch}/${p.epochs}`);
}

function resultCell(j: Job): HTMLElement | string {
  if (j.status === 'succeeded' && j.version !== undefined) {
    return h('a', { href: href('models', j.model, 'v', j.version) }, `version ${j.version}`);
  }
  if (j.status === 'failed') return h('span', { class: 'error-text' }, j.error ?? 'failed');
  return '';
}
