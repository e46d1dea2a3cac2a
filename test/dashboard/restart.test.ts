import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { createExperimentVia } from '../helpers/experiments.js';
import { gqlOk } from '../helpers/graphql-client.js';
import { chromiumSkip, launchChromium } from './browser.js';

/**
 * The dashboard across a server restart: `graphnas serve` is stopped and started again on
 * the same port and data directory while an experiment's page is open; the page must
 * say it lost the connection, reconnect by itself, and show what happened after, with no
 * reload. The experiment is evaluated by this test acting as an external worker, so
 * nothing moves unless the test moves it.
 */

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Claims the next trial and completes it with `reward`; returns its sequence. */
async function evaluateOne(url: string, experimentId: string, reward: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const { claimTrial } = await gqlOk<{ claimTrial: { id: string; sequence: number } | null }>(url, `mutation($e: ID!) { claimTrial(experimentId: $e, workerId: "restart-test") { id sequence } }`, { e: experimentId });
    if (claimTrial !== null) {
      await gqlOk(url, `mutation($t: ID!, $m: JSON!) { completeTrial(trialId: $t, workerId: "restart-test", metrics: $m) { id } }`, { t: claimTrial.id, m: { reward } });
      return claimTrial.sequence;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no trial to claim');
}

describe('the dashboard across a server restart', { skip: chromiumSkip() ?? false }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'graphnas-dashboard-restart-'));
  let server: ChildServer | null = null;
  let browser: Browser | null = null;
  after(async () => {
    await browser?.close();
    server?.process.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('an experiment page loses the server, reconnects on its own and shows the trials finished after the restart', async () => {
    const port = await freePort();
    const env = { PORT: String(port), GRAPHNAS_DATA_DIR: dir };
    server = await startChildServer(env);
    const url = server.url;
    const id = await createExperimentVia(url, { name: 'restarted', strategy: { type: 'random' }, evaluator: { type: 'external' }, budget: { maxTrials: 20, parallelTrials: 1 }, seed: 2 });
    await gqlOk(url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id });
    const first = await evaluateOne(url, id, 0.5);

    browser = await launchChromium();
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${new URL(url).origin}/experiments/${id}`);
    await page.locator(`tbody tr[data-sequence="${first}"][data-status=SUCCEEDED]`).waitFor();
    await page.locator('[data-testid=link-state][data-state=live]').waitFor();
    await page.evaluate('window.__sameDocument = true');

    server.process.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    await page.locator('[data-testid=link-state][data-state=reconnecting]').waitFor();

    server = await startChildServer(env);
    // Finished as soon as the server is back, likely before the page has reconnected:
    // either the re-query after the reconnect or the event must bring it.
    const second = await evaluateOne(server.url, id, 0.75);
    await page.locator('[data-testid=link-state][data-state=live]').waitFor();
    await page.locator(`tbody tr[data-sequence="${second}"][data-status=SUCCEEDED]`).waitFor();
    const third = await evaluateOne(server.url, id, 0.9);
    await page.locator(`tbody tr[data-sequence="${third}"][data-status=SUCCEEDED]`).waitFor();
    await page.getByTestId('best-trial').filter({ hasText: '0.9000' }).waitFor();
    assert.equal(await page.evaluate('window.__sameDocument'), true, 'recovered without a reload');
  });
});
