/**
 * Takes the README's screenshots of every dashboard page (docs/screenshots/*.png):
 * `npm run build && node dist/test/dashboard/screenshots.js [OUT_DIR]`.
 *
 * A real server with a real NAS-Bench-201 REINFORCE search (tabular evaluator), and a
 * Fashion-MNIST layers experiment evaluated by a scripted external worker (worker.ts),
 * which is where the learning curves, costs, pruned and failed trials come from. The
 * finalists are real TensorFlow.js trainings of a small layers search on synthetic images
 * (seconds each), so their curves, spread over seeds, inheritance and model are real.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { example } from '../helpers/fixtures.js';
import { gqlOk, type As } from '../helpers/graphql-client.js';
import { backends } from '../helpers/backends.js';
import { startTestServer } from '../helpers/server.js';
import { launchChromium } from './browser.js';
import { claim, complete, fail, report, scoreOf } from './worker.js';

const out = process.argv[2] ?? join('docs', 'screenshots');

async function createSpace(url: string, as: As, file: string): Promise<string> {
  const definition = example(file) as { name: string };
  const data = await gqlOk<{ createSearchSpace: { id: string } }>(url, `mutation($i: CreateSearchSpaceInput!) { createSearchSpace(input: $i) { id } }`, { i: { name: definition.name, definition } }, as);
  return data.createSearchSpace.id;
}

async function createExperiment(url: string, as: As, input: Record<string, unknown>, start: boolean): Promise<string> {
  const { createExperiment } = await gqlOk<{ createExperiment: { id: string } }>(url, `mutation($i: CreateExperimentInput!) { createExperiment(input: $i) { id } }`, { i: input }, as);
  if (start) await gqlOk(url, `mutation($id: ID!) { startExperiment(id: $id) { id } }`, { id: createExperiment.id }, as);
  return createExperiment.id;
}

async function waitForStatus(url: string, as: As, id: string, statuses: readonly string[]): Promise<void> {
  for (;;) {
    const { experiment } = await gqlOk<{ experiment: { status: string } }>(url, `query($id: ID!) { experiment(id: $id) { status } }`, { id }, as);
    if (statuses.includes(experiment.status)) return;
    // An experiment that ended otherwise never will: say so rather than wait for ever.
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(experiment.status)) throw new Error(`experiment ${id} ended ${experiment.status}, not ${statuses.join(' or ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function waitForFinalization(url: string, as: As, id: string): Promise<void> {
  for (;;) {
    const { experiment } = await gqlOk<{ experiment: { finalization: { status: string } | null } }>(url, `query($id: ID!) { experiment(id: $id) { finalization { status } } }`, { id }, as);
    if (experiment.finalization?.status === 'SUCCEEDED') return;
    if (experiment.finalization !== null && experiment.finalization.status !== 'RUNNING') throw new Error(`the finalization of ${id} ended ${experiment.finalization.status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Evaluates `count` trials of a layers experiment: five epochs of curves, some pruned by the median rule, every eleventh failing. */
async function work(url: string, as: As, experimentId: string, count: number): Promise<void> {
  for (let done = 0; done < count; ) {
    const trial = await claim(url, experimentId, as);
    if (trial === null) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    done += 1;
    if (trial.sequence % 11 === 0) {
      await fail(url, trial.id, 'RESOURCE_EXHAUSTED: OOM when allocating tensor with shape [128,64,20,20] on the worker (batch 128 does not fit)', as);
      continue;
    }
    const score = scoreOf(trial);
    let stopped = false;
    for (let epoch = 1; epoch <= 5 && !stopped; epoch += 1) {
      const progress = 1 - Math.exp(-epoch / 1.6);
      await report(url, trial.id, epoch, 'train_loss', 1.9 - 1.4 * progress * score.accuracy, as);
      stopped = await report(url, trial.id, epoch, 'val_accuracy', score.accuracy * progress + 0.05, as);
    }
    if (!stopped) await complete(url, trial.id, { reward: score.accuracy, params: score.params, flops: score.flops, latencyMs: score.latencyMs }, as);
  }
}

/** A small tfjs-trainer search on synthetic 8×8 images: its finalists train in seconds. */
async function smallTfjsSearch(url: string, as: As): Promise<string> {
  const definition = { layers: { count: [1, 2, 3], types: [{ type: 'conv2d', filters: [4, 8, 16], kernelSize: [3, 5] }, { type: 'dense', units: [16, 32] }] } };
  const space = await gqlOk<{ createSearchSpace: { id: string } }>(url, `mutation($d: JSON!) { createSearchSpace(input: { name: "synthetic layers", definition: $d }) { id } }`, { d: definition }, as);
  const options = { dataset: { source: 'synthetic', count: 600, height: 8, width: 8, numClasses: 4, noise: 1, testFraction: 0.2 }, epochs: 1, trainSubset: null, valSubset: null, resolution: null, batchSize: 32, learningRate: 0.005, workers: 1, measureLatency: false };
  return createExperiment(
    url,
    as,
    { name: 'Synthetic layers · random, finalized', searchSpaceId: space.createSearchSpace.id, strategy: { type: 'random' }, evaluator: { type: 'tfjs-trainer', options }, budget: { maxTrials: 12, parallelTrials: 1, maxConsecutiveDuplicates: 20 }, seed: 21 },
    true,
  );
}

async function shoot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.waitForTimeout(600);
  await page.screenshot({ path: join(out, `${name}.png`), fullPage });
  console.log(`${join(out, `${name}.png`)}`);
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const [pglite] = await backends();
  const base = pglite!.config();
  const server = await startTestServer({ ...base, limits: { ...base.limits, rateLimit: 0 } });
  const url = server.url;
  const origin = new URL(url).origin;
  const admin: As = { token: (await server.services.keys.create({ name: 'alice', role: 'admin', project: null }, 'screenshots')).token };
  const browser = await launchChromium();
  try {
    const nb201 = await createSpace(url, admin, 'nb201-cell.json');
    const layers = await createSpace(url, admin, 'fashion-mnist-layers.json');
    const reinforce = example('nb201-reinforce.json') as Record<string, unknown>;
    const { searchSpace: _file, ...nb201Input } = reinforce;
    const searched = await createExperiment(url, admin, { ...nb201Input, name: 'NAS-Bench-201 · REINFORCE', searchSpaceId: nb201 }, true);
    await createExperiment(url, admin, { name: 'NAS-Bench-201 · regularized evolution', searchSpaceId: nb201, strategy: { type: 'evolution' }, evaluator: { type: 'tabular' }, budget: { maxTrials: 500 }, seed: 4 }, false);
    const fashion = await createExperiment(
      url,
      admin,
      {
        name: 'Fashion-MNIST layers · external workers',
        searchSpaceId: layers,
        strategy: { type: 'reinforce', hyperparameters: { batchSize: 4 } },
        evaluator: { type: 'external' },
        constraints: { maxParams: 150_000 },
        earlyStopping: { metric: 'val_accuracy', minTrials: 4, startStep: 2 },
        budget: { maxTrials: 80, parallelTrials: 3 },
        seed: 9,
      },
      true,
    );
    const small = await smallTfjsSearch(url, admin);
    await waitForStatus(url, admin, searched, ['SUCCEEDED']);
    await work(url, admin, fashion, 46);
    // Two trials left in flight, one with half a curve, so the page shows them running.
    const running = await claim(url, fashion, admin);
    if (running !== null) for (let epoch = 1; epoch <= 2; epoch += 1) await report(url, running.id, epoch, 'val_accuracy', 0.55 + 0.1 * epoch, admin);

    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(origin);
    await page.getByLabel('API key').waitFor();
    await shoot(page, 'login');
    await page.getByLabel('API key').fill(admin.token!);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('experiments-table').waitFor();
    await shoot(page, 'experiments');

    await page.getByRole('link', { name: 'NAS-Bench-201 · REINFORCE' }).click();
    await page.locator('#rewards figure canvas').first().waitFor();
    await page.waitForFunction('!document.body.textContent.includes("Loading trials")');
    await shoot(page, 'experiment');
    await page.locator('#decisions').scrollIntoViewIfNeeded();
    await page.locator('#controller').screenshot({ path: join(out, 'experiment-controller.png') });
    await page.locator('#decisions').screenshot({ path: join(out, 'experiment-decisions.png') });
    await page.locator('#effects').screenshot({ path: join(out, 'experiment-effects.png') });
    await page.locator('[data-testid=trials-table] tbody tr[data-status=SUCCEEDED] a').first().click();
    await page.getByTestId('cell-graph').waitFor();
    await shoot(page, 'trial-cell');

    await page.goto(`${origin}/experiments/${fashion}`);
    await page.locator('#curves figure canvas').first().waitFor();
    await page.locator('#curves').scrollIntoViewIfNeeded();
    // The charts settle after the last page of trials (a chart is rebuilt when its axis turns logarithmic).
    await page.waitForFunction('!document.body.textContent.includes("Loading trials")');
    await page.waitForTimeout(800);
    await page.locator('#curves').screenshot({ path: join(out, 'experiment-curves.png') });
    await page.locator('#cost').screenshot({ path: join(out, 'experiment-pareto.png') });
    await page.locator('#failures').screenshot({ path: join(out, 'experiment-failures.png') });
    await page.locator('[data-testid=trials-table] tbody tr[data-status=SUCCEEDED] a').first().click();
    await page.getByTestId('layer-stack').waitFor();
    await shoot(page, 'trial-layers');

    await waitForStatus(url, admin, small, ['SUCCEEDED']);
    await gqlOk(url, `mutation($id: ID!) { finalizeExperiment(id: $id, input: { topK: 3, seeds: 2, budget: { epochs: 6 }, inheritWeights: true }) { status } }`, { id: small }, admin);
    await waitForFinalization(url, admin, small);
    await page.goto(`${origin}/experiments/${small}?view=finalists`);
    await page.locator('#final-curves figure canvas').first().waitFor();
    await page.getByTestId('model-files').waitFor();
    await shoot(page, 'finalists', true);

    await page.goto(`${origin}/spaces`);
    await page.getByLabel('Load an example').selectOption('nb201-cell.json');
    const editor = page.getByLabel('Definition (JSON)');
    const text = (await editor.inputValue()).replace('"nodes": 4', '"nodes": 1').replace('"avg_pool_3x3"', '"max_pool_5x5"');
    await editor.fill(text);
    await page.getByTestId('space-check').filter({ hasText: 'problem' }).waitFor();
    // A problem's path selects the text it is about.
    await page.getByRole('button', { name: '/cell/ops/4' }).click();
    await shoot(page, 'spaces');

    await page.goto(`${origin}/experiments/new?space=${nb201}`);
    await page.getByLabel('Start from an example').selectOption('nb201-reinforce.json');
    await shoot(page, 'new-experiment', true);
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
