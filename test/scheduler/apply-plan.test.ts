import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StalePassError, applyPlan } from '../../src/core/scheduler/apply-plan.js';
import { Controller } from '../../src/core/scheduler/controller.js';
import { planPass } from '../../src/core/scheduler/plan.js';
import { readSnapshot } from '../../src/core/scheduler/snapshot.js';
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

      async function plannedPass() {
        const { storage, lifecycle, searchSpaces } = server.services;
        const id = await createExperimentVia(server.url, { name: 'by hand', strategy: { type: 'random' }, evaluator: { type: 'external' }, budget: { maxTrials: 20, parallelTrials: 4 }, seed: 1 });
        await lifecycle.start(id, null);
        const now = new Date();
        assert.ok(await storage.experiments.claimScheduler(id, owner, new Date(now.getTime() + 60_000), now, false));
        const snapshot = (await readSnapshot(storage, id, { now, ours: () => false, predecessor: null }))!;
        const space = await searchSpaces.compiledSpace(snapshot.experiment.searchSpaceId);
        const controller = await Controller.restore(storage, snapshot.experiment, space.decisions);
        const plan = await planPass(snapshot, controller, space, storage);
        return { id, snapshot, controller, plan };
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
