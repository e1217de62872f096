/**
 * What the dashboard's browser test needs around the page: the built dashboard, the real service as
 * a process of its own, and Debian's Chromium driven by playwright-core (never a downloaded browser).
 */
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { freePort } from '../../src/redis/index.js';
import { startMain } from '../helpers/main-process.js';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/services.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'web');

/** Newest modification time of the files under `dir` (the build's inputs). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'dist' || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Runs `npm run build:web` when web/dist is missing or older than its sources (a stale build tests old code). */
export function ensureDashboardBuilt(): void {
  const index = join(ROOT, 'web', 'dist', 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newest(join(ROOT, 'web'))) return;
  const r = spawnSync('npm', ['run', '-s', 'build:web'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `npm run build:web failed:\n${r.stdout}\n${r.stderr}`);
}

export interface Service {
  base: string;
  prefix: string;
  child: ChildProcess;
  log: () => string;
  stop(): Promise<void>;
}

/** `src/main.ts` with ROLE=all (API plus one training worker) on the test Redis and a fresh prefix. */
export async function startService(env: Record<string, string> = {}): Promise<Service> {
  const port = await freePort();
  const prefix = uniquePrefix('web');
  const { child, log } = startMain({
    ROLE: 'all',
    PORT: String(port),
    REDIS_URL: await testRedisUrl(),
    REDIS_PREFIX: prefix,
    SHUTDOWN_GRACE_MS: '2000',
    ...env,
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      assert.equal(child.exitCode, null, `the service exited:\n${log()}`);
      return fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
    },
    60_000,
    'the service to be ready',
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(timer);
  };
  return { base, prefix, child, log, stop };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and CSP violations seen so far (both must stay empty). */
  faults: string[];
  close(): Promise<void>;
}

/**
 * Debian's Chromium, headless, in a fresh profile (playwright passes it as `--user-data-dir`), with
 * nothing that phones home. CSP violations are recorded from inside the page.
 */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'textclf-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
  });
  const faults: string[] = [];
  // Page code as a string: the tests' tsconfig has no DOM types.
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) =>
      console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));`,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => faults.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.text().startsWith('CSP violation')) faults.push(m.text());
  });
  page.setDefaultTimeout(15_000);
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, page, faults, close };
}

/** A full-page screenshot under test-artifacts/web/ (not committed). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
