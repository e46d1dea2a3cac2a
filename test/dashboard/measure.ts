/**
 * The dashboard's numbers for docs/dashboard.md, measured in Debian's Chromium against a
 * real server: `npm run build && node dist/test/dashboard/measure.js`.
 *
 * 1. First render of an experiment with 10,000 trials (inserted through the storage).
 * 2. Delay from a trial's completion (completeTrial) to its row showing SUCCEEDED.
 * 3. Page memory over a compressed hour: a search of 3,000 trials, each with a learning
 *    curve, evaluated by external workers as fast as they go.
 */
import type { CDPSession, Page } from 'playwright-core';
import { EndReason, ExperimentStatus } from '../../src/core/experiments/experiment-status.js';
import { insertTrials, type NewTrial } from '../../src/core/trials/new-trials.js';
import { TrialStatus } from '../../src/core/trials/trial-status.js';
import type { RunningServer } from '../../src/server.js';
import { compileSpace } from '../../src/space/index.js';
import { backends } from '../helpers/backends.js';
import { createExperimentVia } from '../helpers/experiments.js';
import { NB201_SPACE } from '../helpers/fixtures.js';
import { gqlOk } from '../helpers/graphql-client.js';
import { startTestServer } from '../helpers/server.js';
import { launchChromium } from './browser.js';
import { claim, complete, report } from './worker.js';

/** Playwright's waitForFunction evaluates strings, which the dashboard's CSP forbids: these contexts bypass it. */
const CONTEXT = { viewport: { width: 1280, height: 900 }, bypassCSP: true };

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: readonly number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const round = (x: number): number => Math.round(x);

/** Long tasks (> 50 ms on the main thread) from the page's start, for responsiveness. */
const LONG_TASKS = `
  window.__longTasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });
`;

/** When each row first shows SUCCEEDED, by the page's clock (Date.now, the same clock as this process's). */
const ROW_WATCH = `
  window.__seen = {};
  new MutationObserver(() => {
    for (const row of document.querySelectorAll('tr[data-sequence][data-status=SUCCEEDED]')) {
      const s = row.getAttribute('data-sequence');
      if (!(s in window.__seen)) window.__seen[s] = Date.now();
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
`;

async function insertFinished(server: RunningServer, experimentId: string, count: number): Promise<void> {
  const compiled = compileSpace(NB201_SPACE());
  if (!compiled.ok) throw new Error('NB201 does not compile');
  const { space } = compiled;
  const trials: NewTrial[] = Array.from({ length: count }, (_, i) => {
    const actions = Array.from({ length: 6 }, (_, d) => Math.floor(i / 5 ** d) % 5);
    const architecture = space.decode(actions);
    return { actions, architecture, label: space.label(architecture), fingerprint: space.fingerprint(architecture), policyVersion: Math.floor(i / 5), logProb: -8 };
  });
  const started = new Date(Date.now() - count * 1000);
  // In batches: one INSERT of 10,000 rows would pass PostgreSQL's 65,535 bind parameters.
  for (let from = 0; from < count; from += 500) {
    await server.services.storage.transaction(async (tx) => {
      const experiment = (await tx.experiments.findById(experimentId, { forUpdate: true }))!;
      const records = await insertTrials(tx, experiment, trials.slice(from, from + 500), started);
      for (const record of records) {
        const i = record.sequence - 1;
        const finishedAt = new Date(started.getTime() + i * 1000);
        // A smooth, noisy climb, as a search's rewards look.
        const reward = 60 + 30 * (1 - Math.exp(-i / 2500)) + 8 * Math.sin(i * 12.9898) * Math.sin(i * 78.233);
        await tx.trials.update(record.id, { status: TrialStatus.SUCCEEDED, reward, finalMetrics: { 'cifar10-val': reward }, startedAt: finishedAt, finishedAt, updatedAt: finishedAt, attempt: 1 });
      }
    });
  }
  await server.services.storage.experiments.update(experimentId, { status: ExperimentStatus.SUCCEEDED, endReason: EndReason.MAX_TRIALS, startedAt: started, finishedAt: new Date(), updatedAt: new Date() });
}

async function firstRender(page: Page, url: string, total: number): Promise<Record<string, number>> {
  await page.goto(url);
  const at = async (expression: string): Promise<number> => (await page.waitForFunction(`(${expression}) ? performance.now() : false`, undefined, { polling: 'raf', timeout: 120_000 })).jsonValue() as Promise<number>;
  const header = await at(`document.querySelector('[data-testid=best-trial]')`);
  const table = await at(`document.querySelectorAll('[data-testid=trials-table] tbody tr').length >= 50`);
  const all = await at(`(document.querySelector('#rewards figure')?.getAttribute('aria-label') ?? '').startsWith('Reward of ${total} trials')`);
  const longTasks = (await page.evaluate('window.__longTasks')) as number[];
  // Responsiveness once loaded: re-sorting the table by reward.
  const before = await page.locator('[data-testid=trials-table] tbody tr').first().getAttribute('data-sequence');
  const t0 = (await page.evaluate('performance.now()')) as number;
  await page.getByLabel('Sort').selectOption('REWARD_DESC');
  const sorted = await at(`document.querySelector('[data-testid=trials-table] tbody tr')?.getAttribute('data-sequence') !== '${before}'`);
  return { header: round(header), table: round(table), allTrials: round(all), longTasks: longTasks.length, longestTask: round(Math.max(0, ...longTasks)), resortMs: round(sorted - t0) };
}

async function heap(cdp: CDPSession): Promise<{ heapMb: number; nodes: number; listeners: number }> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const get = (name: string): number => metrics.find((m) => m.name === name)?.value ?? 0;
  return { heapMb: Math.round((get('JSHeapUsedSize') / 1024 / 1024) * 10) / 10, nodes: get('Nodes'), listeners: get('JSEventListeners') };
}

async function main(): Promise<void> {
  const [pglite] = await backends();
  const base = pglite!.config();
  // The workers of part 3 send thousands of requests a second; the dashboard's own stay far below the limit.
  const server = await startTestServer({ ...base, limits: { ...base.limits, rateLimit: 0 } });
  const origin = new URL(server.url).origin;
  const browser = await launchChromium();
  try {
    // 1. First render with 10,000 trials.
    const big = await createExperimentVia(server.url, { name: '10,000 trials', strategy: { type: 'random' }, evaluator: { type: 'tabular' }, budget: { maxTrials: 10_000 } });
    await insertFinished(server, big, 10_000);
    const renders: Record<string, number>[] = [];
    for (let run = 0; run < 3; run += 1) {
      const context = await browser.newContext(CONTEXT);
      await context.addInitScript(LONG_TASKS);
      renders.push(await firstRender(await context.newPage(), `${origin}/experiments/${big}`, 10_000));
      await context.close();
    }
    const firstRenderMedian = Object.fromEntries(Object.keys(renders[0]!).map((k) => [k, median(renders.map((r) => r[k]!))]));
    console.log(JSON.stringify({ firstRender: { runs: renders, median: firstRenderMedian } }));

    // 2. Completion → row.
    const live = await createExperimentVia(server.url, { name: 'latency', strategy: { type: 'random' }, evaluator: { type: 'external' }, budget: { maxTrials: 200, parallelTrials: 1 }, seed: 3 });
    await gqlOk(server.url, `mutation($id: ID!) { startExperiment(id: $id) { id } }`, { id: live });
    const context = await browser.newContext(CONTEXT);
    await context.addInitScript(ROW_WATCH);
    const page = await context.newPage();
    await page.goto(`${origin}/experiments/${live}`);
    await page.locator('[data-testid=link-state][data-state=live]').waitFor();
    const fromRequest: number[] = [];
    const fromResponse: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      const trial = await claim(server.url, live);
      if (trial === null) {
        i -= 1;
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      await page.locator(`tr[data-sequence="${trial.sequence}"][data-status=RUNNING]`).waitFor();
      const t0 = Date.now();
      await complete(server.url, trial.id, { reward: 0.5 + i / 100 });
      const t1 = Date.now();
      const seen = (await (await page.waitForFunction(`window.__seen['${trial.sequence}'] ?? false`, undefined, { polling: 10 })).jsonValue()) as number;
      fromRequest.push(seen - t0);
      fromResponse.push(seen - t1);
    }
    console.log(JSON.stringify({ completionToRow: { samples: fromRequest.length, fromRequestMedian: median(fromRequest), fromRequestP95: percentile(fromRequest, 0.95), fromResponseMedian: median(fromResponse), fromResponseP95: percentile(fromResponse, 0.95) } }));
    await gqlOk(server.url, `mutation($id: ID!) { cancelExperiment(id: $id) { id } }`, { id: live });
    await context.close();

    // 3. Memory over a compressed hour.
    const TRIALS = 3000;
    const soak = await createExperimentVia(server.url, {
      name: 'soak',
      strategy: { type: 'reinforce', hyperparameters: { batchSize: 5 } },
      evaluator: { type: 'external' },
      budget: { maxTrials: TRIALS, parallelTrials: 4 },
      seed: 5,
    });
    await gqlOk(server.url, `mutation($id: ID!) { startExperiment(id: $id) { id } }`, { id: soak });
    const soakContext = await browser.newContext(CONTEXT);
    const soakPage = await soakContext.newPage();
    const cdp = await soakContext.newCDPSession(soakPage);
    await cdp.send('Performance.enable');
    await soakPage.goto(`${origin}/experiments/${soak}`);
    await soakPage.locator('[data-testid=link-state][data-state=live]').waitFor();
    const samples: { trials: number; seconds: number; heapMb: number; nodes: number; listeners: number }[] = [{ trials: 0, seconds: 0, ...(await heap(cdp)) }];
    const started = Date.now();
    let done = 0;
    let events = 0;
    const workerLoop = async (w: number): Promise<void> => {
      while (done < TRIALS) {
        const trial = await claim(server.url, soak, {}, `soak-${w}`);
        if (trial === null) {
          const { experiment } = await gqlOk<{ experiment: { status: string } }>(server.url, `query($id: ID!) { experiment(id: $id) { status } }`, { id: soak });
          if (experiment.status !== 'RUNNING') return;
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        const quality = ((trial.sequence * 2654435761) % 1000) / 1000;
        for (let epoch = 1; epoch <= 4; epoch += 1) {
          await report(server.url, trial.id, epoch, 'val_accuracy', 0.5 + 0.4 * quality * (1 - Math.exp(-epoch)), {}, `soak-${w}`);
          await report(server.url, trial.id, epoch, 'train_loss', 2 - quality * epoch * 0.3, {}, `soak-${w}`);
          await report(server.url, trial.id, epoch, 'val_loss', 2.1 - quality * epoch * 0.28, {}, `soak-${w}`);
        }
        await complete(server.url, trial.id, { reward: 0.5 + 0.4 * quality }, {}, `soak-${w}`);
        // claimed (RUNNING), 12 metric points, SUCCEEDED, and the trial's PENDING on creation
        events += 15;
        done += 1;
      }
    };
    let working = true;
    const sampler = (async () => {
      let next = 500;
      while (working) {
        if (done >= next) {
          samples.push({ trials: done, seconds: Math.round((Date.now() - started) / 1000), ...(await heap(cdp)) });
          next += 500;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    await Promise.all([0, 1, 2, 3].map(workerLoop));
    working = false;
    await sampler;
    // The page has caught up when its chart holds every trial the server has.
    const { experiment } = await gqlOk<{ experiment: { status: string; trialCounts: { total: number } } }>(server.url, `query($id: ID!) { experiment(id: $id) { status trialCounts { total } } }`, { id: soak });
    await soakPage.waitForFunction(`(document.querySelector('#rewards figure')?.getAttribute('aria-label') ?? '').startsWith('Reward of ${experiment.trialCounts.total} trials')`, undefined, { timeout: 60_000 });
    samples.push({ trials: done, seconds: Math.round((Date.now() - started) / 1000), ...(await heap(cdp)) });
    const policySteps = (await gqlOk<{ experiment: { policyHistory: unknown[] } }>(server.url, `query($id: ID!) { experiment(id: $id) { policyHistory(limit: 4000) { step } } }`, { id: soak })).experiment.policyHistory.length;
    console.log(JSON.stringify({ memory: { status: experiment.status, evaluated: done, trials: experiment.trialCounts.total, trialEvents: events, policySteps, samples } }));
    await soakContext.close();
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
