/**
 * Screenshots of every dashboard page with a real bbc-news model: `npx tsx scripts/dashboard-screenshots.ts`.
 * Starts the service (`ROLE=all`, a private Redis under a temporary DATA_DIR), trains bbc-news twice
 * through the API (two versions), watches a third job run, and saves one full-page PNG per page under
 * `test-artifacts/bbc/` (not committed). Needs Debian's Chromium at /usr/bin/chromium and the
 * dashboard built (`npm run build:web`). DATASETS_DIR as for the benches.
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { freePort } from '../src/redis/index.js';
import { startMain } from '../test/helpers/main-process.js';

const root = join(import.meta.dirname, '..');
const data = process.env.DATASETS_DIR ?? join(root, '..', 'shared', 'datasets');
const out = join(root, 'test-artifacts', 'bbc');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function train(base: string, query: string): Promise<string> {
  const body = readFileSync(join(data, 'bbc-news', 'train.jsonl'));
  const r = await fetch(`${base}/train?model=bbc&${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body,
  });
  const job = (await r.json()) as { jobId?: string };
  if (!job.jobId) throw new Error(`POST /train: ${r.status} ${JSON.stringify(job)}`);
  return job.jobId;
}

async function finished(base: string, jobId: string): Promise<void> {
  for (;;) {
    const job = (await (await fetch(`${base}/jobs/${jobId}`)).json()) as { status: string };
    if (['succeeded', 'failed', 'cancelled'].includes(job.status)) return;
    await sleep(1000);
  }
}

async function shot(page: Page, base: string, hash: string, name: string, waitFor: string): Promise<void> {
  await page.goto(`${base}/${hash}`);
  await page.waitForSelector(waitFor, { timeout: 30_000 });
  await sleep(800); // charts and bars settle
  await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
  process.stdout.write(`${join(out, `${name}.png`)}\n`);
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'textclf-shots-'));
  const { child } = startMain({ ROLE: 'all', PORT: String(port), DATA_DIR: dir, TEXTCLF_BACKEND: 'wasm' });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
    ],
  });
  try {
    for (;;) if ((await fetch(`${base}/readyz`).catch(() => undefined))?.ok) break;
    await finished(base, await train(base, 'seed=1'));
    await finished(base, await train(base, 'seed=2&hiddenUnits=16'));
    const running = await train(base, 'seed=3&epochs=60&validationSplit=0');
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/#/jobs/${running}`);
    await sleep(12_000); // the curves draw from the epochs that arrive while the page is open
    await page.screenshot({ path: join(out, 'job-running.png'), fullPage: true });
    process.stdout.write(`${join(out, 'job-running.png')}\n`);
    await shot(page, base, '#/jobs', 'jobs', 'table');
    await shot(page, base, '#/models', 'models', 'table');
    await shot(page, base, '#/models/bbc', 'versions', 'table');
    await shot(page, base, '#/models/bbc/v/2', 'version', 'table');
    await shot(page, base, '#/models/bbc/compare/1/2', 'compare', 'table');
    await shot(page, base, '#/train', 'train', 'form');
    await page.goto(`${base}/#/try/bbc`);
    await sleep(1500); // the version list loads, and the form is drawn again with it
    await page.fill('textarea', 'The striker scored twice as the champions won the cup final at Wembley.');
    await page.getByRole('button', { name: 'Classify' }).click();
    await page.getByText('sport').first().waitFor();
    await sleep(1000);
    await page.screenshot({ path: join(out, 'try-it.png'), fullPage: true });
    process.stdout.write(`${join(out, 'try-it.png')}\n`);
    await page.goto(`${base}/queues`);
    await sleep(2500);
    await page.screenshot({ path: join(out, 'queues.png'), fullPage: true });
    process.stdout.write(`${join(out, 'queues.png')}\n`);
  } finally {
    await browser.close();
    child.kill('SIGTERM');
  }
}

await main();
