import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Logger as OrmLogger } from 'typeorm';
import { ExperimentStatus } from '../../src/core/experiments/experiment-status.js';
import { TrialStatus } from '../../src/core/trials/trial-status.js';
import type { RunningServer } from '../../src/server.js';
import { EXPERIMENTS } from '../../web/src/api/documents.js';
import { backends } from '../helpers/backends.js';
import { gqlOk } from '../helpers/graphql-client.js';
import { experimentRecord, searchSpaceRecord, trialRecord } from '../helpers/records.js';
import { startTestServer } from '../helpers/server.js';

/** Everything a list of experiments can ask of each one that is loaded per experiment. */
const PER_EXPERIMENT = `
  id eventId status
  searchSpace { id name }
  trialCounts { pending running succeeded failed total duplicates }
  progress { evaluations finishedEvaluations fraction }
  bestTrial { id sequence reward metrics { step name value } experiment { id name } }
  leaderboard(top: 3) { id sequence reward metrics(name: "acc") { step value } }
  bestSoFar { sequence reward trialId }
`;
const LIST = `query($first: Int!) { experiments(first: $first) { totalCount edges { node { ${PER_EXPERIMENT} } } } }`;
const ONE = `query($id: ID!) { experiment(id: $id) { ${PER_EXPERIMENT} } }`;

describe('list fields load once per request, not once per parent', async () => {
  for (const backend of await backends()) {
    describe(backend.name, { skip: backend.skip ?? false }, () => {
      let server: RunningServer;
      /** SQL statements sent while `counting` runs. */
      let statements = 0;

      before(async () => {
        // No scheduler: nothing but the requests themselves talks to the database. The cost
        // limit would refuse 20 best-so-far curves of 1,000 points each.
        const config = backend.config({ scheduler: false });
        server = await startTestServer({ ...config, limits: { ...config.limits, maxCost: 100_000 } });
        const source = server.database.dataSource;
        const logger: OrmLogger = source.logger;
        source.logger = new Proxy(logger, {
          get: (target, property, receiver) =>
            property === 'logQuery'
              ? (...args: Parameters<OrmLogger['logQuery']>) => {
                  statements += 1;
                  return target.logQuery(...args);
                }
              : Reflect.get(target, property, receiver),
        });
      });
      after(async () => {
        await server?.close();
        await backend.cleanup();
      });

      async function counting<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> {
        const before = statements;
        const result = await work();
        return { result, statements: statements - before };
      }

      /** `n` experiments of a few trials each, half with a best trial the scheduler recorded, with learning curves. */
      async function seed(n: number, project: string): Promise<string[]> {
        const { storage } = server.services;
        const space = searchSpaceRecord({ project });
        await storage.searchSpaces.insert(space);
        const ids: string[] = [];
        for (let e = 0; e < n; e++) {
          const direction = e % 3 === 0 ? 'MINIMIZE' : 'MAXIMIZE';
          const experiment = experimentRecord(space.id, { project, name: `${project} ${e}`, status: ExperimentStatus.RUNNING, objective: { metric: 'acc', direction, goal: null } });
          await storage.experiments.insert(experiment);
          const trials = [0.3, 0.8, null, 0.5].map((reward, i) => trialRecord(experiment.id, i + 1, reward === null ? { status: TrialStatus.RUNNING } : { status: TrialStatus.SUCCEEDED, reward: reward + e / 100 }));
          const original = trials[1]!;
          trials.push(trialRecord(experiment.id, 5, { status: TrialStatus.SUCCEEDED, reward: original.reward, duplicateOfId: original.id }));
          await storage.trials.insert(trials);
          for (const trial of trials.slice(0, 2)) {
            for (const [step, name] of [[1, 'acc'], [2, 'acc'], [1, 'loss']] as const) {
              await storage.metrics.upsert({ id: randomUUID(), trialId: trial.id, experimentId: experiment.id, step, name, value: step / 10, createdAt: new Date() });
            }
          }
          if (e % 2 === 0) await storage.experiments.update(experiment.id, { bestTrialId: original.id });
          ids.push(experiment.id);
        }
        return ids;
      }

      test('a page of experiments costs the same statements for 2 as for 20, and each node is what the experiment alone answers', async () => {
        await seed(2, 'small');
        await seed(20, 'large');
        const page = (project: string, first: number) =>
          counting(() => gqlOk<{ experiments: { edges: { node: { id: string } }[] } }>(server.url, LIST.replace('experiments(first: $first)', `experiments(first: $first, project: "${project}")`), { first }));
        // Warm: the first request of a process also loads TypeORM's metadata and the like.
        await page('small', 2);
        const small = await page('small', 2);
        const large = await page('large', 20);
        assert.equal(large.result.experiments.edges.length, 20);
        assert.equal(large.statements, small.statements, `${small.statements} statements for 2 experiments, ${large.statements} for 20`);
        assert.ok(large.statements <= 12, `${large.statements} statements for a page of 20`);
        for (const { node } of large.result.experiments.edges) {
          const alone = await gqlOk<{ experiment: unknown }>(server.url, ONE, { id: node.id });
          assert.deepEqual(node, alone.experiment);
        }
      });

      test("the dashboard's own list query of 20 experiments costs a handful of statements", async () => {
        const { statements: n } = await counting(() => gqlOk(server.url, EXPERIMENTS, { first: 20 }));
        assert.ok(n <= 6, `${n} statements`);
      });

      test('nothing loaded for one request answers the next', async () => {
        const [id] = await seed(1, 'fresh');
        const counts = () => gqlOk<{ experiment: { trialCounts: { total: number } } }>(server.url, `query($id: ID!) { experiment(id: $id) { trialCounts { total } } }`, { id });
        assert.equal((await counts()).experiment.trialCounts.total, 5);
        await server.services.storage.trials.insert([trialRecord(id!, 6)]);
        assert.equal((await counts()).experiment.trialCounts.total, 6);
      });
    });
  }
});
