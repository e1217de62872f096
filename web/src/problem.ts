import { ApiError, type Problem } from './api';
import { h } from './dom';

/** Hints for the codes a dashboard user can act on. */
const HINTS: Record<string, string> = {
  UNAUTHORIZED: 'Type an API key in the field at the top and press “Use key”.',
  FORBIDDEN: 'This key lacks the scope: training, jobs and models need “train”; Try it needs “classify”.',
  RATE_LIMITED: 'Wait a moment and try again.',
  MODEL_NOT_FOUND: 'Train a model first (Train page).',
};

/** Any thrown value as a problem (an `ApiError`'s own, or one made from a script error). */
export function toProblem(e: unknown): Problem {
  if (e instanceof ApiError) return e.problem;
  return {
    title: 'Something went wrong in the page',
    status: 0,
    detail: e instanceof Error ? e.message : String(e),
  };
}

/**
 * A readable problem+json: title and status, detail, the failing fields (`errors`), the NDJSON
 * line, the storage figures, a hint and the request id to quote in a bug report.
 */
export function problemView(e: unknown): HTMLElement {
  const p = toProblem(e);
  const hint = p.code ? HINTS[p.code] : undefined;
  const extras: string[] = [];
  if (p.line !== undefined) extras.push(`line ${p.line} of the file`);
  if (p.neededBytes !== undefined) extras.push(`needs ${mb(p.neededBytes)}, ${mb(p.freeBytes)} free`);
  return h(
    'div',
    { class: 'problem', role: 'alert' },
    h(
      'strong',
      { class: 'problem-title' },
      p.title,
      p.status ? ` (${p.status}${p.code ? ` ${p.code}` : ''})` : '',
    ),
    p.detail ? h('p', { class: 'problem-detail' }, p.detail) : null,
    p.errors?.length
      ? h(
          'ul',
          { class: 'problem-errors' },
          ...p.errors.map((f) => h('li', {}, h('code', {}, f.path || '/'), ' ', f.message)),
        )
      : null,
    extras.length ? h('p', {}, extras.join('; ')) : null,
    hint ? h('p', { class: 'hint' }, hint) : null,
    p.requestId ? h('p', { class: 'muted small' }, `request id ${p.requestId}`) : null,
  );
}

function mb(bytes: number | undefined): string {
  return bytes === undefined ? '?' : `${(bytes / 1e6).toFixed(1)} MB`;
}
