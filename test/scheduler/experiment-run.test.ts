import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/server.js';
import { backends } from '../helpers/backends.js';
import { createExperimentVia } from '../helpers/experiments.js';
import { errorCode, gql, gqlOk, subscribe } from '../helpers/graphql-client.js';
import { nb201Table } from '../helpers/nb201-table.js';
import { startTestServer } from '../helpers/server.js';

interface TrialEvent {
  id: string;
  sequence: number;
  status: string;
  reward: number | null;
  duplicateOfId: string | null;
}

function createNb201Experiment(url: string, overrides: Record<string, unknown> = {}): Promise<string> {
  return createExperimentVia(url, {
    name: 'nb201 reinforce',
    strategy: { type: 'reinforce' },
    evaluator: { type: 'tabular', options: { rewardColumn: 'cifar10-val' } },
    budget: { maxTrials: 200, parallelTrials: 4 },
    seed: 3,
    ...overrides,
  });
}

const FINAL = `query($id: ID!) {
  experiment(id: $id) {
    status endReason
    trialCounts { succeeded failed pending running total }
    progress { evaluations finishedEvaluations maxTrials fraction etaSeconds }
    bestTrial { label reward finalMetrics }
    leaderboard(top: 3) { reward }
    bestSoFar { sequence reward }
    policyHistory { step meanReward entropy }
    trials(first: 500) { edges { node { sequence status reward duplicateOfId observedAt label finalMetrics } } }
  }
}`;

interface Final {
  experiment: {
    status: string;
    endReason: string;
    trialCounts: { succeeded: number; failed: number; total: number };
    progress: { evaluations: number; fraction: number; etaSeconds: number };
    bestTrial: { label: string; reward: number; finalMetrics: Record<string, number> };
    leaderboard: { reward: number }[];
    bestSoFar: { sequence: number; reward: number }[];
    policyHistory: { step: number; meanReward: number | null; entropy: number | null }[];
    trials: { edges: { node: { sequence: number; status: string; reward: number; duplicateOfId: string | null; observedAt: string | null; label: string } }[] };
  };
}

describe('an experiment runs to the end through GraphQL', async () => {
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

      test('NB201 + reinforce + tabular: 200 evaluations, every transition pushed in order, best trial as in the table', async () => {
        const id = await createNb201Experiment(server.url);
        const trials = await subscribe(server.url, `subscription($id: ID!) { trialUpdated(experimentId: $id) { id sequence status reward duplicateOfId } }`, { id }, (d) => d.trialUpdated as TrialEvent);
        const experiments = await subscribe(server.url, `subscription($id: ID!) { experimentUpdated(id: $id) { status endReason } }`, { id }, (d) => d.experimentUpdated as { status: string; endReason: string | null });
        const policy = await subscribe(server.url, `subscription($id: ID!) { policyUpdated(experimentId: $id) { step meanReward } }`, { id }, (d) => d.policyUpdated as { step: number });
        await gqlOk(server.url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id });
        await experiments.until((r) => r.some((e) => e.status === 'SUCCEEDED'), 120_000);

        const final = (await gqlOk<Final>(server.url, FINAL, { id })).experiment;
        assert.equal(final.status, 'SUCCEEDED');
        assert.equal(final.endReason, 'MAX_TRIALS');
        assert.equal(final.progress.evaluations, 200);
        assert.equal(final.progress.fraction, 1);
        const nodes = final.trials.edges.map((e) => e.node);
        assert.deepEqual(nodes.map((n) => n.sequence), nodes.map((_, i) => i + 1), 'sequence numbers are gap-free');
        assert.equal(nodes.filter((n) => n.duplicateOfId === null).length, 200);
        assert.ok(nodes.every((n) => n.status === 'SUCCEEDED' && n.observedAt !== null), 'every trial finished and observed');

        const table = nb201Table();
        const best = Math.max(...nodes.map((n) => n.reward));
        assert.equal(final.bestTrial.reward, best);
        assert.equal(final.bestTrial.reward, table.get(final.bestTrial.label)!['cifar10-val']);
        assert.equal(final.bestTrial.finalMetrics['cifar10-test'], table.get(final.bestTrial.label)!['cifar10-test']);
        for (const n of nodes) assert.equal(n.reward, table.get(n.label)!['cifar10-val']);
        assert.equal(final.leaderboard[0]!.reward, best);
        assert.equal(final.bestSoFar.at(-1)!.reward, best);
        assert.ok(final.policyHistory.length >= 2, 'the controller updated');

        // Every transition of every trial arrived, in order: PENDING → RUNNING → SUCCEEDED
        // for evaluations, SUCCEEDED at once for answered duplicates.
        await trials.until((r) => r.filter((t) => t.status === 'SUCCEEDED').length >= nodes.length, 20_000);
        const byTrial = new Map<string, TrialEvent[]>();
        for (const e of trials.received) byTrial.set(e.id, [...(byTrial.get(e.id) ?? []), e]);
        assert.equal(byTrial.size, nodes.length);
        for (const events of byTrial.values()) {
          const statuses = events.map((e) => e.status);
          assert.deepEqual(statuses, events[0]!.duplicateOfId ? ['SUCCEEDED'] : ['PENDING', 'RUNNING', 'SUCCEEDED']);
        }
        assert.ok(policy.received.length >= 1, 'policyUpdated events arrived');
        await Promise.all([trials.close(), experiments.close(), policy.close()]);
      });

      test('lifecycle: invalid transitions are CONFLICT, pause stops new trials, cancel cancels the rest', async () => {
        const id = await createNb201Experiment(server.url, { evaluator: { type: 'external' }, budget: { maxTrials: 20, parallelTrials: 3 } });
        const call = (m: string) => gql<Record<string, { status: string }>>(server.url, `mutation($id: ID!) { ${m}(id: $id) { status } }`, { id });
        assert.equal(errorCode(await call('pauseExperiment')), 'CONFLICT');
        assert.equal(errorCode(await call('resumeExperiment')), 'CONFLICT');
        assert.equal((await call('startExperiment')).data!.startExperiment!.status, 'RUNNING');
        assert.equal(errorCode(await call('startExperiment')), 'CONFLICT');
        const counts = async () => (await gqlOk<{ experiment: { trialCounts: { pending: number; total: number } } }>(server.url, `query($id: ID!) { experiment(id: $id) { trialCounts { pending total } } }`, { id })).experiment.trialCounts;
        for (let i = 0; i < 100 && (await counts()).pending < 3; i++) await new Promise((r) => setTimeout(r, 50));
        assert.equal((await counts()).pending, 3, 'the scheduler keeps parallelTrials pending for external workers');
        assert.equal((await call('pauseExperiment')).data!.pauseExperiment!.status, 'PAUSED');
        const claim = await gqlOk<{ claimTrial: null | { id: string } }>(server.url, `mutation($id: ID!) { claimTrial(experimentId: $id, workerId: "w") { id } }`, { id });
        assert.equal(claim.claimTrial, null, 'nothing is handed out while paused');
        assert.equal((await call('resumeExperiment')).data!.resumeExperiment!.status, 'RUNNING');
        assert.equal((await call('cancelExperiment')).data!.cancelExperiment!.status, 'CANCELLED');
        const after = await gqlOk<{ experiment: { endReason: string; trialCounts: { pending: number; total: number } } }>(server.url, `query($id: ID!) { experiment(id: $id) { endReason trialCounts { pending total } } }`, { id });
        assert.equal(after.experiment.endReason, 'CANCELLED');
        assert.equal(after.experiment.trialCounts.pending, 0);
        assert.equal(errorCode(await call('resumeExperiment')), 'CONFLICT');
      });
    });
  }
});
