import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import { backends } from '../helpers/backends.js';
import { startTestServer } from '../helpers/server.js';
import { assertAccessible, chromiumSkip, focusedName, launchChromium, tabTo, watch } from './browser.js';

/**
 * The dashboard in a real browser against a real server: an operator logs in with a key,
 * creates the NAS-Bench-201 space from the shipped example, creates and starts an
 * experiment, watches trials and the best-so-far curve arrive without a reload, pauses
 * and resumes it, opens a trial and sees its cell; a viewer sees no action buttons and is
 * refused anyway; every page passes axe-core, and the main flows work from the keyboard.
 */

const NAME = 'nb201 live';
const EDGE = /^\|(.+)\|$/;

/** `|nor_conv_3x3~0|+|skip_connect~0|none~1|+…` → "from>to" → op, the way the benchmark numbers its edges. */
function edgesOfLabel(label: string): Map<string, string> {
  const edges = new Map<string, string>();
  label.split('+').forEach((node, i) => {
    const inner = EDGE.exec(node)?.[1] ?? '';
    for (const edge of inner.split('|')) {
      const [op, from] = edge.split('~');
      edges.set(`${from}>${i + 1}`, op!);
    }
  });
  return edges;
}

async function rewardChart(page: Page): Promise<{ trials: number; best: string }> {
  const label = (await page.locator('#rewards figure').getAttribute('aria-label')) ?? '';
  const found = /Reward of (\d+) trials by sequence; best so far (.+)$/.exec(label);
  assert.ok(found, `reward chart label: ${label}`);
  return { trials: Number(found[1]), best: found[2]! };
}

async function totalTrials(page: Page): Promise<number> {
  const text = (await page.locator('#trials-count').textContent()) ?? '';
  const found = /· (\d+) trials/.exec(text);
  assert.ok(found, `trials count: ${text}`);
  return Number(found[1]);
}

/** Waits for a condition on the page; on a time-out the page is kept as a screenshot, for the failure message. */
async function until(page: Page, what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const shot = join(tmpdir(), `graphnas-dashboard-${Date.now()}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      assert.fail(`timed out waiting for ${what} (the page: ${shot})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the dashboard in Chromium', { skip: chromiumSkip() ?? false }, async () => {
  const [pglite] = await backends();
  let server: RunningServer;
  let origin: string;
  let browser: Browser;
  let operator: string;
  let viewer: string;
  let experimentUrl = '';
  const contexts: BrowserContext[] = [];

  async function open(): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return { page, problems: watch(page, origin).problems };
  }

  async function logIn(page: Page, key: string): Promise<void> {
    await page.goto(origin);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('role').waitFor();
  }

  before(async () => {
    server = await startTestServer(pglite!.config());
    origin = new URL(server.url).origin;
    operator = (await server.services.keys.create({ name: 'ops', role: 'operator', project: null }, 'test')).token;
    viewer = (await server.services.keys.create({ name: 'watcher', role: 'viewer', project: null }, 'test')).token;
    browser = await launchChromium();
  });
  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.close();
  });

  test('an operator logs in, creates a space from an example, starts an experiment and watches it live', async () => {
    const { page, problems } = await open();
    await page.goto(origin);
    await assertAccessible(page, 'the login page');
    await page.getByLabel('API key').fill('gnk_not-a-key');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'refused' }).waitFor();
    await page.getByLabel('API key').fill(operator);
    await page.getByRole('button', { name: 'Log in' }).click();
    assert.equal(await page.getByTestId('role').textContent(), 'operator');

    await page.getByRole('link', { name: 'Search spaces' }).click();
    await page.getByLabel('Load an example').selectOption('nb201-cell.json');
    await page.getByTestId('space-check').filter({ hasText: 'Valid' }).waitFor();
    assert.equal(await page.getByTestId('decision-count').textContent(), '6');
    assert.equal(await page.getByTestId('cardinality').textContent(), '15,625');
    await assertAccessible(page, 'the search-space editor');
    await page.getByRole('button', { name: 'Create search space' }).click();
    await page.getByRole('link', { name: 'Create an experiment on it' }).click();

    await page.getByLabel('Start from an example').selectOption('nb201-reinforce.json');
    await page.getByLabel('Name', { exact: true }).fill(NAME);
    // One trial at a time and a budget it cannot spend before the test has paused it.
    await page.getByLabel('Max trials').fill('300');
    await page.getByLabel('In parallel').fill('1');
    await assertAccessible(page, 'the new-experiment form');
    await page.getByRole('button', { name: 'Create and start' }).click();
    await page.waitForURL(/\/experiments\/[0-9a-f-]{36}$/);
    experimentUrl = page.url();
    await page.evaluate('window.__sameDocument = true');

    await until(page, 'three trials in the table', async () => (await page.locator('[data-testid=trials-table] tbody tr').count()) >= 3);
    const early = await rewardChart(page);
    await until(page, 'the best-so-far curve to grow', async () => (await rewardChart(page)).trials > early.trials + 5);
    assert.notEqual((await rewardChart(page)).best, 'none yet');
    assert.equal(await page.locator('h1 .badge').textContent(), 'running');
    await assertAccessible(page, 'a running experiment');

    await page.getByRole('button', { name: `Pause ${NAME}` }).click();
    await until(page, 'the paused badge', async () => (await page.locator('h1 .badge').textContent()) === 'paused');
    // The trial in flight finishes; after that nothing new may arrive.
    await until(page, 'the last running trial to finish', async () => (await page.locator('tbody tr[data-status=RUNNING], tbody tr[data-status=PENDING]').count()) === 0);
    const paused = await totalTrials(page);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(await totalTrials(page), paused, 'no trial starts while paused');

    await page.getByRole('button', { name: `Resume ${NAME}` }).click();
    await until(page, 'the running badge', async () => (await page.locator('h1 .badge').textContent()) === 'running');
    await until(page, 'trials to arrive again', async () => (await totalTrials(page)) > paused + 3);
    assert.equal(await page.evaluate('window.__sameDocument'), true, 'all of it arrived without a reload');
    assert.deepEqual(problems, []);
  });

  test('a trial shows its cell as a DAG with the operations of its label', async () => {
    const { page, problems } = await open();
    await logIn(page, operator);
    await page.goto(experimentUrl);
    await page.locator('[data-testid=trials-table] tbody tr[data-status=SUCCEEDED] a').first().click();
    await page.waitForURL(/\/trials\//);
    const graph = page.getByTestId('cell-graph');
    await graph.waitFor();
    const label = ((await page.locator('.label-line').textContent()) ?? '').trim();
    const drawn: [string, string][] = [];
    for (const edge of await graph.locator('.cell-edge').all()) {
      drawn.push([`${await edge.getAttribute('data-from')}>${await edge.getAttribute('data-to')}`, (await edge.getAttribute('data-op')) ?? '']);
    }
    assert.equal(drawn.length, 6);
    assert.deepEqual(new Map(drawn), edgesOfLabel(label));
    assert.notEqual(await page.getByTestId('trial-reward').textContent(), '—');
    await assertAccessible(page, 'a trial');
    assert.deepEqual(problems, []);
  });

  test('the main flows work from the keyboard', async () => {
    const { page, problems } = await open();
    await page.goto(origin);
    await tabTo(page, /^$/);
    assert.equal(await page.evaluate('document.activeElement.id'), 'api-key');
    await page.keyboard.type(operator);
    await page.keyboard.press('Enter');
    await page.getByTestId('role').waitFor();

    await tabTo(page, /^Skip to content$/, 1);
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate('document.activeElement.id'), 'main');
    await tabTo(page, new RegExp(`^${NAME}$`));
    await page.keyboard.press('Enter');
    await page.waitForURL(experimentUrl);
    await page.locator('h1 .badge').waitFor();

    await tabTo(page, new RegExp(`^Cancel ${NAME}$`));
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    assert.match(await focusedName(page), /^Keep it$/, 'the dialog takes the focus');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await focusedName(page), `Cancel ${NAME}`, 'closing the dialog gives the focus back');
    assert.notEqual(await page.locator('h1 .badge').textContent(), 'cancelled');
    assert.deepEqual(problems, []);
  });

  test('a viewer sees everything and no action, and the API refuses its mutations anyway', async () => {
    const { page, problems } = await open();
    await logIn(page, viewer);
    assert.equal(await page.getByTestId('role').textContent(), 'viewer');
    await page.getByTestId('experiments-table').waitFor();
    await assertAccessible(page, 'the experiments list');
    const actions = page.getByRole('button', { name: /^(Start|Pause|Resume|Cancel|Delete) / });
    assert.equal(await actions.count(), 0);
    assert.equal(await page.getByRole('link', { name: 'New experiment' }).count(), 0);
    await page.getByRole('link', { name: NAME }).click();
    await page.getByTestId('trials-table').locator('tbody tr').first().waitFor();
    assert.equal(await actions.count(), 0);
    await page.getByRole('link', { name: 'Search spaces' }).click();
    await page.getByTestId('space-list').locator('li').first().waitFor();
    assert.equal(await page.getByRole('button', { name: /^(Create search space|Delete)/ }).count(), 0);

    const id = experimentUrl.slice(experimentUrl.lastIndexOf('/') + 1);
    const refused = await page.evaluate(
      async ({ id, key }) => {
        const response = await fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query: 'mutation($id: ID!) { pauseExperiment(id: $id) { status } }', variables: { id } }),
        });
        const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
        const read = await fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query: 'query($id: ID!) { experiment(id: $id) { status } }', variables: { id } }),
        });
        const state = (await read.json()) as { data: { experiment: { status: string } } };
        return { code: body.errors?.[0]?.extensions?.code, status: state.data.experiment.status };
      },
      { id, key: viewer },
    );
    assert.equal(refused.code, 'FORBIDDEN');
    // Chromium logs the refused request's 403 as an error: the one this test asked for.
    assert.deepEqual(problems.splice(0), ['console error: Failed to load resource: the server responded with a status of 403 (Forbidden)']);
    assert.equal(refused.status, 'RUNNING', 'the refused pause changed nothing');
    assert.deepEqual(problems, []);
  });

  test('cancelling asks first, then cancels', async () => {
    const { page, problems } = await open();
    await logIn(page, operator);
    await page.goto(experimentUrl);
    await page.getByRole('button', { name: `Cancel ${NAME}` }).click();
    await assertAccessible(page, 'the confirmation dialog');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel the experiment' }).click();
    await until(page, 'the cancelled badge', async () => (await page.locator('h1 .badge').textContent()) === 'cancelled');
    await page.getByRole('button', { name: `Delete ${NAME}` }).waitFor();
    assert.deepEqual(problems, []);
  });
});
