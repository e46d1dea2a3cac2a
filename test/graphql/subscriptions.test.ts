import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Storage } from '../../src/core/storage/storage.js';
import { insertTrials, type NewTrial } from '../../src/core/trials/new-trials.js';
import { TrialStatus } from '../../src/core/trials/trial-status.js';
import { start } from '../../src/core/trials/trial-transitions.js';
import type { RunningServer } from '../../src/server.js';
import { compileSpace } from '../../src/space/index.js';
import { backends } from '../helpers/backends.js';
import { createExperimentVia } from '../helpers/experiments.js';
import { NB201_SPACE } from '../helpers/fixtures.js';
import { gqlOk, subscribe } from '../helpers/graphql-client.js';
import { startTestServer } from '../helpers/server.js';

const EXPERIMENT_UPDATED = `subscription($id: ID!) { experimentUpdated(id: $id) { id name status } }`;
const TRIAL_UPDATED = `subscription($id: ID!) { trialUpdated(experimentId: $id) { id sequence status reward label } }`;

function createExperiment(url: string, name: string): Promise<string> {
  return createExperimentVia(url, { name, evaluator: { type: 'tabular' } });
}

/** Appends trials the way the scheduler does, in a transaction of their own. */
function addTrials(storage: Storage, experimentId: string, trials: readonly NewTrial[]) {
  return storage.transaction(async (tx) => insertTrials(tx, (await tx.experiments.findById(experimentId, { forUpdate: true }))!, trials, new Date()));
}

function newTrials(count: number): NewTrial[] {
  const compiled = compileSpace(NB201_SPACE());
  if (!compiled.ok) throw new Error('NB201 example does not compile');
  const { space } = compiled;
  return Array.from({ length: count }, (_, i) => {
    const actions = [i % 5, 1, 2, 3, 4, 0];
    const architecture = space.decode(actions);
    return { actions, architecture, label: space.label(architecture), fingerprint: space.fingerprint(architecture), policyVersion: 0, logProb: -3 };
  });
}

describe('subscriptions over graphql-ws', async () => {
  for (const backend of await backends()) {
    describe(backend.name, { skip: backend.skip ?? false }, () => {
      let server: RunningServer;
      let config: ReturnType<typeof backend.config>;
      before(async () => {
        config = backend.config();
        server = await startTestServer(config);
      });
      after(async () => {
        await server?.close();
        await backend.cleanup();
      });

      test('experimentUpdated delivers changes made through mutations, only for its experiment', async () => {
        const id = await createExperiment(server.url, 'watched');
        const other = await createExperiment(server.url, 'other');
        const sub = await subscribe(server.url, EXPERIMENT_UPDATED, { id }, (d) => d.experimentUpdated as { id: string; name: string });
        await gqlOk(server.url, `mutation($id: ID!) { updateExperiment(id: $id, input: { name: "other renamed" }) { id } }`, { id: other });
        await gqlOk(server.url, `mutation($id: ID!) { updateExperiment(id: $id, input: { name: "first" }) { id } }`, { id });
        await gqlOk(server.url, `mutation($id: ID!) { updateExperiment(id: $id, input: { name: "second" }) { id } }`, { id });
        // The creation's own event may still be on its way (NOTIFY) when the subscription starts.
        const got = (await sub.until((r) => r.filter((e) => e.name !== 'watched').length >= 2)).filter((e) => e.name !== 'watched');
        assert.deepEqual(got.map((e) => e.name), ['first', 'second']);
        assert.ok(got.every((e) => e.id === id));
        await sub.close();
      });

      test('trialUpdated delivers every transition made by the trial service, in order', async () => {
        const id = await createExperiment(server.url, 'trials');
        const sub = await subscribe(server.url, TRIAL_UPDATED, { id }, (d) => d.trialUpdated as { sequence: number; status: string; reward: number | null; label: string });
        const [a, b] = await addTrials(server.services.storage, id, newTrials(2));
        await server.services.trials.transition(a!.id, start('worker-1', 60));
        await server.services.trials.complete(a!.id, { reward: 0.75, metrics: { 'cifar10-test': 0.8 } }, { workerId: 'worker-1', scope: null });
        await server.services.trials.transition(b!.id, start('worker-1', 60));
        const got = await sub.until((r) => r.length >= 5);
        assert.deepEqual(
          got.map((t) => [t.sequence, t.status]),
          [[1, 'PENDING'], [2, 'PENDING'], [1, 'RUNNING'], [1, 'SUCCEEDED'], [2, 'RUNNING']],
        );
        assert.equal(got[3]!.reward, 0.75);
        assert.match(got[0]!.label, /^\|.+~0\|\+/);
        await sub.close();
      });

      test('subscribing to an unknown experiment is an error, not silence', async () => {
        const sub = await subscribe(server.url, EXPERIMENT_UPDATED, { id: '00000000-0000-4000-8000-000000000000' }, (d) => d);
        await assert.rejects(sub.until(() => false, 3000), /NOT_FOUND/);
        await sub.close();
      });

      if (backend.name === 'postgres') {
        test('a second API replica delivers events caused in the first (LISTEN/NOTIFY)', async () => {
          // Same database and schema: a second replica of the same deployment.
          const replica = await startTestServer(config);
          try {
            const id = await createExperiment(server.url, 'replicated');
            const experiments = await subscribe(replica.url, EXPERIMENT_UPDATED, { id }, (d) => d.experimentUpdated as { name: string });
            const trials = await subscribe(replica.url, TRIAL_UPDATED, { id }, (d) => d.trialUpdated as { status: string });
            await gqlOk(server.url, `mutation($id: ID!) { updateExperiment(id: $id, input: { name: "changed on A" }) { id } }`, { id });
            const [trial] = await addTrials(server.services.storage, id, newTrials(1));
            await server.services.trials.transition(trial!.id, start('w', 60));
            assert.deepEqual((await experiments.until((r) => r.length >= 1)).map((e) => e.name), ['changed on A']);
            assert.deepEqual((await trials.until((r) => r.length >= 2)).map((t) => t.status), [TrialStatus.PENDING, TrialStatus.RUNNING]);
            await experiments.close();
            await trials.close();
          } finally {
            await replica.close();
          }
        });
      }
    });
  }
});
