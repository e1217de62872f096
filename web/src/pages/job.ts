import { getJson, sendJson, type Job } from '../api';
import { Curves, EpochHistory } from '../curves';
import { h, num, pct, replace, when } from '../dom';
import { problemView } from '../problem';
import { href } from '../router';
import { isTerminal, watchJob } from '../watch';
import { progressCell, statusBadge } from './jobs';

/**
 * `#/jobs/{id}`: one job. While it is queued or running its event stream drives the progress bar
 * and the per-epoch loss and accuracy curves; it can be cancelled; a failed job shows its reason.
 */
export async function jobPage(root: HTMLElement, [jobId = '']: string[], signal: AbortSignal): Promise<void> {
  const path = `/jobs/${encodeURIComponent(jobId)}`;
  const job = await getJson<Job>(path, signal);
  const summary = h('div', { class: 'job-summary' });
  // Outside the summary, which every progress event redraws: a button made anew each time could
  // lose a click that lands while it is swapped (and did, under load).
  const cancelButton = h(
    'button',
    { type: 'button', class: 'danger', onclick: () => void cancel() },
    'Cancel job',
  );
  const messages = h('div');
  const history = new EpochHistory();
  const curves = new Curves(history);
  signal.addEventListener('abort', () => curves.destroy());
  root.append(
    h('h1', {}, 'Job ', h('span', { class: 'mono' }, jobId)),
    summary,
    cancelButton,
    messages,
    curves.el,
  );

  const show = (j: Job) => {
    history.add(j.progress);
    replace(summary, summaryView(j));
    cancelButton.hidden = isTerminal(j.status);
    curves.update();
    curves.el.hidden = history.size === 0;
  };
  const cancel = async () => {
    try {
      const j = await sendJson<Job>('DELETE', path);
      if (j) show(j);
    } catch (e) {
      replace(messages, problemView(e));
    }
  };
  // The epochs before the page opened (or the whole run of a finished job), then the live ones.
  for (const p of job.history ?? []) history.add(p);
  show(job);
  if (!isTerminal(job.status)) {
    void watchJob(jobId, show, (e) => replace(messages, problemView(e)), signal);
  }
}

function summaryView(j: Job): HTMLElement {
  const p = j.progress;
  return h(
    'div',
    {},
    h(
      'dl',
      { class: 'facts' },
      fact('Status', statusBadge(j.status)),
      fact('Model', h('a', { href: href('models', j.model) }, j.model)),
      fact('Documents', j.documents),
      fact('Attempts', j.attempts),
      fact('Created', when(j.createdAt)),
      fact('Started', when(j.startedAt)),
      fact('Finished', when(j.finishedAt)),
    ),
    isTerminal(j.status) ? null : h('div', { class: 'job-progress' }, progressCell(j)),
    p && p.loss !== undefined
      ? h(
          'p',
          { class: 'metrics-line' },
          `${p.phase ?? 'epoch'} ${p.epoch}/${p.epochs}: loss ${num(p.loss)}, accuracy ${pct(p.accuracy)}`,
          p.valLoss !== undefined ? `, val loss ${num(p.valLoss)}, val accuracy ${pct(p.valAccuracy)}` : '',
        )
      : null,
    outcome(j),
  );
}

function outcome(j: Job): HTMLElement | null {
  if (j.status === 'failed') {
    return h(
      'div',
      { class: 'problem', role: 'alert' },
      h('strong', {}, 'Training failed'),
      h('p', { class: 'job-error' }, j.error ?? 'no reason was recorded'),
    );
  }
  if (j.status === 'succeeded' && j.version !== undefined) {
    return h(
      'p',
      { class: 'ok' },
      'Published ',
      h(
        'a',
        { href: href('models', j.model, 'v', j.version), class: 'version-link' },
        `version ${j.version}`,
      ),
      ' of ',
      j.model,
      '. ',
      h('a', { href: href('try', j.model, j.version) }, 'Try it'),
    );
  }
  if (j.status === 'cancelled') return h('p', { class: 'muted' }, 'Cancelled: no version was published.');
  return null;
}

export function fact(term: string, value: Node | string | number): HTMLElement {
  return h('div', {}, h('dt', {}, term), h('dd', {}, value));
}
