import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from '../helpers/fixtures.js';

/**
 * Debian's Chromium, driven by playwright-core (which never downloads a browser of its
 * own). Where it is missing the browser tests are skipped with a loud line, unless
 * GRAPHNAS_REQUIRE_CHROMIUM=1 (CI, which installs it) makes its absence a failure.
 */
export const CHROMIUM = process.env.GRAPHNAS_CHROMIUM || '/usr/bin/chromium';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

/** Why the browser tests cannot run here, or null when they can. */
export function chromiumSkip(): string | null {
  if (!existsSync(join(ROOT, 'dist', 'dashboard', 'index.html'))) {
    throw new Error('the dashboard is not built (dist/dashboard/index.html): npm test runs npm run build, which builds it');
  }
  if (existsSync(CHROMIUM)) return null;
  const message = `Chromium is not at ${CHROMIUM} (apt-get install chromium, or set GRAPHNAS_CHROMIUM)`;
  if (process.env.GRAPHNAS_REQUIRE_CHROMIUM === '1') throw new Error(`${message}; GRAPHNAS_REQUIRE_CHROMIUM=1 makes the browser tests mandatory`);
  console.warn(`\n!!!!! ${message}: SKIPPING the dashboard's browser tests !!!!!\n`);
  return message;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/**
 * Collects what must never happen on a page: uncaught errors, console errors (a refused
 * Content-Security-Policy shows there) and requests that leave the server (the dashboard
 * works offline, so anything else is a CDN or a leak).
 */
export function watch(page: Page, origin: string): { readonly problems: string[] } {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // A page opened without a key asks who it is and is told 401: that is how it knows to show the login.
    if (message.type() === 'error' && !message.text().includes('status of 401 (Unauthorized)')) problems.push(`console error: ${message.text()}`);
  });
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith(origin.replace(/^http/, 'ws')) && !url.startsWith('data:')) problems.push(`request off the server: ${url}`);
  });
  return { problems };
}

/** axe-core over the page as it stands: no serious or critical violation of WCAG 2.1 A/AA. */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  assert.deepEqual(bad, [], `accessibility of ${what}`);
}

/** Presses Tab until the focused element's accessible text matches, as a keyboard user would. */
export async function tabTo(page: Page, name: RegExp, maxPresses = 60): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < maxPresses; i += 1) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate<string>('(() => { const e = document.activeElement; return e ? (e.getAttribute("aria-label") || e.textContent || "").trim() : ""; })()');
    if (name.test(focused)) return;
    seen.push(focused);
  }
  assert.fail(`no focusable element named ${name} within ${maxPresses} presses of Tab; focus went through: ${seen.join(' → ')}`);
}

/** The accessible name of the focused element. */
export function focusedName(page: Page): Promise<string> {
  return page.evaluate<string>('(() => { const e = document.activeElement; return e ? (e.getAttribute("aria-label") || e.textContent || "").trim() : ""; })()');
}
