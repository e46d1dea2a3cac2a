import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/server.js';
import { backends } from '../helpers/backends.js';
import { NB201_SPACE } from '../helpers/fixtures.js';
import { errorCode, gql, gqlOk, type As } from '../helpers/graphql-client.js';
import { startTestServer } from '../helpers/server.js';

const REGISTER = `mutation($i: RegisterWorkerInput!, $l: Int) { registerWorker(input: $i, leaseSeconds: $l) { id name project host backend cores gpu datasets concurrency registeredAt lastHeartbeatAt expiresAt currentTrials { id } } }`;
const WORKERS = `query($gone: Boolean) { workers(includeGone: $gone) { totalCount edges { node { id name project backend adapter currentTrials { id sequence status } } } } }`;

interface WorkerView {
  id: string;
  name: string;
  project: string | null;
  backend: string;
  adapter: string | null;
  currentTrials: { id: string; sequence: number; status: string }[];
}

const announce = (name: string, extra: Record<string, unknown> = {}) => ({ name, host: 'gpu-01', backend: 'auto', cores: 8, gpu: 'NVIDIA L4', datasets: ['fashion-mnist', 'synthetic'], concurrency: 1, ...extra });

describe('the worker registry through GraphQL', async () => {
  for (const backend of await backends()) {
    describe(backend.name, { skip: backend.skip ?? false }, () => {
      let server: RunningServer;
      const as: Record<string, As & { id: string }> = {};

      before(async () => {
        server = await startTestServer(backend.config({ schedulerResyncMs: 200 }));
        const key = async (name: string, role: 'admin' | 'viewer' | 'worker', project: string | null) => {
          const created = await server.services.keys.create({ name, role, project }, 'test');
          return { token: created.token, id: created.key.id };
        };
        as.admin = await key('admin', 'admin', null);
        as.viewer = await key('viewer', 'viewer', null);
        as.viewerA = await key('viewer a', 'viewer', 'a');
        as.worker = await key('worker', 'worker', null);
        as.workerA = await key('worker a', 'worker', 'a');
      });
      after(async () => {
        await server?.close();
        await backend.cleanup();
      });

      test('a worker registers under its key’s identity and renews as its heartbeat; a stopping one leaves', async () => {
        const first = await gqlOk<{ registerWorker: WorkerView & { registeredAt: string; expiresAt: string; lastHeartbeatAt: string } }>(server.url, REGISTER, { i: announce('w1'), l: 30 }, as.worker);
        assert.equal(first.registerWorker.id, `api-key:${as.worker.id}/w1`);
        assert.equal(first.registerWorker.project, null);
        assert.ok(Date.parse(first.registerWorker.expiresAt) - Date.parse(first.registerWorker.lastHeartbeatAt) === 30_000);
        const renewed = await gqlOk<{ registerWorker: WorkerView & { registeredAt: string } }>(server.url, REGISTER, { i: announce('w1', { backend: 'wasm' }) }, as.worker);
        assert.equal(renewed.registerWorker.registeredAt, first.registerWorker.registeredAt);
        assert.equal(renewed.registerWorker.backend, 'wasm');

        const listed = await gqlOk<{ workers: { edges: { node: WorkerView }[] } }>(server.url, WORKERS, {}, as.viewer);
        assert.ok(listed.workers.edges.some((e) => e.node.id === renewed.registerWorker.id));

        assert.equal((await gqlOk<{ unregisterWorker: boolean }>(server.url, `mutation { unregisterWorker(name: "w1") }`, {}, as.worker)).unregisterWorker, true);
        const after = await gqlOk<{ workers: { edges: { node: WorkerView }[] } }>(server.url, WORKERS, { gone: true }, as.viewer);
        assert.ok(!after.workers.edges.some((e) => e.node.id === renewed.registerWorker.id));
      });

      test('currentTrials are the trials the worker holds', async () => {
        const space = await gqlOk<{ createSearchSpace: { id: string } }>(server.url, `mutation($d: JSON!) { createSearchSpace(input: { name: "nb201", definition: $d }) { id } }`, { d: NB201_SPACE() }, as.admin);
        const { createExperiment } = await gqlOk<{ createExperiment: { id: string } }>(
          server.url,
          `mutation($s: ID!) { createExperiment(input: { name: "held", searchSpaceId: $s, strategy: { type: "random" }, evaluator: { type: "tabular", options: { placement: "workers" } }, budget: { maxTrials: 4, parallelTrials: 2 } }) { id } }`,
          { s: space.createSearchSpace.id },
          as.admin,
        );
        await gqlOk(server.url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id: createExperiment.id }, as.admin);
        await gqlOk(server.url, REGISTER, { i: announce('holder') }, as.worker);
        let claimed: { id: string } | null = null;
        for (let tries = 0; claimed === null && tries < 100; tries += 1) {
          claimed = (await gqlOk<{ claimTrial: { id: string } | null }>(server.url, `mutation($e: ID!) { claimTrial(experimentId: $e, workerId: "holder") { id } }`, { e: createExperiment.id }, as.worker)).claimTrial;
          if (claimed === null) await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.ok(claimed, 'the scheduler proposed a trial to claim');
        const listed = await gqlOk<{ workers: { edges: { node: WorkerView }[] } }>(server.url, WORKERS, {}, as.viewer);
        const holder = listed.workers.edges.find((e) => e.node.id === `api-key:${as.worker.id}/holder`)?.node;
        assert.deepEqual(holder?.currentTrials.map((t) => [t.id, t.status]), [[claimed.id, 'RUNNING']]);
        await gqlOk(server.url, `mutation($id: ID!) { cancelExperiment(id: $id) { status } }`, { id: createExperiment.id }, as.admin);
      });

      test('a project’s viewer sees its project’s workers only; rights and input are checked', async () => {
        await gqlOk(server.url, REGISTER, { i: announce('in-a') }, as.workerA);
        await gqlOk(server.url, REGISTER, { i: announce('everywhere') }, as.worker);
        const scoped = await gqlOk<{ workers: { edges: { node: WorkerView }[] } }>(server.url, WORKERS, {}, as.viewerA);
        assert.deepEqual(scoped.workers.edges.map((e) => e.node.id), [`api-key:${as.workerA.id}/in-a`]);
        assert.equal(scoped.workers.edges[0]!.node.project, 'a');

        assert.equal(errorCode(await gql(server.url, REGISTER, { i: announce('nope') }, as.viewer)), 'FORBIDDEN', 'only workers (and admins) register');
        assert.equal(errorCode(await gql(server.url, WORKERS, {}, as.worker)), 'FORBIDDEN', 'a worker key reads nothing');
        const bad = await gql(server.url, REGISTER, { i: announce('', { cores: 0, concurrency: 10_000, datasets: [''] }), l: 0 }, as.worker);
        assert.equal(errorCode(bad), 'BAD_USER_INPUT');
      });
    });
  }
});
