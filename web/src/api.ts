/**
 * Calls to the textclf API from the page. Types come from the contract's generated schema, so a
 * change to openapi.yaml that breaks the dashboard breaks `tsc -p web`.
 */
import type { components } from '../../src/contract/generated/schema';

export type Schemas = components['schemas'];
export type Job = Schemas['Job'];
export type JobProgress = Schemas['JobProgress'];
export type VersionSummary = Schemas['VersionSummary'];
export type VersionDetail = Schemas['VersionDetail'];
export type Problem = Partial<Schemas['Problem']> & { title: string; status: number };

const KEY_STORAGE = 'textclf.apiKey';

/** The API key typed into the page; per tab (sessionStorage), so it is gone when the tab closes. */
export function apiKey(): string {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return ''; // storage disabled: run without a key
  }
}

/**
 * The queue board (`/queues`) is a page the browser opens itself, so it cannot send the bearer
 * header: the key also goes in a session cookie the server reads for `/queues` only (SameSite=Strict,
 * so no other site's page can use it).
 */
const BOARD_COOKIE = 'textclf_key';

export function setApiKey(key: string): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
  const value = key ? encodeURIComponent(key) : '';
  const expiry = key ? '' : '; max-age=0';
  document.cookie = `${BOARD_COOKIE}=${value}; path=/queues; SameSite=Strict${expiry}`;
}

/** A failed call, carrying the server's problem+json (or one made up for a non-problem answer). */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = 'ApiError';
  }
}

/** `fetch` with the key as a bearer token; rejects with `ApiError` on any non-2xx answer. */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const key = apiKey();
  if (key) headers.set('Authorization', `Bearer ${key}`);
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError({ title: 'The service could not be reached', status: 0, detail: String(e) });
  }
  if (!res.ok) throw new ApiError(await readProblem(res));
  return res;
}

async function readProblem(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<Problem>;
    if (body && typeof body.title === 'string') return { ...body, title: body.title, status: res.status };
  } catch {
    // not JSON: a proxy's page or a plain-text answer
  }
  return {
    title: `HTTP ${res.status} ${res.statusText}`.trim(),
    status: res.status,
    detail: text.slice(0, 300),
  };
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await apiFetch(path, { signal })).json() as Promise<T>;
}

export async function sendJson<T>(method: string, path: string, body?: unknown): Promise<T | undefined> {
  const res = await apiFetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.status === 204 ? undefined : ((await res.json()) as T);
}

/** `PUT /models/{m}/alias/latest {version}`: roll back or forward. */
export function setLatest(model: string, version: number): Promise<VersionSummary | undefined> {
  return sendJson<VersionSummary>('PUT', `/models/${encodeURIComponent(model)}/alias/latest`, { version });
}

/** `/models/{m}/versions/{v}` with each part escaped. */
export function versionPath(model: string, version?: number): string {
  const base = `/models/${encodeURIComponent(model)}/versions`;
  return version === undefined ? base : `${base}/${version}`;
}
