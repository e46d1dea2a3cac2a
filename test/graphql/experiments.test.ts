import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ExperimentStatus } from '../../src/core/experiments/experiment-status.js';
import type { RunningServer } from '../../src/server.js';
import { backends } from '../helpers/backends.js';
import { NB201_SPACE } from '../helpers/fixtures.js';
import { errorCode, gql, gqlOk } from '../helpers/graphql-client.js';
import { startTestServer } from '../helpers/server.js';

const CREATE = `mutation($input: CreateExperimentInput!) {
  createExperiment(input: $input) {
    id name status seed searchSpaceId
    strategy { type hyperparameters } evaluator { type options }
    objective { metric direction goal } budget { maxTrials parallelTrials maxFailedTrials maxDurationSeconds maxRetries }
    searchSpace { id cardinality } trialCounts { total pending } bestTrial { id }
  }
}`;

interface ExperimentView {
  id: string;
  name: string;
  status: string;
  seed: number;
  budget: { maxTrials: number; parallelTrials: number; maxFailedTrials: number; maxRetries: number };
  strategy: { type: string };
  trialCounts: { total: number };
  bestTrial: null | { id: string };
}

describe('experiments through GraphQL', async () => {
  for (const backend of await backends()) {
    describe(backend.name, { skip: backend.skip ?? false }, () => {
      let server: RunningServer;
      let url: string;
      let spaceId: string;
      const input = (overrides: Record<string, unknown> = {}) => ({
        name: 'nb201 search',
        searchSpaceId: spaceId,
        evaluator: { type: 'tabular', options: { rewardColumn: 'cifar10-val' } },
        ...overrides,
      });

      before(async () => {
        server = await startTestServer(backend.config());
        url = server.url;
        const created = await gqlOk<{ createSearchSpace: { id: string } }>(
          url,
          `mutation($d: JSON!) { createSearchSpace(input: { name: "nb201", definition: $d }) { id } }`,
          { d: NB201_SPACE() },
        );
        spaceId = created.createSearchSpace.id;
      });
      after(async () => {
        await server?.close();
        await backend.cleanup();
      });

      test('create fills defaults and records the seed', async () => {
        const { createExperiment: e } = await gqlOk<{ createExperiment: ExperimentView }>(url, CREATE, { input: input() });
        assert.equal(e.status, 'CREATED');
        assert.equal(e.strategy.type, 'reinforce');
        assert.deepEqual(e.budget, { maxTrials: 100, parallelTrials: 4, maxFailedTrials: 100, maxDurationSeconds: null, maxRetries: 2 });
        assert.ok(Number.isInteger(e.seed));
        assert.equal(e.trialCounts.total, 0);
        assert.equal(e.bestTrial, null);
        const again = await gqlOk<{ experiment: { seed: number; searchSpace: { cardinality: string } } }>(
          url,
          `query($id: ID!) { experiment(id: $id) { seed searchSpace { cardinality } } }`,
          { id: e.id },
        );
        assert.equal(again.experiment.seed, e.seed);
        assert.equal(again.experiment.searchSpace.cardinality, '15625');
      });

      test('every invalid budget field is reported at once, and nothing is stored', async () => {
        const name = `invalid-${randomUUID()}`;
        const result = await gql(url, CREATE, {
          input: input({ name, budget: { maxTrials: 0, parallelTrials: 300, maxRetries: -1 }, seed: -5 }),
        });
        assert.equal(errorCode(result), 'BAD_USER_INPUT');
        const paths = (result.errors![0]!.extensions!.fields as { path: string }[]).map((f) => f.path).sort();
        assert.deepEqual(paths, ['input.budget.maxRetries', 'input.budget.maxTrials', 'input.budget.parallelTrials', 'input.seed']);
        const list = await gqlOk<{ experiments: { totalCount: number } }>(url, `query($n: String) { experiments(nameContains: $n) { totalCount } }`, { n: name });
        assert.equal(list.experiments.totalCount, 0);
      });

      test('a default derived from an invalid field is not reported as a second mistake', async () => {
        // maxFailedTrials and parallelTrials default from maxTrials; the user set neither.
        const result = await gql(url, CREATE, { input: input({ budget: { maxTrials: -5 } }) });
        assert.deepEqual(result.errors![0]!.extensions!.fields, [{ path: 'input.budget.maxTrials', message: 'must be an integer between 1 and 100000' }]);
        assert.doesNotMatch(result.errors![0]!.message, /and \d+ more/);
      });

      test('plugin options are reported at their own paths, all at once', async () => {
        const result = await gql(url, CREATE, {
          input: input({
            strategy: { type: 'reinforce', hyperparameters: { learningRat: 0.1, layers: 0 } },
            evaluator: { type: 'tabular', options: { rewardColum: 'x', extraColumns: [3] } },
          }),
        });
        assert.equal(errorCode(result), 'BAD_USER_INPUT');
        const paths = (result.errors![0]!.extensions!.fields as { path: string }[]).map((f) => f.path).sort();
        assert.deepEqual(paths, [
          'input.evaluator.options.extraColumns[0]',
          'input.evaluator.options.rewardColum',
          'input.strategy.hyperparameters.layers',
          'input.strategy.hyperparameters.learningRat',
        ]);
      });

      test('a test split is never the reward; hard constraints need a maximised objective', async () => {
        const leak = await gql(url, CREATE, { input: input({ evaluator: { type: 'tabular', options: { rewardColumn: 'cifar10-test' } } }) });
        assert.deepEqual((leak.errors![0]!.extensions!.fields as { path: string }[]).map((f) => f.path), ['input.evaluator.options.rewardColumn']);
        const minimised = await gql(url, CREATE, { input: input({ objective: { direction: 'MINIMIZE' }, constraints: { maxParams: 1e6 } }) });
        assert.deepEqual((minimised.errors![0]!.extensions!.fields as { path: string }[]).map((f) => f.path), ['input.objective.direction']);
        assert.equal(errorCode(await gql(url, CREATE, { input: input({ objective: { direction: 'MINIMIZE' } }) })), undefined, 'MINIMIZE alone is fine');
      });

      test('parallelTrials may not exceed maxTrials; unknown plugins are named', async () => {
        const tooParallel = await gql(url, CREATE, { input: input({ budget: { maxTrials: 3, parallelTrials: 4 } }) });
        assert.deepEqual(tooParallel.errors![0]!.extensions!.fields, [{ path: 'input.budget.parallelTrials', message: 'must not exceed maxTrials (3)' }]);
        const unknown = await gql(url, CREATE, { input: input({ strategy: { type: 'bayesian' }, evaluator: { type: 'oracle' } }) });
        const paths = (unknown.errors![0]!.extensions!.fields as { path: string }[]).map((f) => f.path);
        assert.deepEqual(paths, ['input.strategy.type', 'input.evaluator.type']);
      });

      test('a missing or malformed search space id is refused', async () => {
        assert.equal(errorCode(await gql(url, CREATE, { input: input({ searchSpaceId: randomUUID() }) })), 'NOT_FOUND');
        assert.equal(errorCode(await gql(url, CREATE, { input: input({ searchSpaceId: 'abc' }) })), 'BAD_USER_INPUT');
        assert.equal(errorCode(await gql(url, CREATE, { input: input({ budget: { maxTrials: 'ten' } }) })), 'BAD_USER_INPUT');
      });

      test('update: name any time, configuration only while CREATED', async () => {
        const { createExperiment: e } = await gqlOk<{ createExperiment: ExperimentView }>(url, CREATE, { input: input() });
        const UPDATE = `mutation($id: ID!, $input: UpdateExperimentInput!) { updateExperiment(id: $id, input: $input) { name budget { maxTrials parallelTrials } seed } }`;
        const updated = await gqlOk<{ updateExperiment: { name: string; budget: { maxTrials: number; parallelTrials: number }; seed: number } }>(
          url,
          UPDATE,
          { id: e.id, input: { name: 'renamed', budget: { maxTrials: 20 }, seed: 11 } },
        );
        assert.deepEqual(updated.updateExperiment, { name: 'renamed', budget: { maxTrials: 20, parallelTrials: 4 }, seed: 11 });

        await server.services.storage.experiments.update(e.id, { status: ExperimentStatus.PAUSED });
        const refused = await gql(url, UPDATE, { id: e.id, input: { budget: { maxTrials: 50 } } });
        assert.equal(errorCode(refused), 'CONFLICT');
        const renamed = await gqlOk<{ updateExperiment: { name: string; budget: { maxTrials: number } } }>(url, UPDATE, { id: e.id, input: { name: 'paused one' } });
        assert.equal(renamed.updateExperiment.name, 'paused one');
        assert.equal(renamed.updateExperiment.budget.maxTrials, 20);
      });

      test('delete: CONFLICT while RUNNING, cascades otherwise; the space is then free to delete', async () => {
        const space = await gqlOk<{ createSearchSpace: { id: string } }>(
          url,
          `mutation($d: JSON!) { createSearchSpace(input: { name: "own", definition: $d }) { id } }`,
          { d: NB201_SPACE() },
        );
        const ownSpace = space.createSearchSpace.id;
        const { createExperiment: e } = await gqlOk<{ createExperiment: ExperimentView }>(url, CREATE, { input: input({ searchSpaceId: ownSpace }) });
        const spaceDelete = await gql(url, `mutation($id: ID!) { deleteSearchSpace(id: $id) }`, { id: ownSpace });
        assert.equal(errorCode(spaceDelete), 'CONFLICT');

        await server.services.storage.experiments.update(e.id, { status: ExperimentStatus.RUNNING });
        assert.equal(errorCode(await gql(url, `mutation($id: ID!) { deleteExperiment(id: $id) }`, { id: e.id })), 'CONFLICT');
        await server.services.storage.experiments.update(e.id, { status: ExperimentStatus.CANCELLED });
        await gqlOk(url, `mutation($id: ID!) { deleteExperiment(id: $id) }`, { id: e.id });
        assert.equal(errorCode(await gql(url, `query($id: ID!) { experiment(id: $id) { id } }`, { id: e.id })), 'NOT_FOUND');
        await gqlOk(url, `mutation($id: ID!) { deleteSearchSpace(id: $id) }`, { id: ownSpace });
      });

      test('experiments list by status with cursor pages', async () => {
        const tag = randomUUID().slice(0, 8);
        for (let i = 0; i < 5; i++) await gqlOk(url, CREATE, { input: input({ name: `${tag}-${i}` }) });
        const names: string[] = [];
        let after: string | null = null;
        for (;;) {
          const page: { experiments: { totalCount: number; edges: { node: { name: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } = await gqlOk(
            url,
            `query($after: String, $n: String) { experiments(first: 2, after: $after, nameContains: $n, status: [CREATED]) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }`,
            { after, n: tag },
          );
          assert.equal(page.experiments.totalCount, 5);
          names.push(...page.experiments.edges.map((edge) => edge.node.name));
          if (!page.experiments.pageInfo.hasNextPage) break;
          after = page.experiments.pageInfo.endCursor;
        }
        assert.equal(new Set(names).size, 5);
        const none = await gqlOk<{ experiments: { totalCount: number } }>(url, `query($n: String) { experiments(nameContains: $n, status: [SUCCEEDED]) { totalCount } }`, { n: tag });
        assert.equal(none.experiments.totalCount, 0);
      });
    });
  }
});
