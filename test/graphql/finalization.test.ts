import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/server.js';
import { backends } from '../helpers/backends.js';
import { createExperimentVia } from '../helpers/experiments.js';
import { errorCode, gql, gqlOk, subscribe } from '../helpers/graphql-client.js';
import { startTestServer } from '../helpers/server.js';
import { nb201Table } from '../helpers/nb201-table.js';
import { until } from '../helpers/until.js';

interface Stat {
  mean: number;
  std: number | null;
  n: number;
}

interface FinalistShape {
  proxyRank: number;
  proxyReward: number;
  validation: Stat | null;
  test: Stat | null;
  unfinished: number;
  failed: number;
  proxyTrial: { id: string; label: string; stage: string; reward: number };
  replicates: { id: string; stage: string; status: string; finalistOfId: string; observedAt: string | null; final: { replicate: number; round: number } }[];
}

interface FinalizationShape {
  status: string;
  round: number;
  topK: number;
  seeds: number;
  finalists: FinalistShape[];
  winner: FinalistShape | null;
  spearman: number | null;
  spearmanTest: number | null;
}

const FINALIST = `proxyRank proxyReward validation { mean std n } test { mean std n } unfinished failed
  proxyTrial { id label stage reward }
  replicates { id stage status finalistOfId observedAt final { replicate round } }`;
const FINALIZATION = `status round topK seeds finalists { ${FINALIST} } winner { ${FINALIST} } spearman spearmanTest`;

describe('finalizeExperiment (tabular: the table’s test column, in seconds)', async () => {
  for (const backend of await backends()) {
    describe(backend.name, { skip: backend.skip ?? false }, () => {
      let server: RunningServer;
      before(async () => {
        server = await startTestServer(backend.config({ schedulerResyncMs: 200 }));
      });
      after(async () => {
        await server?.close();
        await backend.cleanup();
      });

      test('the best distinct architectures are retrained as FINAL trials, tested once, and never reach the search', async () => {
        const id = await createExperimentVia(server.url, { name: 'finalize', strategy: { type: 'random' }, evaluator: { type: 'tabular' }, budget: { maxTrials: 40, parallelTrials: 4 }, seed: 11 });
        const early = await gql(server.url, `mutation($id: ID!) { finalizeExperiment(id: $id) { status } }`, { id });
        assert.equal(errorCode(early), 'CONFLICT', 'a search that has not ended cannot be finalised');

        await gqlOk(server.url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id });
        await until(
          'the search to end',
          () => gqlOk<{ experiment: { status: string } }>(server.url, `query($id: ID!) { experiment(id: $id) { status } }`, { id }),
          (r) => r.experiment.status !== 'RUNNING',
        );
        const before = await gqlOk<{ experiment: { eventId: number; trialCounts: { total: number }; leaderboard: { id: string; reward: number; label: string }[] } }>(
          server.url,
          `query($id: ID!) { experiment(id: $id) { eventId trialCounts { total } leaderboard(top: 40) { id reward label } } }`,
          { id },
        );

        const bad = await gql(server.url, `mutation($id: ID!) { finalizeExperiment(id: $id, input: { topK: 0, budget: { epochs: 3 } }) { status } }`, { id });
        assert.equal(errorCode(bad), 'BAD_USER_INPUT');
        const paths = ((bad.errors?.[0]?.extensions?.fields ?? []) as { path: string }[]).map((i) => i.path).sort();
        assert.deepEqual(paths, ['input.budget.epochs', 'input.topK'], 'every problem at once, with its path');

        const updates = await subscribe(
          server.url,
          `subscription($id: ID!, $after: Int) { finalizationUpdated(experimentId: $id, after: $after) { status eventId } }`,
          { id, after: before.experiment.eventId },
          (d) => d.finalizationUpdated as { status: string; eventId: number },
        );
        const started = await gqlOk<{ finalizeExperiment: FinalizationShape }>(
          server.url,
          `mutation($id: ID!) { finalizeExperiment(id: $id, input: { topK: 3 }) { ${FINALIZATION} } }`,
          { id },
        );
        assert.equal(started.finalizeExperiment.status, 'RUNNING');
        assert.equal(started.finalizeExperiment.seeds, 1, 'a table has one value per architecture: one seed');
        assert.deepEqual(
          started.finalizeExperiment.finalists.map((f) => f.proxyTrial.id),
          before.experiment.leaderboard.slice(0, 3).map((t) => t.id),
          'the top 3 of the leaderboard, best first',
        );
        const events = await updates.until((r) => r.some((e) => e.status !== 'RUNNING'));
        await updates.close();
        assert.deepEqual(events.map((e) => e.status), ['RUNNING', 'SUCCEEDED']);

        const table = nb201Table();
        const { experiment } = await gqlOk<{
          experiment: { finalization: FinalizationShape; trialCounts: { total: number }; leaderboard: { id: string }[]; finals: { totalCount: number; edges: { node: { stage: string } }[] }; search: { totalCount: number } };
        }>(
          server.url,
          `query($id: ID!) { experiment(id: $id) {
            finalization { ${FINALIZATION} }
            trialCounts { total } leaderboard(top: 40) { id }
            finals: trials(stage: FINAL) { totalCount edges { node { stage } } }
            search: trials { totalCount }
          } }`,
          { id },
        );
        const f = experiment.finalization;
        assert.equal(f.status, 'SUCCEEDED');
        for (const finalist of f.finalists) {
          assert.equal(finalist.replicates.length, 1);
          const [replicate] = finalist.replicates;
          assert.equal(replicate!.stage, 'FINAL');
          assert.equal(replicate!.status, 'SUCCEEDED');
          assert.equal(replicate!.finalistOfId, finalist.proxyTrial.id);
          assert.equal(replicate!.observedAt, null, 'the strategy never consumed a finalist');
          assert.equal(finalist.validation!.mean, finalist.proxyReward, 'a table gives the same validation value again');
          assert.equal(finalist.test!.mean, table.get(finalist.proxyTrial.label)!['cifar10-test'], 'the test value is the table’s held-out column');
        }
        assert.equal(f.winner!.proxyTrial.id, f.finalists[0]!.proxyTrial.id, 'the winner is chosen by validation');
        assert.equal(f.spearman, 1, 'a table’s final validation is its proxy: the proxy predicted the ranking perfectly');
        assert.equal(experiment.finals.totalCount, 3);
        assert.equal(experiment.search.totalCount, before.experiment.trialCounts.total, 'trials lists the search stage by default');
        assert.equal(experiment.trialCounts.total, before.experiment.trialCounts.total, 'finalists are not counted against the search');
        assert.deepEqual(experiment.leaderboard, before.experiment.leaderboard.map((t) => ({ id: t.id })), 'nor enter its leaderboard');

        const again = await gql(server.url, `mutation($id: ID!) { finalizeExperiment(id: $id) { status } }`, { id });
        assert.equal(errorCode(again), 'CONFLICT', 'a SUCCEEDED finalization stays');
      });

      test('a cancelled finalization can be run again as the next round', async () => {
        const id = await createExperimentVia(server.url, { name: 'refinalize', strategy: { type: 'random' }, evaluator: { type: 'tabular' }, budget: { maxTrials: 10, parallelTrials: 2 }, seed: 12 });
        await gqlOk(server.url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id });
        await until(
          'the search to end',
          () => gqlOk<{ experiment: { status: string } }>(server.url, `query($id: ID!) { experiment(id: $id) { status } }`, { id }),
          (r) => r.experiment.status !== 'RUNNING',
        );
        // Paused scheduling would race the table's microseconds; cancelling inside the same
        // request as finalising is not possible, so the round may already be over: both are fine.
        await gqlOk(server.url, `mutation($id: ID!) { finalizeExperiment(id: $id, input: { topK: 2 }) { status } }`, { id });
        const cancelled = await gql<{ cancelFinalization: { status: string } }>(server.url, `mutation($id: ID!) { cancelFinalization(id: $id) { status } }`, { id });
        if (errorCode(cancelled) === undefined) {
          assert.equal(cancelled.data!.cancelFinalization.status, 'CANCELLED');
          const next = await gqlOk<{ finalizeExperiment: { round: number; status: string } }>(
            server.url,
            `mutation($id: ID!) { finalizeExperiment(id: $id, input: { topK: 2 }) { round status } }`,
            { id },
          );
          assert.equal(next.finalizeExperiment.round, 2);
        } else {
          assert.equal(errorCode(cancelled), 'CONFLICT', 'only a RUNNING finalization can be cancelled');
        }
        const done = await until(
          'the finalization to succeed',
          () => gqlOk<{ experiment: { finalization: FinalizationShape } }>(server.url, `query($id: ID!) { experiment(id: $id) { finalization { ${FINALIZATION} } } }`, { id }),
          (r) => r.experiment.finalization.status === 'SUCCEEDED',
        );
        const f = done.experiment.finalization;
        for (const finalist of f.finalists) {
          assert.ok(finalist.replicates.every((r) => r.final.round === f.round), 'a round shows its own finalists only');
        }
      });
    });
  }
});
