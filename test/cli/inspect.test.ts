import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { ExperimentDetail, ExperimentRow, PageView, TrialView } from '../../src/commands/views.js';
import { loadConfig } from '../../src/config.js';
import type { RunningServer } from '../../src/server.js';
import { ROOT } from '../helpers/fixtures.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { gqlOk } from '../helpers/graphql-client.js';
import { nb201Table } from '../helpers/nb201-table.js';
import { startTestServer } from '../helpers/server.js';

const cli = runCli;

function json<T>(result: CliResult, what: string): T {
  assert.equal(result.code, 0, `${what} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

const NB201_FORM = /^\|[a-z_0-9x]+~0\|\+\|[a-z_0-9x]+~0\|[a-z_0-9x]+~1\|\+\|[a-z_0-9x]+~0\|[a-z_0-9x]+~1\|[a-z_0-9x]+~2\|$/;

describe('graphnas experiments, trials and watch', () => {
  const root = mkdtempSync(join(tmpdir(), 'graphnas-inspect-'));
  const dataDir = join(root, 'data');
  const store = { GRAPHNAS_DATA_DIR: dataDir };
  const maxTrials = 12;
  const file = join(root, 'small.json');
  const example = JSON.parse(readFileSync(join(ROOT, 'examples', 'nb201-reinforce.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...example, searchSpace: join(ROOT, 'examples', 'nb201-cell.json'), budget: { maxTrials, parallelTrials: 2 } }));
  let server: RunningServer | null = null;
  after(async () => {
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** What the store said, to be said again through the service. */
  let id = '';
  let onStore: { list: PageView<ExperimentRow>; show: ExperimentDetail; trials: PageView<TrialView> } | null = null;

  test('on the embedded store that no server holds: a finished tabular search listed, shown and its trials paged', { timeout: 10 * 60_000 }, async () => {
    const run = await cli(['run', file], store);
    assert.equal(run.code, 0, run.stderr);
    id = /^experiment ([0-9a-f-]{36}):/m.exec(run.stdout)?.[1] ?? '';
    assert.ok(id, run.stdout);

    const list = json<PageView<ExperimentRow>>(await cli(['experiments', 'list', '--json'], store), 'experiments list');
    assert.equal(list.totalCount, 1);
    const row = list.items[0]!;
    assert.equal(row.id, id);
    assert.equal(row.status, 'SUCCEEDED');
    assert.equal(row.endReason, 'MAX_TRIALS');
    assert.equal(row.progress.finishedEvaluations, maxTrials);
    assert.equal(row.trialCounts.succeeded, row.trialCounts.total);

    const show = json<ExperimentDetail & { outcomes: { finished: number; succeeded: number; failed: number; pruned: number } }>(
      await cli(['experiments', 'show', id, '--json'], store),
      'experiments show',
    );
    assert.equal(show.status, 'SUCCEEDED');
    assert.equal(show.searchSpace.cardinality, '15625');
    // Only evaluations count: duplicates answered from an earlier trial carry its outcome.
    assert.deepEqual([show.outcomes.finished, show.outcomes.succeeded, show.outcomes.failed, show.outcomes.pruned], [maxTrials, maxTrials, 0, 0]);
    assert.ok(show.leaderboard.length > 0 && show.leaderboard.length <= 10);
    const rewards = show.leaderboard.map((t) => t.reward!);
    assert.deepEqual(rewards, [...rewards].sort((a, b) => b - a), 'the leaderboard is best first');
    const best = show.bestTrial!;
    assert.equal(best.reward, rewards[0]);
    assert.match(best.label, NB201_FORM, 'the best cell in the benchmark’s own notation');
    assert.equal(Number(best.reward!.toFixed(3)), Number(nb201Table().get(best.label)!['cifar10-val'].toFixed(3)));

    const text = await cli(['experiments', 'show', id], store);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /status\s+SUCCEEDED \(MAX_TRIALS\), 12\/12 evaluations/);
    assert.ok(text.stdout.includes(`best: ${best.label}`), text.stdout);

    const trials = json<PageView<TrialView>>(await cli(['trials', 'list', id, '--first', '500', '--json'], store), 'trials list');
    assert.equal(trials.totalCount, show.trialCounts.total);
    assert.equal(trials.hasNextPage, false);
    assert.deepEqual(
      trials.items.map((t) => t.sequence),
      Array.from({ length: trials.totalCount }, (_, i) => i + 1),
    );
    assert.equal(trials.items.filter((t) => t.duplicateOfId === null).length, maxTrials);
    const page = json<PageView<TrialView>>(await cli(['trials', 'list', id, '--first', '5', '--order', 'reward_desc', '--json'], store), 'a page of trials');
    assert.equal(page.items.length, 5);
    assert.equal(page.items[0]!.reward, best.reward);
    assert.equal(page.hasNextPage, true);

    onStore = { list, show, trials };
  });

  test('a wrong command line is told its usage and exits 2', async () => {
    const wrong = await cli(['trials', 'list'], store);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /needs the experiment id/);
    assert.match(wrong.stderr, /usage: graphnas trials list EXPERIMENT_ID/);
    const help = await cli(['watch', '--help'], store);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: graphnas watch EXPERIMENT_ID/);
  });

  test('through a running service with a key: the same JSON, and watch follows a search live to its end', { timeout: 10 * 60_000 }, async () => {
    assert.ok(onStore, 'needs the search of the first test');
    const key = `gnk_${randomBytes(32).toString('base64url')}`;
    server = await startTestServer({
      ...loadConfig({ GRAPHNAS_DATA_DIR: dataDir, GRAPHNAS_ADMIN_KEY: key }),
      host: '127.0.0.1',
      port: 0,
      logLevel: 'silent',
      logFormat: 'json',
      shutdownTimeoutMs: 2000,
    });
    const url = server.url;
    const remote = { GRAPHNAS_API_KEY: key };

    const refused = await cli(['experiments', 'list', '--url', url], {});
    assert.equal(refused.code, 1, 'no key: refused');
    assert.match(refused.stderr, /UNAUTHENTICATED/);
    const held = await cli(['experiments', 'list'], store);
    assert.notEqual(held.code, 0, 'the store is held by the server now');
    assert.ok(held.stderr.includes(`graphnas experiments list --url ${url}`), held.stderr);

    assert.deepEqual(json(await cli(['experiments', 'list', '--json', '--url', url, '--key', key], {}), 'experiments list --url'), onStore.list);
    assert.deepEqual(json(await cli(['experiments', 'show', id, '--json', '--url', url], remote), 'experiments show --url'), onStore.show);
    assert.deepEqual(json(await cli(['trials', 'list', id, '--first', '500', '--json', '--url', url], remote), 'trials list --url'), onStore.trials);

    // A second search, created but not started: the watch begins on its history (its
    // creation), so every later event can only reach it live.
    const as = { token: key };
    const space = await gqlOk<{ createSearchSpace: { id: string } }>(
      url,
      `mutation($d: JSON!) { createSearchSpace(input: { name: "watched", definition: $d }) { id } }`,
      { d: JSON.parse(readFileSync(join(ROOT, 'examples', 'nb201-cell.json'), 'utf8')) },
      as,
    );
    const { createExperiment } = await gqlOk<{ createExperiment: { id: string } }>(
      url,
      `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`,
      { input: { name: 'watched', searchSpaceId: space.createSearchSpace.id, strategy: { type: 'random' }, evaluator: { type: 'tabular' }, budget: { maxTrials: 8, parallelTrials: 2 }, seed: 5 } },
      as,
    );
    const watched = createExperiment.id;
    const start: { done: Promise<unknown> | null } = { done: null };
    const watch = await cli(['watch', watched, '--after', '0', '--json', '--url', url], remote, (text) => {
      if (start.done === null && text.includes('\n')) {
        start.done = gqlOk(url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id: watched }, as);
      }
    });
    assert.ok(start.done, 'the watch printed its first event before the search started');
    await start.done;
    assert.equal(watch.code, 0, watch.stderr);
    const lines = watch.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const end = lines.pop() as { end: { status: string; note: string | null; cursor: number } };
    assert.equal(end.end.status, 'SUCCEEDED');
    assert.equal(end.end.note, null);
    const events = lines as unknown as { eventId: number; topic: string; experiment?: { status: string }; trial?: TrialView }[];
    // Each topic is its own subscription, so topics interleave; no event comes twice.
    assert.equal(new Set(events.map((e) => e.eventId)).size, events.length, 'each event once');
    assert.equal(events[0]!.experiment?.status, 'CREATED');
    // An experiment's other changes (its best trial, say) come as RUNNING again.
    const statuses = events.filter((e) => e.topic === 'experiment').map((e) => e.experiment!.status);
    assert.deepEqual(
      statuses.filter((status, i) => status !== statuses[i - 1]),
      ['CREATED', 'RUNNING', 'SUCCEEDED'],
    );
    const final = json<ExperimentDetail>(await cli(['experiments', 'show', watched, '--json', '--url', url], remote), 'show the watched one');
    const succeeded = new Set(events.filter((e) => e.trial?.status === 'SUCCEEDED').map((e) => e.trial!.id));
    assert.equal(succeeded.size, final.trialCounts.succeeded, 'every trial’s end arrived');
    assert.equal(end.end.cursor, final.eventId);

    // For people: its history replayed, each status once, and how it ended.
    const text = await cli(['watch', watched, '--after', '0', '--url', url], remote);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout.match(/^experiment RUNNING$/gm)?.length, 1, text.stdout);
    assert.equal(text.stdout.match(/^trial \d+ succeeded: reward [\d.]+ · \|/gm)?.length, final.trialCounts.succeeded - final.trialCounts.duplicates, text.stdout);
    assert.ok(text.stdout.includes(`ended SUCCEEDED (MAX_TRIALS); best: ${final.bestTrial!.label}`), text.stdout);
  });
});
