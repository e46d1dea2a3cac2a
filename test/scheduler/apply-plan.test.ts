import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StalePassError, applyPlan } from '../../src/core/scheduler/apply-plan.js';
import { Controller } from '../../src/core/scheduler/controller.js';
import { planPass } from '../../src/core/scheduler/plan.js';
import { sortProposals } from '../../src/core/scheduler/proposals.js';
import { insertTrials } from '../../src/core/trials/new-trials.js';
import { UNOBSERVED_PER_PASS, readSnapshot } from '../../src/core/scheduler/snapshot.js';
import { sum } from '../../src/core/trials/tally.js';
import type { RunningServer } from '../../src/server.js';
import { backends } from '../helpers/backends.js';
import { createExperimentVia } from '../helpers/experiments.js';
import { startTestServer } from '../helpers/server.js';

/**
 * A scheduler pass plans from a snapshot and writes in one transaction that must find the
 * experiment as the snapshot saw it. Driven by hand here (no scheduler runs in this
 * server), so the cancel lands exactly between plan and apply: the moment at which the
 * old loop created trials after the experiment had ended.
 */
describe('a scheduler pass: snapshot → plan → apply', async () => {
  for (const backend of await backends()) {
    describe(backend.name, { skip: backend.skip ?? false }, () => {
      let server: RunningServer;
      const owner = 'test-scheduler';
      before(async () => {
        server = await startTestServer(backend.config({ scheduler: false }));
      });
      after(async () => {
        await server?.close();
        await backend.cleanup();
      });

      async function plannedPass(budget = { maxTrials: 20, parallelTrials: 4 }) {
        const { storage, lifecycle } = server.services;
        const id = await createExperimentVia(server.url, { name: 'by hand', strategy: { type: 'random' }, evaluator: { type: 'external' }, budget, seed: 1 });
        await lifecycle.start(id, null);
        const now = new Date();
        assert.ok(await storage.experiments.claimScheduler(id, owner, new Date(now.getTime() + 60_000), now, false));
        const controller = await Controller.restore(storage, (await storage.experiments.findById(id))!, (await compiledSpaceOf(id)).decisions);
        return { id, controller, ...(await nextPlan(id, controller)) };
      }

      async function compiledSpaceOf(id: string) {
        return server.services.searchSpaces.compiledSpace((await server.services.storage.experiments.findById(id))!.searchSpaceId);
      }

      async function nextPlan(id: string, controller: Controller) {
        const { storage } = server.services;
        const snapshot = (await readSnapshot(storage, id, { now: new Date(), ours: () => false, predecessor: null }))!;
        return { snapshot, plan: await planPass(snapshot, controller, await compiledSpaceOf(id), storage) };
      }

      test('a live experiment gets the planned trials, its checkpoint and its progress event in one commit', async () => {
        const { id, snapshot, controller, plan } = await plannedPass();
        assert.equal(plan.proposals?.trials.length, 4);
        const before = await server.services.storage.events.lastId(id);
        const applied = await server.services.storage.transaction((tx) => applyPlan(tx, plan, snapshot, controller, owner, true, new Date()));
        assert.equal(applied.experiment.trialSequence, 4);
        assert.equal(sum((await server.services.storage.trials.tally(id)).evaluations), 4);
        assert.ok(await server.services.storage.checkpoints.latest(id));
        const events = await server.services.storage.events.listAfter(id, before, 100);
        assert.deepEqual(events.map((e) => e.topic), ['TRIAL_UPDATED', 'TRIAL_UPDATED', 'TRIAL_UPDATED', 'TRIAL_UPDATED', 'EXPERIMENT_UPDATED']);
        controller.dispose();
      });

      test('a backlog of results is learned over several passes, and only then proposed from', async () => {
        const trials = UNOBSERVED_PER_PASS + 44;
        const { id, controller } = await plannedPass({ maxTrials: trials, parallelTrials: 4 });
        const { storage } = server.services;
        // An external evaluator that was handed every trial and reports every result at once.
        const batch = await sortProposals(storage, id, await compiledSpaceOf(id), await controller.propose(trials), 0);
        await storage.transaction(async (tx) => insertTrials(tx, (await tx.experiments.findById(id, { forUpdate: true }))!, batch.trials, new Date()));
        await server.database.dataSource.query(`UPDATE trial SET status = 'SUCCEEDED', reward = sequence / 1000.0, started_at = now(), finished_at = now() WHERE experiment_id = $1`, [id]);
        // Fewer rows than proposals where the random draws repeated one (answered as duplicates).
        const [{ rows }] = (await server.database.dataSource.query(`SELECT count(*)::int AS rows FROM trial WHERE experiment_id = $1`, [id])) as [{ rows: number }];
        assert.ok(rows > UNOBSERVED_PER_PASS);
        const apply = (next: Awaited<ReturnType<typeof nextPlan>>) => storage.transaction((tx) => applyPlan(tx, next.plan, next.snapshot, controller, owner, true, new Date()));
        const first = await nextPlan(id, controller);
        assert.deepEqual([first.snapshot.unobserved.length, first.snapshot.moreUnobserved], [UNOBSERVED_PER_PASS, true]);
        assert.deepEqual([first.plan.ending, first.plan.proposals, first.plan.again], [null, null, true], 'no end and no proposal while results wait');
        assert.equal((await apply(first)).experiment.status, 'RUNNING');
        const second = await nextPlan(id, controller);
        assert.deepEqual([second.snapshot.unobserved.length, second.snapshot.moreUnobserved], [rows - UNOBSERVED_PER_PASS, false]);
        // The draws that were answered as duplicates left budget: now, and only now, it is proposed into.
        const evaluations = sum((await storage.trials.tally(id)).evaluations);
        assert.ok(evaluations < trials);
        assert.equal(second.plan.ending, null);
        assert.equal(second.plan.proposals?.evaluations, Math.min(4, trials - evaluations));
        await apply(second);
        assert.equal((await storage.trials.listUnobserved(id)).length, 0, 'every result was consumed');
        const observed = (s: unknown): number => (s as { state: { observed: number } }).state.observed;
        assert.equal(observed((await storage.checkpoints.latest(id))!.state), rows, 'and learned from, once each');
        controller.dispose();
      });

      test('cancelled between plan and apply: the pass writes nothing', async () => {
        const { id, snapshot, controller, plan } = await plannedPass();
        assert.ok((plan.proposals?.trials.length ?? 0) > 0, 'the pass planned trials');
        const cancelled = await server.services.lifecycle.cancel(id, null);
        const eventsAtCancel = await server.services.storage.events.lastId(id);
        await assert.rejects(
          server.services.storage.transaction((tx) => applyPlan(tx, plan, snapshot, controller, owner, true, new Date())),
          (e: unknown) => e instanceof StalePassError && /CANCELLED/.test(e.message),
        );
        assert.equal(sum((await server.services.storage.trials.tally(id)).evaluations), 0, 'no trial was created after the end');
        assert.equal(await server.services.storage.checkpoints.latest(id), null);
        assert.equal(await server.services.storage.events.lastId(id), eventsAtCancel, 'and nothing was announced');
        assert.equal((await server.services.storage.experiments.findById(id))!.finishedAt!.getTime(), cancelled.finishedAt!.getTime());
        controller.dispose();
      });

      test('a pass of a scheduler that lost its claim writes nothing', async () => {
        const { id, snapshot, controller, plan } = await plannedPass();
        const now = new Date();
        assert.ok(await server.services.storage.experiments.claimScheduler(id, 'another-replica', new Date(now.getTime() + 60_000), now, true));
        await assert.rejects(
          server.services.storage.transaction((tx) => applyPlan(tx, plan, snapshot, controller, owner, true, new Date())),
          (e: unknown) => e instanceof StalePassError && /another scheduler/.test(e.message),
        );
        assert.equal(sum((await server.services.storage.trials.tally(id)).evaluations), 0);
        controller.dispose();
      });
    });
  }
});
