/**
 * The dashboard on multi-label models, explanations and calibration: the real app (routes,
 * validation, CSP, the built dashboard) in-process over fakes that answer in those shapes
 * (test/web/fake-models.ts), driven by Debian's Chromium. Checks the Try page's label chips,
 * threshold and highlighted explanation (user text only ever as text), and the version page's
 * multi-label figures, per-label thresholds and ECE line.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { assertSchema } from '../api/schema-check.js';
import { MARKUP_LABEL, startFakeApi, type FakeApi } from './fake-models.js';
import { assertFitsWidth } from './flows.js';
import { CHROMIUM, ensureDashboardBuilt, launchBrowser, screenshot, type Browser } from './harness.js';

const skip = existsSync(CHROMIUM)
  ? false
  : `Debian's Chromium is not installed at ${CHROMIUM} (as root: apt-get update && apt-get install -y chromium)`;

/** Non-ASCII (an astral emoji shifts UTF-16 offsets by two, full-width letters), an overlap, and markup. */
const TEXT = `Café 😀 ＧＯＡＬ! The stock market <img src=x onerror="document.title='pwned'"> fell; market`;

let api: FakeApi | undefined;
let browser: Browser | undefined;

function page(): Page {
  assert.ok(browser);
  return browser.page;
}

function base(): string {
  assert.ok(api);
  return api.base;
}

describe('web dashboard: multi-label, explanations, calibration', { skip, timeout: 90_000 }, () => {
  before(async () => {
    ensureDashboardBuilt();
    api = await startFakeApi();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await api?.close();
  });
  it('the fakes answer in the shapes of openapi.yaml', fakesFollowTheContract);
  it('Try it: label chips and the explanation highlighted from its spans, all as text', explainedAnswer);
  it('Try it: a threshold for every label; "none of the labels"; a label that is markup', thresholds);
  it('Try it: no threshold for a single-label model; a stale one is refused readably', singleLabel);
  it('version page: micro-F1, subset accuracy, Hamming loss, thresholds, ECE', versionPages);
  it('version page: the autotune trial table, the winner marked', autotunePage);
  it('no page errors, no CSP violations, nothing wider than a phone', noFaults);
});

async function post(body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base()}/classify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function fakesFollowTheContract(): Promise<void> {
  const multi = await post({ model: 'tags', text: TEXT, explain: true });
  assert.equal(multi.status, 200);
  assertSchema(multi.body, 'ClassifyResponse');
  assert.equal((multi.body as { multiLabel?: boolean }).multiLabel, true);
  const none = await post({ model: 'tags', text: TEXT, threshold: 0.99, explain: 3 });
  assertSchema(none.body, 'ClassifyResponse');
  assert.deepEqual((none.body as { labels: unknown[] }).labels, []);
  const refused = await post({ model: 'news', text: TEXT, threshold: 0.5 });
  assert.equal(refused.status, 400);
  assertSchema(refused.body, 'Problem');
  for (const [m, v] of [
    ['tags', 1],
    ['news', 1],
  ] as const) {
    const res = await fetch(`${base()}/models/${m}/versions/${v}`);
    assertSchema(await res.json(), 'VersionDetail');
  }
}

/** Fills the Try form and submits it; waits for the answer (or the problem) to replace "Classifying…". */
async function classify(text: string, opts: { explain?: boolean; threshold?: string } = {}): Promise<void> {
  const p = page();
  await p.fill('#try-text', text);
  await p.setChecked('#try-explain', opts.explain ?? false);
  if (opts.threshold !== undefined) await p.fill('#try-threshold', opts.threshold);
  await p.click('#try-form button[type="submit"]');
  await p.locator('.result .prediction, .result .problem').waitFor();
}

/** Opens the Try page on a model once its version list is in (the threshold field depends on it). */
async function openTry(model: string, lastVersion: number): Promise<void> {
  await page().goto(`${base()}/#/try/${model}`);
  await page().locator(`#try-version option[value="${lastVersion}"]`).waitFor({ state: 'attached' });
}

/** The highlighted pieces of one label's explanation: [text, direction, term]. */
function marks(label: string): Promise<string[][]> {
  return page()
    .locator(`.explained[data-label="${label}"] .explained-text mark`)
    .evaluateAll((ms) =>
      ms.map((m) => [
        m.textContent ?? '',
        m.classList.contains('towards') ? 'towards' : 'away',
        m.getAttribute('data-term') ?? '',
      ]),
    );
}

async function explainedAnswer(): Promise<void> {
  const p = page();
  await openTry('tags', 1);
  assert.ok(await p.locator('#try-threshold').isVisible(), 'a multi-label version offers the threshold');
  await classify(TEXT, { explain: true });
  const chips = await p
    .locator('.label-chip')
    .evaluateAll((cs) => cs.map((c) => [c.getAttribute('data-label'), c.textContent]));
  assert.deepEqual(chips, [
    ['sport', 'sport91.0 %'],
    ['finance', 'finance62.0 %'],
  ]);
  assert.match(await p.locator('.prediction p').first().innerText(), /tags version 1/);
  assert.deepEqual(api?.models.calls.at(-1)?.opts, { explain: 5 }, 'explain sent, no threshold');

  // Cut at every span boundary, each piece its strongest term: "stock market" beats "market" in it.
  assert.deepEqual(await marks('sport'), [
    ['Café', 'towards', 'café'],
    ['ＧＯＡＬ', 'towards', 'goal'],
    ['stock market', 'away', 'stock market'],
    ['img', 'away', 'img'],
    ['market', 'away', 'market'],
  ]);
  assert.deepEqual(await marks('finance'), [
    ['ＧＯＡＬ', 'away', 'goal'],
    ['stock market', 'towards', 'stock market'],
    ['market', 'towards', 'market'],
  ]);
  // The whole text, once, literally: the markup in it made no element and ran nothing.
  const shown = await p.locator('.explained-text').evaluateAll((ts) => ts.map((t) => t.textContent));
  assert.deepEqual(shown, [TEXT, TEXT]);
  assert.equal(await p.locator('.result img').count(), 0);
  assert.equal(await p.title(), 'textclf dashboard');
  // The strongest term is the most intense; the terms' table per label.
  const colours = await p
    .locator('.explained[data-label="sport"] .explained-text mark')
    .evaluateAll((ms) => ms.map((m) => m.getAttribute('style') ?? ''));
  const alphas = colours.map((c) => Number(/([\d.]+)\)/.exec(c)?.[1]));
  assert.equal(Math.max(...alphas), alphas[1], `goal (|1.2|) is the strongest: ${colours}`);
  const rows = p.locator('.explained[data-label="sport"] table.terms tbody tr');
  assert.equal(await rows.count(), 5);
  assert.match(await rows.first().innerText(), /goal\s+\+1\.2\s+towards\s+1/);
  await screenshot(p, 'try-explained');
}

async function thresholds(): Promise<void> {
  const p = page();
  await classify(TEXT, { explain: true, threshold: '0.95' });
  assert.equal(await p.locator('.no-labels').innerText(), 'none of the labels');
  assert.equal(await p.locator('.label-chip').count(), 0);
  assert.match(await p.locator('.threshold-note').innerText(), /reaches 0\.95/);
  assert.match(await p.locator('.explanation').innerText(), /nothing to explain/);
  assert.deepEqual(api?.models.calls.at(-1)?.opts, { threshold: 0.95, explain: 5 });

  await classify('plain words', { threshold: '0.05' });
  const labels = await p.locator('.label-chip .chip-label').evaluateAll((cs) => cs.map((c) => c.textContent));
  assert.deepEqual(labels, ['sport', 'finance', MARKUP_LABEL], 'the markup label as text');
  assert.equal(await p.locator('.result b').count(), 0);
  assert.equal(await p.locator('.explanation').count(), 0, 'no explanation unless asked');
  await screenshot(p, 'try-threshold');
}

async function singleLabel(): Promise<void> {
  const p = page();
  await openTry('news', 1);
  assert.ok(await p.locator('#try-threshold').isHidden(), 'no threshold for a single-label model');
  await classify(TEXT, { explain: true });
  assert.equal(await p.locator('.predicted-label').innerText(), 'sport');
  assert.deepEqual(api?.models.calls.at(-1)?.opts, { explain: 5 });
  assert.deepEqual(await marks('sport'), [
    ['Café', 'towards', 'café'],
    ['ＧＯＡＬ', 'towards', 'goal'],
    ['stock market', 'away', 'stock market'],
    ['img', 'away', 'img'],
    ['market', 'away', 'market'],
  ]);

  // `mixed`: latest is multi-label when the page lists it, then moves to a single-label version.
  await openTry('mixed', 2);
  assert.ok(await p.locator('#try-threshold').isVisible());
  api?.models.moveLatest('mixed', 2);
  await classify('a text', { threshold: '0.4' });
  const problem = p.locator('.problem');
  assert.match(await problem.innerText(), /\(400 INVALID_REQUEST\)/);
  assert.match(await problem.locator('.problem-errors').innerText(), /\/body\/threshold .*single-label/);
  assert.ok(await p.locator('#try-threshold').isHidden(), 'the refused threshold is no longer offered');
  await classify('a text');
  assert.match(await p.locator('.prediction p').first().innerText(), /mixed version 2/);
}

/** The facts' values by their names. */
async function facts(): Promise<Record<string, string>> {
  const pairs = await page()
    .locator('.facts > div[data-fact]')
    .evaluateAll((ds) => ds.map((d) => [d.getAttribute('data-fact'), d.querySelector('dd')?.textContent]));
  return Object.fromEntries(pairs);
}

async function autotunePage(): Promise<void> {
  const p = page();
  await p.goto(`${base()}/#/models/news/v/1`);
  await p.locator('table.autotune-trials').waitFor();
  const rows = await p
    .locator('table.autotune-trials tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  assert.deepEqual(rows, [
    ['c0r0', 'defaults', 'done', '0.9', '12', '9.5 s', 'a:1'],
    ['c1r0', 'learningRate 0.0025', 'done', '0.95', '20', '14 s', 'b:2'],
    ['c1r1', 'learningRate 0.0025', 'done (at deadline)', '0.95', '3', '3 s', 'a:1'],
  ]);
  assert.equal(await p.locator('table.autotune-trials strong').count(), 2, 'the winner in bold');
  assert.match(
    await p.locator('.autotune-summary').innerText(),
    /3 trials in 31\.5 s \(budget 120 s, up to 3 splits each\); best: learningRate 0\.0025, accuracy 0\.95/,
  );
}

async function versionPages(): Promise<void> {
  const p = page();
  await p.goto(`${base()}/#/models/tags/v/1`);
  await p.locator('table.per-label').waitFor();
  const f = await facts();
  assert.equal(f['Micro-F1'], '0.812');
  assert.equal(f['Macro-F1'], '0.746');
  assert.equal(f['Subset accuracy'], '62.5 %');
  assert.equal(f['Hamming loss'], '0.139');
  assert.equal(f['Calibration'], 'ECE 0.081 → 0.023 (platt)');
  assert.equal(f['Accuracy'], undefined, 'subset accuracy, not a single-label accuracy');
  const rows = await p
    .locator('table.per-label tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  assert.deepEqual(
    rows.map((r) => [r[0], r[5]]),
    [
      ['sport', '0.5'],
      ['finance', '0.45'],
      [MARKUP_LABEL, '0.3'],
    ],
  );
  assert.deepEqual(await p.locator('table.per-label thead th').allInnerTexts(), [
    'Label',
    'Precision',
    'Recall',
    'F1',
    'Support',
    'Threshold',
  ]);
  assert.equal(await p.locator('table.heatmap').count(), 0, 'no confusion matrix for multi-label');
  assert.equal(await p.locator('table.per-class').count(), 0);
  await screenshot(p, 'version-multi-label');

  await p.goto(`${base()}/#/models/news/v/1`);
  await p.locator('table.heatmap').waitFor();
  const g = await facts();
  assert.equal(g['Calibration'], 'ECE 0.12 → 0.031 (temperature, T = 1.45)');
  assert.equal(g['Accuracy'], '90.0 %');
  assert.equal(g['Micro-F1'], undefined);
  assert.equal(await p.locator('table.per-class tbody tr').count(), 2);

  await p.goto(`${base()}/#/models/mixed/compare/1/2`);
  await p.locator('table.delta').waitFor();
  const delta = await p.locator('table.delta').innerText();
  assert.match(delta, /Micro-F1\s+0\.812\s+–/);
  assert.match(delta, /ECE \(calibrated\)\s+0\.023\s+0\.031\s+\+0\.008/);
  assert.equal(await p.locator('.side-by-side table.per-label').count(), 1);
  assert.equal(await p.locator('.side-by-side table.heatmap').count(), 1);
}

async function noFaults(): Promise<void> {
  const p = page();
  await p.setViewportSize({ width: 390, height: 844 });
  await openTry('tags', 1);
  await classify(TEXT, { explain: true });
  await assertFitsWidth(p);
  await screenshot(p, 'phone-try-explained');
  assert.deepEqual(browser?.faults, [], 'no page errors, no CSP violations');
}
