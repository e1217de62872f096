/**
 * The web dashboard end to end: the real service (ROLE=all, as a process) serves it at `/` under its
 * own CSP, and Debian's Chromium uses it as a person would: upload a file, watch the job through its
 * event stream, read a version's confusion matrix, compare, roll back, classify, delete; then the
 * same with API keys on, the key typed into the page. Screenshots land in test-artifacts/web/.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  CHROMIUM,
  ensureDashboardBuilt,
  launchBrowser,
  screenshot,
  startService,
  type Browser,
  type Service,
} from './harness.js';
import {
  assertFitsWidth,
  bigJsonl,
  cancelThroughPage,
  checkVersionPage,
  classifyThroughPage,
  compareVersions,
  deleteVersion,
  makeLatest,
  newsCsv,
  newsJsonl,
  openVersions,
  trainThroughPage,
} from './flows.js';

const skip = existsSync(CHROMIUM)
  ? false
  : `Debian's Chromium is not installed at ${CHROMIUM} (as root: apt-get update && apt-get install -y chromium)`;

const KEY = 'dashboard-e2e-key-0001';
const CSV = { name: 'news.csv', mimeType: 'text/csv', buffer: newsCsv() };
const JSONL = { name: 'news.jsonl', mimeType: 'application/x-ndjson', buffer: newsJsonl() };
const BIG = { name: 'big.jsonl', mimeType: 'application/x-ndjson', buffer: bigJsonl() };
const SENTENCE = 'who scored the goal in the cup final?';

/** The service and browser of the running test, stopped before the next one starts and at the end. */
let service: Service | undefined;
let browser: Browser | undefined;

async function open(env: Record<string, string> = {}): Promise<{ s: Service; b: Browser }> {
  await closeAll();
  service = await startService(env);
  browser = await launchBrowser();
  return { s: service, b: browser };
}

async function closeAll(): Promise<void> {
  await browser?.close();
  await service?.stop();
  browser = service = undefined;
}

describe('web dashboard', { skip, timeout: 120_000 }, () => {
  before(() => ensureDashboardBuilt());
  after(closeAll);
  it(
    'open API: CSV upload, live job, confusion matrix, compare, roll back, classify, delete, cancel',
    openApiFlow,
  );
  it('API keys on: 401 until the key is typed, then JSON Lines upload, classify and roll back', keyedFlow);
  it('a job that fails shows its reason', failedJobFlow);
});

async function openApiFlow(): Promise<void> {
  const { s, b } = await open();
  const { page } = b;
  await page.goto(`${s.base}/`);
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  await page.getByText('No jobs yet').waitFor();

  await trainThroughPage(page, CSV, 'web-news', 1, 'train');
  await screenshot(page, 'job-succeeded');
  await checkVersionPage(page);
  await screenshot(page, 'version');
  await trainThroughPage(page, CSV, 'web-news', 2);

  const versions = await openVersions(page, 'web-news');
  assert.deepEqual(versions, [
    { version: 2, latest: true },
    { version: 1, latest: false },
  ]);
  await screenshot(page, 'versions');
  await compareVersions(page, 1, 2);
  await screenshot(page, 'compare');

  await openVersions(page, 'web-news');
  await makeLatest(page, 1);
  const models = (await (await fetch(`${s.base}/models`)).json()) as { models: { latest: number }[] };
  assert.equal(models.models[0]?.latest, 1, 'the API agrees latest is version 1');
  await screenshot(page, 'rolled-back');

  const { label, version } = await classifyThroughPage(page, 'web-news', SENTENCE);
  assert.ok(['sport', 'tech'].includes(label), label);
  assert.equal(version, 1, 'classified by the version rolled back to');
  await screenshot(page, 'try-it');

  await openVersions(page, 'web-news');
  await deleteVersion(page, 2);
  await cancelThroughPage(page, BIG, 'web-big');
  await jobsAndModels(b);
  await phoneWidth(b, s);
  assert.deepEqual(b.faults, [], 'no page errors, no CSP violations');
}

/** The lists after the open-API flow: two succeeded jobs and the cancelled one; the models. */
async function jobsAndModels(b: Browser): Promise<void> {
  const { page } = b;
  await page.click('nav a[data-route="jobs"]');
  await page.locator('table.jobs tbody tr').nth(2).waitFor();
  assert.equal(await page.locator('table.jobs [data-status="succeeded"]').count(), 2);
  assert.equal(await page.locator('table.jobs [data-status="cancelled"]').count(), 1);
  await screenshot(page, 'jobs');
  await page.click('nav a[data-route="models"]');
  await page.locator('table.models').waitFor();
  await screenshot(page, 'models');
}

async function keyedFlow(): Promise<void> {
  const { s, b } = await open({ API_KEYS: `${KEY}:train+classify` });
  const { page } = b;
  await page.goto(`${s.base}/#/jobs`);
  await page.locator('.problem', { hasText: 'UNAUTHORIZED' }).waitFor();
  assert.match(await page.locator('.problem').innerText(), /API key/);
  await screenshot(page, 'keys-unauthorized');

  await page.fill('#api-key', KEY);
  await page.click('#key-form button[type="submit"]');
  await page.getByText('No jobs yet').waitFor();
  assert.equal(await page.evaluate<string | null>("sessionStorage.getItem('textclf.apiKey')"), KEY);

  await badUpload(b);
  // The job page follows the job through its event stream, which needs the key too.
  await trainThroughPage(page, JSONL, 'keyed', 3);
  await checkVersionPage(page);
  await trainThroughPage(page, JSONL, 'keyed', 4);
  await openVersions(page, 'keyed');
  await makeLatest(page, 1);
  const { version } = await classifyThroughPage(page, 'keyed', SENTENCE);
  assert.equal(version, 1);
  await screenshot(page, 'keys-try-it');
  assert.deepEqual(b.faults, [], 'no page errors, no CSP violations');
}

async function failedJobFlow(): Promise<void> {
  // A training thread with a 16 MB heap cannot load TensorFlow.js; one attempt, so the job fails for good.
  const { s, b } = await open({ WORKER_MAX_MEMORY_MB: '16', JOB_ATTEMPTS: '1' });
  const { page } = b;
  await page.goto(`${s.base}/#/train`);
  await page.setInputFiles('#train-file', CSV);
  await page.fill('#train-model', 'doomed');
  await page.click('#train-form button[type="submit"]');
  await page.locator('.job-summary [data-status="failed"]').waitFor({ timeout: 30_000 });
  const reason = await page.locator('.job-error').innerText();
  assert.ok(reason.length > 0, 'the reason is shown');
  await screenshot(page, 'job-failed');
  await page.click('nav a[data-route="jobs"]');
  assert.equal(await page.locator('table.jobs .error-text').innerText(), reason);
  await screenshot(page, 'jobs-failed');
  assert.deepEqual(b.faults, []);
}

/** A file with one label: the problem+json is shown readably (title, code, detail). */
async function badUpload(b: Browser): Promise<void> {
  const { page } = b;
  const oneLabel = Buffer.from('text,label\nonly sport here,sport\nmore sport,sport\n');
  await page.click('nav a[data-route="train"]');
  await page.setInputFiles('#train-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: oneLabel });
  await page.fill('#train-model', 'keyed');
  await page.click('#train-form button[type="submit"]');
  const problem = page.locator('.problem');
  await problem.waitFor();
  assert.match(await problem.innerText(), /\(400 INVALID_DATA\)/);
  await screenshot(page, 'keys-train-error');
}

/** The same pages at phone width: nothing wider than the screen. */
async function phoneWidth(b: Browser, s: Service): Promise<void> {
  const { page } = b;
  await page.setViewportSize({ width: 390, height: 844 });
  for (const [hash, name] of [
    ['#/jobs', 'phone-jobs'],
    ['#/models/web-news/v/1', 'phone-version'],
    ['#/train', 'phone-train'],
  ] as const) {
    await page.goto(`${s.base}/${hash}`);
    await page.locator('.page > *').first().waitFor();
    await page.waitForLoadState('networkidle');
    await assertFitsWidth(page);
    await screenshot(page, name);
  }
}
