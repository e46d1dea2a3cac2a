import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server.js';
import type { FinalizationData } from '../../web/src/api/documents.js';
import { FINALIZATION } from '../../web/src/api/documents.js';
import { backends } from '../helpers/backends.js';
import { FINALIST_SPACE, NB201_SPACE, syntheticTrainer } from '../helpers/fixtures.js';
import { gqlOk, type As } from '../helpers/graphql-client.js';
import { startTestServer } from '../helpers/server.js';
import { assertAccessible, chromiumSkip, launchChromium, watch } from './browser.js';

/**
 * The finalists beside the search, in a real browser against a real server: an operator
 * finalizes a finished tabular search from the Finalists tab (the table's test column, in
 * milliseconds) and sees the finalists against their proxy rewards, the winner and
 * Spearman's rho, as the API has them, arrive without a reload; a viewer sees the same
 * and no action. Then real TensorFlow.js finalists on a small synthetic image set train
 * live (curves, a spread over seeds) and the winner's model downloads with the key.
 */

/** Waits for a condition on the page; on a time-out the page is kept as a screenshot, for the failure message. */
async function until(page: Page, what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const shot = join(tmpdir(), `graphnas-finalists-${Date.now()}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      assert.fail(`timed out waiting for ${what} (the page: ${shot})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A space and an experiment on it, started, with the operator's key (once keys exist, none is refused). */
async function startSearch(url: string, as: As, input: Record<string, unknown>, definition: unknown): Promise<string> {
  const space = await gqlOk<{ createSearchSpace: { id: string } }>(url, `mutation($d: JSON!) { createSearchSpace(input: { name: "finalists", definition: $d }) { id } }`, { d: definition }, as);
  const created = await gqlOk<{ createExperiment: { id: string } }>(
    url,
    `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`,
    { input: { ...input, searchSpaceId: space.createSearchSpace.id } },
    as,
  );
  const id = created.createExperiment.id;
  await gqlOk(url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id }, as);
  await waitForSearch(url, id, as);
  return id;
}

async function waitForSearch(url: string, id: string, as: As): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { experiment } = await gqlOk<{ experiment: { status: string } }>(url, `query($id: ID!) { experiment(id: $id) { status } }`, { id }, as);
    if (experiment.status === 'SUCCEEDED') return;
    assert.ok(['CREATED', 'RUNNING'].includes(experiment.status), `the search ended ${experiment.status}`);
    if (Date.now() > deadline) assert.fail(`the search is still ${experiment.status} after 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

const statusOf = (page: Page): Promise<string | null> => page.getByTestId('finalization-status').getAttribute('data-status');

/** The finalists table as shown: rank, winner mark, architecture, proxy reward, validation, test, trainings. */
async function shownRows(page: Page): Promise<{ rank: string | null; winner: string | null; cells: string[] }[]> {
  const rows = [];
  for (const row of await page.getByTestId('finalist').all()) {
    const cells = await row.locator('td').allTextContents();
    rows.push({ rank: await row.getAttribute('data-rank'), winner: await row.getAttribute('data-winner'), cells: cells.map((c) => c.trim()) });
  }
  return rows;
}

/** How the page writes a reward (formatReward): four decimals. */
const four = (x: number): string => x.toFixed(4);

const LAYERS_SPACE = FINALIST_SPACE;
const TFJS = syntheticTrainer();

describe('the finalists in Chromium', { skip: chromiumSkip() ?? false }, async () => {
  const [pglite] = await backends();
  let server: RunningServer;
  let origin: string;
  let browser: Browser;
  let operator: As;
  let viewer: string;
  let tabular = '';
  const contexts: BrowserContext[] = [];

  async function open(key: string, path: string): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const { problems } = watch(page, origin);
    await page.goto(origin);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('role').waitFor();
    await page.goto(`${origin}${path}`);
    return { page, problems };
  }

  before(async () => {
    server = await startTestServer(pglite!.config());
    origin = new URL(server.url).origin;
    operator = { token: (await server.services.keys.create({ name: 'ops', role: 'operator', project: null }, 'test')).token };
    viewer = (await server.services.keys.create({ name: 'watcher', role: 'viewer', project: null }, 'test')).token;
    browser = await launchChromium();
  });
  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.close();
  });

  test('an operator finalizes a finished tabular search and sees the finalists, the winner and the proxy check', async () => {
    tabular = await startSearch(server.url, operator, { name: 'tabular finalize', strategy: { type: 'random' }, evaluator: { type: 'tabular' }, budget: { maxTrials: 30, parallelTrials: 3 }, seed: 5 }, NB201_SPACE());

    const { page, problems } = await open(operator.token!, `/experiments/${tabular}`);
    await page.locator('[data-testid=trials-table] tbody tr').first().waitFor();
    const tab = page.getByRole('tab', { name: /^Finalists/ });
    // The ARIA tabs pattern: the arrow keys move between the views.
    await page.getByRole('tab', { name: 'Search' }).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await tab.getAttribute('aria-selected'), 'true');
    assert.match(page.url(), /\?view=finalists$/, 'a reload or a shared link lands on the finalists');
    await page.evaluate('window.__sameDocument = true');
    await until(page, 'the finalization state', async () => (await statusOf(page)) === 'NONE');

    await page.getByRole('button', { name: 'Finalize…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    assert.equal(await dialog.getByLabel('Seeds each').inputValue(), '1', 'a table has one value per architecture');
    await dialog.getByLabel('Finalists', { exact: true }).fill('0');
    await dialog.getByRole('button', { name: 'Finalize', exact: true }).click();
    await dialog.getByText('a whole number from 1 to 50').waitFor();
    await assertAccessible(page, 'the finalize dialog with a problem');
    await dialog.getByLabel('Finalists', { exact: true }).fill('4');
    await dialog.getByRole('button', { name: 'Finalize', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });

    await until(page, 'the finalization to succeed', async () => (await statusOf(page)) === 'SUCCEEDED');
    await until(page, 'the trainings counted', async () => (await page.getByTestId('trainings-done').textContent()) === '4 of 4 trainings finished');
    assert.equal(await page.evaluate('window.__sameDocument'), true, 'it arrived without a reload');
    assert.match((await tab.textContent()) ?? '', /succeeded/, 'the tab carries the finalization’s state');

    const api = (await gqlOk<FinalizationData>(server.url, FINALIZATION, { id: tabular }, operator)).experiment!.finalization!;
    assert.equal(api.finalists.length, 4);
    const rows = await shownRows(page);
    assert.deepEqual(
      rows.map((r) => ({ rank: r.rank, proxy: r.cells[3], validation: r.cells[4], test: r.cells[5] })),
      api.finalists.map((f) => ({ rank: String(f.proxyRank), proxy: four(f.proxyReward), validation: `${four(f.validation!.mean)} n=1`, test: `${four(f.test!.mean)} n=1` })),
      'each finalist’s proxy reward against its final validation and test, as the API has them',
    );
    const winnerRank = api.finalists.find((f) => f.proxyTrial.id === api.winner!.proxyTrial.id)!.proxyRank;
    assert.deepEqual(
      rows.filter((r) => r.winner !== null).map((r) => [r.rank, r.winner]),
      [[String(winnerRank), 'winner']],
      'one winner, marked',
    );
    assert.match(rows.find((r) => r.winner !== null)!.cells[1]!, /winner/);
    assert.equal(await page.getByTestId('spearman').textContent(), api.spearman!.toFixed(2));
    assert.match((await page.getByTestId('proxy-check').textContent()) ?? '', /trust it next time/);
    assert.equal(await page.getByTestId('inheritance').count(), 0, 'no inheritance asked, none shown');
    assert.match((await page.getByTestId('no-model').textContent()) ?? '', /trains nothing/);
    // A SUCCEEDED finalization stays: no second round to start, nothing to cancel.
    assert.equal(await page.getByRole('button', { name: /^(Finalize|Cancel finalization)/ }).count(), 0);
    await assertAccessible(page, 'the finalists view');
    assert.deepEqual(problems, []);
  });

  test('a viewer sees the finalists and no action', async () => {
    const { page, problems } = await open(viewer, `/experiments/${tabular}?view=finalists`);
    await until(page, 'the finalists', async () => (await page.getByTestId('finalist').count()) === 4);
    assert.equal(await page.getByRole('tab', { name: /^Finalists/ }).getAttribute('aria-selected'), 'true');
    assert.equal(await page.locator('[data-testid=finalist][data-winner=winner]').count(), 1);
    assert.equal(await page.getByRole('button', { name: /^(Finalize|Cancel finalization)/ }).count(), 0);
    await assertAccessible(page, 'the finalists view of a viewer');
    assert.deepEqual(problems, []);
  });

  test('TensorFlow.js finalists train live, with a spread over seeds, and the winner’s model downloads with the key', async () => {
    const id = await startSearch(server.url, operator, { name: 'tfjs finalize', strategy: { type: 'random' }, evaluator: TFJS, budget: { maxTrials: 4, parallelTrials: 1, maxConsecutiveDuplicates: 20 }, seed: 3 }, LAYERS_SPACE);

    const { page, problems } = await open(operator.token!, `/experiments/${id}?view=finalists`);
    await page.getByRole('button', { name: 'Finalize…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Finalists', { exact: true }).fill('2');
    await dialog.getByLabel('Seeds each').fill('2');
    await dialog.getByLabel('Final budget (JSON, optional)').fill('{"epochs": 3}');
    await dialog.getByRole('button', { name: 'Finalize', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    await until(page, 'the running finalization', async () => ['RUNNING', 'SUCCEEDED'].includes((await statusOf(page)) ?? ''));
    // The curves grow from trialMetricReported (stage FINAL) while the trainings run.
    await until(page, 'a finalist’s curve', async () => (await page.locator('#final-curves figure').count()) === 1, 120_000);
    await until(page, 'the finalization to succeed', async () => (await statusOf(page)) === 'SUCCEEDED', 180_000);
    await until(page, 'the trainings counted', async () => (await page.getByTestId('trainings-done').textContent()) === '4 of 4 trainings finished');
    const curves = (await page.locator('#final-curves figure').getAttribute('aria-label')) ?? '';
    assert.match(curves, /^val_accuracy by epoch for 4 finalist trainings, 12 points so far$/, 'three epochs of each of the four trainings');

    const api = (await gqlOk<FinalizationData>(server.url, FINALIZATION, { id }, operator)).experiment!.finalization!;
    const rows = await shownRows(page);
    assert.deepEqual(
      rows.map((r) => r.cells[4]),
      api.finalists.map((f) => `${four(f.validation!.mean)} ± ${four(f.validation!.std!)} n=2`),
      'the mean ± standard deviation over the two seeds',
    );
    const model = api.winner!.bestReplicate!.model!;
    const files = page.getByTestId('model-files');
    await files.waitFor();
    const downloading = page.waitForEvent('download');
    await files.getByRole('button', { name: 'Download model.json' }).click();
    const download = await downloading;
    assert.equal(download.suggestedFilename(), 'model.json');
    const saved = JSON.parse(await readFile((await download.path())!, 'utf8')) as { modelTopology?: unknown; weightsManifest?: unknown };
    assert.ok(saved.modelTopology !== undefined && saved.weightsManifest !== undefined, 'a TensorFlow.js LayersModel');
    assert.deepEqual(
      await files.getByRole('button', { name: /^Download / }).allTextContents(),
      [...(model.files.some((f) => f.name === 'MODEL_CARD.md') ? [] : ['MODEL_CARD.md']), ...model.files.map((f) => f.name)],
      'every file of the winner’s model, and its card',
    );
    await assertAccessible(page, 'the finalists with a model');
    assert.deepEqual(problems, []);
  });
});
