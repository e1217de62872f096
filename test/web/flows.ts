/**
 * The dashboard as a person uses it, one step per function: each drives the page through its
 * visible controls and checks what it shows.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { screenshot } from './harness.js';

const SPORT = [
  'the striker scored a late goal',
  'a penalty won the cup final',
  'the keeper saved two shots',
  'fans cheered the winning team',
  'the coach praised his players',
  'a hat trick in the derby',
  'the league title race is close',
  'the referee showed a red card',
  'the midfielder signed a new deal',
  'the club won the match away',
];
const TECH = [
  'the new chip speeds up phones',
  'a software update fixes bugs',
  'the laptop battery lasts longer',
  'engineers built a faster server',
  'the app now syncs your photos',
  'a browser release adds privacy tools',
  'the startup ships a cloud database',
  'developers compile code with less memory',
  'the tablet screen is brighter',
  'a security patch closes the flaw',
];

/** 20 rows, two labels, with a quoted field holding a comma (real CSV, not split on commas). */
export function newsCsv(): Buffer {
  const rows = [...SPORT.map((t) => [t, 'sport']), ...TECH.map((t) => [t, 'tech'])];
  rows[0] = ['"the striker, unmarked, scored a late goal"', 'sport'];
  return Buffer.from(`text,label\n${rows.map((r) => r.join(',')).join('\n')}\n`);
}

export function newsJsonl(): Buffer {
  const rows = [
    ...SPORT.map((text) => ({ text, label: 'sport' })),
    ...TECH.map((text) => ({ text, label: 'tech' })),
  ];
  return Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

/** Many documents (random mixes of each label's sentences), so 500 epochs outlast a click on Cancel. */
export function bigJsonl(count = 2000): Buffer {
  const words = (texts: string[]) => texts.join(' ').split(' ');
  const pools = { sport: words(SPORT), tech: words(TECH) };
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const label = i % 2 ? 'sport' : 'tech';
    const pool = pools[label];
    const text = Array.from({ length: 12 }, () => pool[Math.floor(next() * pool.length)]).join(' ');
    lines.push(JSON.stringify({ text, label }));
  }
  return Buffer.from(lines.join('\n') + '\n');
}

export interface Upload {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/**
 * Train page: choose the file, name the model, set small options, submit; the page goes to the
 * job, whose event stream must carry it to `succeeded`. Returns the job id.
 */
export async function trainThroughPage(
  page: Page,
  file: Upload,
  model: string,
  seed: number,
  shot?: string,
): Promise<string> {
  await page.click('nav a[data-route="train"]');
  await page.setInputFiles('#train-file', file);
  await page.fill('#train-model', model);
  await page.click('details summary');
  await page.fill('#opt-epochs', '8');
  await page.fill('#opt-hiddenUnits', '8');
  await page.fill('#opt-validationSplit', '0.2');
  await page.fill('#opt-seed', String(seed));
  if (shot) await screenshot(page, shot);
  await page.click('#train-form button[type="submit"]');
  await page.waitForURL(/#\/jobs\/[^/]+$/);
  const jobId = decodeURIComponent(new URL(page.url()).hash.replace('#/jobs/', ''));
  // The job page learns of the end only from the SSE stream (it does not poll).
  await page.locator('.job-summary [data-status="succeeded"]').waitFor({ timeout: 40_000 });
  await page.locator('.version-link').waitFor();
  assert.match(await page.locator('.metrics-line').innerText(), /loss \d/);
  return jobId;
}

/**
 * A long job: its progress bar and curves move while it runs (two epochs seen through the stream),
 * then Cancel stops it.
 */
export async function cancelThroughPage(page: Page, file: Upload, model: string): Promise<void> {
  await page.click('nav a[data-route="train"]');
  await page.setInputFiles('#train-file', file);
  await page.fill('#train-model', model);
  await page.click('details summary');
  await page.fill('#opt-epochs', '500');
  await page.fill('#opt-validationSplit', '0');
  await page.click('#train-form button[type="submit"]');
  await page.waitForURL(/#\/jobs\/[^/]+$/);
  await page.locator('.job-progress [role="progressbar"]').waitFor();
  // "refit 2/500: loss …": the second epoch's report came through the stream.
  await page.locator('.metrics-line', { hasText: / ([2-9]|[1-9]\d+)\/\d+:/ }).waitFor({ timeout: 30_000 });
  await screenshot(page, 'job-running');
  await page.getByRole('button', { name: 'Cancel job' }).click();
  await page.locator('.job-summary [data-status="cancelled"]').waitFor();
}

/** Version page: facts, per-class table and the confusion matrix (2 × 2 cells for two labels). */
export async function checkVersionPage(page: Page): Promise<void> {
  await page.locator('.version-link').first().click();
  await page.locator('table.heatmap').waitFor();
  assert.equal(await page.locator('table.heatmap tbody td').count(), 4);
  const counts = await page
    .locator('table.heatmap tbody td')
    .evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-count'))));
  assert.ok(counts.reduce((a, b) => a + b, 0) > 0, `the matrix counts the validation documents: ${counts}`);
  assert.equal(await page.locator('table.per-class tbody tr').count(), 2);
  assert.match(await page.locator('.facts').first().innerText(), /Accuracy/);
}

/** Models → the model → its versions; returns each row's version and whether it is latest. */
export async function openVersions(
  page: Page,
  model: string,
): Promise<{ version: number; latest: boolean }[]> {
  await page.click('nav a[data-route="models"]');
  await page.locator('a.model-link', { hasText: model }).click();
  await page.locator('table.versions').waitFor();
  return page.locator('table.versions tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({
      version: Number(tr.querySelector('.version-link')?.textContent?.slice(1)),
      latest: tr.querySelector('.latest-badge') !== null,
    })),
  );
}

/** The row of one version in the versions table. */
export function versionRow(page: Page, version: number) {
  return page.locator('table.versions tbody tr', {
    has: page.locator(`a.version-link:text-is("v${version}")`),
  });
}

/** Ticks two versions and opens the side-by-side comparison. */
export async function compareVersions(page: Page, a: number, b: number): Promise<void> {
  await versionRow(page, a).locator('input[type="checkbox"]').check();
  await versionRow(page, b).locator('input[type="checkbox"]').check();
  await page.getByRole('button', { name: 'Compare the two selected' }).click();
  await page.locator('.side-by-side section.version').nth(1).waitFor();
  assert.equal(await page.locator('.side-by-side table.heatmap').count(), 2);
  assert.match(await page.locator('table.delta').innerText(), /Accuracy/);
}

/** Rolls back: makes `version` latest from the versions table. */
export async function makeLatest(page: Page, version: number): Promise<void> {
  await versionRow(page, version).locator('button.make-latest').click();
  await versionRow(page, version).locator('.latest-badge').waitFor();
}

/** Try it: classifies a sentence; returns the label and the version that answered. */
export async function classifyThroughPage(page: Page, model: string, text: string) {
  await page.click('nav a[data-route="try"]');
  await page.fill('#try-model', model);
  await page.fill('#try-text', text);
  await page.click('#try-form button[type="submit"]');
  // The first request for a model waits for its load (threads started, weights warmed), which on a
  // loaded 2-core CI machine can take longer than a click's usual timeout; a problem ends it at once.
  const answer = page.locator('.prediction, .result .problem').first();
  await answer.waitFor({ timeout: 60_000 }).catch(async (e: unknown) => {
    throw new Error(`no answer on the Try page: "${await page.locator('.result').innerText()}"`, {
      cause: e,
    });
  });
  assert.equal(await page.locator('.result .problem').count(), 0, await page.locator('.result').innerText());
  const label = await page.locator('.predicted-label').innerText();
  const line = await page.locator('.prediction p').first().innerText();
  const version = Number(/version (\d+)/.exec(line)?.[1]);
  assert.equal(await page.locator('.scores li').count(), 2, 'one probability bar per label');
  return { label, version };
}

/** Deletes a version with the two-click button; its row goes away. */
export async function deleteVersion(page: Page, version: number): Promise<void> {
  const button = versionRow(page, version).locator('button.delete-version');
  await button.click();
  await button.click();
  await versionRow(page, version).waitFor({ state: 'detached' });
}

/** No horizontal scrolling of the page itself at phone width (tables scroll inside their boxes). */
export async function assertFitsWidth(page: Page): Promise<void> {
  // A string runs in the page: the tests' tsconfig has no DOM types.
  const { scroll, width } = await page.evaluate<{ scroll: number; width: number }>(
    '({ scroll: document.documentElement.scrollWidth, width: window.innerWidth })',
  );
  assert.ok(scroll <= width + 1, `page is ${scroll}px wide in a ${width}px viewport`);
}
