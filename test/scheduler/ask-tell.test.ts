import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { runWorker, type ClaimedTrial, type Evaluate } from '../../examples/external-worker.js';
import type { RunningServer } from '../../src/server.js';
import { backends } from '../helpers/backends.js';
import { flakyProxy } from '../helpers/flaky-proxy.js';
import { NB201_SPACE } from '../helpers/fixtures.js';
import { errorCode, gql, gqlOk, subscribe, type GraphQLResponse } from '../helpers/graphql-client.js';
import { nb201Table } from '../helpers/nb201-table.js';
import { startTestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface TrialView {
  id: string;
  sequence: number;
  status: string;
  reward: number | null;
  attempt: number;
  workerId: string | null;
  error: string | null;
  label: string;
  duplicateOfId: string | null;
  finalMetrics: Record<string, number>;
  updatedAt: string;
  finishedAt: string | null;
}
const TRIAL = 'id sequence status reward attempt workerId error label duplicateOfId finalMetrics updatedAt finishedAt';

interface MetricPoint {
  trialId: string;
  step: number;
  name: string;
  value: number;
}

/** The ask/tell mutations, raw, as a worker that is not the example would send them. */
function api(url: string) {
  return {
    claim: (experimentId: string, workerId: string, leaseSeconds = 30) =>
      gql<{ claimTrial: TrialView | null }>(url, `mutation($e: ID!, $w: String!, $l: Int!) { claimTrial(experimentId: $e, workerId: $w, leaseSeconds: $l) { ${TRIAL} } }`, {
        e: experimentId,
        w: workerId,
        l: leaseSeconds,
      }),
    heartbeat: (id: string, workerId: string | null, leaseSeconds: number | null = null) =>
      gql<{ heartbeatTrial: TrialView }>(url, `mutation($t: ID!, $w: String, $l: Int) { heartbeatTrial(id: $t, workerId: $w, leaseSeconds: $l) { ${TRIAL} } }`, { t: id, w: workerId, l: leaseSeconds }),
    report: (id: string, step: number, value: unknown, workerId: string | null, name = 'val_accuracy') =>
      gql<{ reportTrialMetric: { shouldStop: boolean; trial: TrialView; metric: MetricPoint } }>(
        url,
        `mutation($t: ID!, $s: Int!, $n: String!, $v: Float!, $w: String) { reportTrialMetric(trialId: $t, step: $s, name: $n, value: $v, workerId: $w) { shouldStop trial { ${TRIAL} } metric { trialId step name value } } }`,
        { t: id, s: step, n: name, v: value, w: workerId },
      ),
    complete: (id: string, metrics: unknown, key: string | null, workerId: string | null) =>
      gql<{ completeTrial: TrialView }>(url, `mutation($t: ID!, $m: JSON!, $k: String, $w: String) { completeTrial(trialId: $t, metrics: $m, idempotencyKey: $k, workerId: $w) { ${TRIAL} } }`, {
        t: id,
        m: metrics,
        k: key,
        w: workerId,
      }),
    fail: (id: string, error: string, retryable: boolean, workerId: string | null) =>
      gql<{ failTrial: TrialView }>(url, `mutation($t: ID!, $e: String!, $r: Boolean!, $w: String) { failTrial(trialId: $t, error: $e, retryable: $r, workerId: $w) { ${TRIAL} } }`, {
        t: id,
        e: error,
        r: retryable,
        w: workerId,
      }),
    trial: async (id: string) => (await gqlOk<{ trial: TrialView & { metrics: MetricPoint[] } }>(url, `query($id: ID!) { trial(id: $id) { ${TRIAL} metrics { trialId step name value } } }`, { id })).trial,
  };
}

/** The data of a call that must succeed, with the errors in the failure message. */
function ok<T>(result: GraphQLResponse<T>): T {
  assert.ok(!result.errors?.length && result.data, `GraphQL error: ${JSON.stringify(result.errors)}`);
  return result.data;
}

describe('ask/tell: external workers through GraphQL', async () => {
  for (const backend of await backends()) {
    describe(backend.name, { skip: backend.skip ?? false }, () => {
      let server: RunningServer;
      let url: string;
      let spaceId: string;
      let calls: ReturnType<typeof api>;

      async function createExternal(input: Record<string, unknown>): Promise<string> {
        const created = await gqlOk<{ createExperiment: { id: string } }>(url, `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`, {
          input: { name: 'ask/tell', searchSpaceId: spaceId, strategy: { type: 'random' }, evaluator: { type: 'external' }, seed: 5, ...input },
        });
        return created.createExperiment.id;
      }

      /** A started external experiment with `pending` trials waiting to be claimed. */
      async function externalExperiment(input: Record<string, unknown>, pending = 1, existing?: string): Promise<string> {
        const id = existing ?? (await createExternal(input));
        await gqlOk(url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id });
        await until(
          `${pending} pending trials`,
          async () => (await gqlOk<{ experiment: { trialCounts: { pending: number } } }>(url, `query($id: ID!) { experiment(id: $id) { trialCounts { pending } } }`, { id })).experiment.trialCounts.pending,
          (n) => n >= pending,
          10_000,
          50,
        );
        return id;
      }

      async function claimed(experimentId: string, workerId: string, leaseSeconds = 30): Promise<TrialView> {
        const trial = ok(await calls.claim(experimentId, workerId, leaseSeconds)).claimTrial;
        assert.ok(trial, 'a pending trial was handed out');
        assert.equal(trial.status, 'RUNNING');
        assert.equal(trial.workerId, workerId);
        return trial;
      }

      before(async () => {
        // A short resync, so that the scheduler notices an expired lease within ~200 ms.
        server = await startTestServer(backend.config({ schedulerResyncMs: 200 }));
        url = server.url;
        calls = api(url);
        spaceId = (await gqlOk<{ createSearchSpace: { id: string } }>(url, `mutation($d: JSON!) { createSearchSpace(input: { name: "nb201", definition: $d }) { id } }`, { d: NB201_SPACE() }))
          .createSearchSpace.id;
      });
      after(async () => {
        await server?.close();
        await backend.cleanup();
      });

      test('two example workers run an NB201 experiment to SUCCEEDED; each trial evaluated once, rewards from the table', async () => {
        const id = await createExternal({ strategy: { type: 'reinforce' }, budget: { maxTrials: 30, parallelTrials: 3 }, seed: 11 });
        // Subscribed before the start, so that the first trials' PENDING is seen too.
        const updates = await subscribe(url, `subscription($id: ID!) { trialUpdated(experimentId: $id) { id status } }`, { id }, (d) => d.trialUpdated as { id: string; status: string });
        await externalExperiment({}, 3, id);
        const table = nb201Table();
        const claims = new Map<string, string[]>();
        const evaluate: Evaluate = async (trial: ClaimedTrial, context): Promise<Record<string, number>> => {
          claims.set(trial.id, [...(claims.get(trial.id) ?? []), context.workerId]);
          const row = table.get(trial.label);
          if (!row) throw Object.assign(new Error(`${trial.label} is not in the NB201 table`), { retryable: false });
          // A short learning curve, with time for the other worker to claim meanwhile.
          for (let step = 1; step <= 3; step += 1) {
            await sleep(5 + Math.random() * 10);
            if (await context.report(step, 'val_accuracy', (row['cifar10-val']! * step) / 3)) return {};
          }
          return { reward: row['cifar10-val']!, 'cifar10-test': row['cifar10-test']! };
        };
        const timeout = AbortSignal.timeout(45_000);
        const common = { url, experimentId: id, evaluate, leaseSeconds: 30, idleMs: 20, maxIdleMs: 100, signal: timeout };
        const stats = await Promise.all([runWorker({ ...common, workerId: 'worker-a' }), runWorker({ ...common, workerId: 'worker-b' })]);
        assert.ok(!timeout.aborted, 'the workers ended because the experiment did, not on the timeout');

        const final = await gqlOk<{
          experiment: { status: string; endReason: string; progress: { evaluations: number }; bestTrial: { reward: number }; trials: { edges: { node: TrialView }[] } };
        }>(url, `query($id: ID!) { experiment(id: $id) { status endReason progress { evaluations } bestTrial { reward } trials(first: 500) { edges { node { ${TRIAL} } } } } }`, { id });
        const { experiment } = final;
        assert.equal(experiment.status, 'SUCCEEDED');
        assert.equal(experiment.endReason, 'MAX_TRIALS');
        assert.equal(experiment.progress.evaluations, 30);
        const trials = experiment.trials.edges.map((e) => e.node);
        const evaluated = trials.filter((t) => t.duplicateOfId === null);
        assert.equal(evaluated.length, 30);
        assert.ok(trials.every((t) => t.status === 'SUCCEEDED'), 'every trial SUCCEEDED');
        for (const t of trials) assert.equal(t.reward, table.get(t.label)!['cifar10-val'], `reward of ${t.label}`);
        for (const t of evaluated) {
          assert.equal(t.finalMetrics['cifar10-test'], table.get(t.label)!['cifar10-test']);
          assert.deepEqual(claims.get(t.id), [t.workerId], `trial ${t.sequence} was evaluated once, by the worker that completed it`);
          assert.equal(t.attempt, 1);
        }
        assert.equal(claims.size, 30, 'only the evaluated trials were claimed');
        assert.equal(experiment.bestTrial.reward, Math.max(...trials.map((t) => t.reward!)));
        assert.deepEqual(
          stats.map((s) => s.claimed),
          stats.map((s) => s.completed),
        );
        assert.equal(stats[0]!.completed + stats[1]!.completed, 30);
        assert.ok(stats.every((s) => s.completed > 0 && s.failed === 0 && s.stopped === 0), `both workers worked: ${JSON.stringify(stats)}`);

        // Exactly one SUCCEEDED per trial, and every evaluation went PENDING → RUNNING → SUCCEEDED.
        await updates.until((r) => r.filter((u) => u.status === 'SUCCEEDED').length >= trials.length);
        await sleep(200);
        for (const t of trials) {
          const statuses = updates.received.filter((u) => u.id === t.id).map((u) => u.status);
          assert.deepEqual(statuses, t.duplicateOfId === null ? ['PENDING', 'RUNNING', 'SUCCEEDED'] : ['SUCCEEDED'], `transitions of trial ${t.sequence}`);
        }
        await updates.close();
        const curve = await calls.trial(evaluated[0]!.id);
        assert.deepEqual(
          curve.metrics.map((m) => m.step),
          [1, 2, 3],
        );
      });

      test('completion: same key answers the stored result; another key, a wrong worker or a lost lease is LEASE_LOST', async () => {
        const id = await externalExperiment({ budget: { maxTrials: 10, parallelTrials: 3, maxRetries: 2 } }, 3);
        const t = await claimed(id, 'w1');
        assert.equal(t.attempt, 1);

        // Someone else's trial: every worker call is refused and changes nothing.
        assert.equal(errorCode(await calls.complete(t.id, { reward: 0.1 }, 'intruder-key', 'intruder')), 'LEASE_LOST');
        assert.equal(errorCode(await calls.heartbeat(t.id, 'intruder')), 'LEASE_LOST');
        assert.equal(errorCode(await calls.report(t.id, 1, 0.1, 'intruder')), 'LEASE_LOST');
        assert.equal(errorCode(await calls.fail(t.id, 'no', false, 'intruder')), 'LEASE_LOST');
        assert.equal((await calls.trial(t.id)).status, 'RUNNING');

        const first = ok(await calls.complete(t.id, { reward: 0.5, val_accuracy: 0.7 }, 'key-1', 'w1')).completeTrial;
        assert.equal(first.status, 'SUCCEEDED');
        assert.equal(first.reward, 0.5);
        // A resend (the first answer was lost) returns the stored result, even if the resent
        // metrics differ: the key names the completion, and the first one won.
        const again = ok(await calls.complete(t.id, { reward: 0.5, val_accuracy: 0.7 }, 'key-1', 'w1')).completeTrial;
        assert.deepEqual(again, first);
        const differing = ok(await calls.complete(t.id, { reward: 0.9 }, 'key-1', 'w1')).completeTrial;
        assert.deepEqual(differing, first);
        assert.equal(errorCode(await calls.complete(t.id, { reward: 0.5 }, 'key-2', 'w1')), 'LEASE_LOST');
        assert.equal(errorCode(await calls.complete(t.id, { reward: 0.5 }, null, 'w1')), 'LEASE_LOST');
        assert.equal(errorCode(await calls.fail(t.id, 'late', true, 'w1')), 'LEASE_LOST');
        assert.deepEqual(await calls.trial(t.id).then(({ metrics: _m, ...rest }) => rest), first, 'the finished trial never changed');

        // A lease of 1 s that is not renewed: the scheduler takes the trial back.
        const u = await claimed(id, 'w2', 1);
        ok(await calls.report(u.id, 0, 0.3, 'w2'));
        const reclaimed = await until(`trial ${u.sequence} reclaimed`, () => calls.trial(u.id), (x) => x.status !== 'RUNNING', 8000, 50);
        assert.equal(reclaimed.status, 'PENDING');
        assert.equal(reclaimed.workerId, null);
        assert.match(reclaimed.error ?? '', /lease/);
        assert.equal(reclaimed.attempt, 1, 'the lost lease counted as an attempt');
        assert.equal(errorCode(await calls.complete(u.id, { reward: 0.3 }, 'key-u', 'w2')), 'LEASE_LOST');
        assert.equal(ok(await calls.heartbeat(u.id, 'w2')).heartbeatTrial.status, 'PENDING', 'a heartbeat tells the old holder its trial is not RUNNING');
        // Another worker takes it over (the oldest pending trial); the old holder stays refused.
        const v = await claimed(id, 'w3');
        assert.equal(v.id, u.id);
        assert.equal(v.attempt, 2);
        assert.equal(errorCode(await calls.complete(u.id, { reward: 0.3 }, 'key-u', 'w2')), 'LEASE_LOST');
        assert.equal(errorCode(await calls.report(u.id, 1, 0.3, 'w2')), 'LEASE_LOST');
        const done = ok(await calls.complete(u.id, { reward: 0.4 }, 'key-v', 'w3')).completeTrial;
        assert.equal(done.status, 'SUCCEEDED');
        assert.equal(done.reward, 0.4);
        assert.equal(done.workerId, 'w3');
      });

      test('the example worker resends a completion whose answer was lost, with the same key, and counts it once', async () => {
        const id = await externalExperiment({ budget: { maxTrials: 2, parallelTrials: 1 } });
        const proxy = await flakyProxy(url, (body) => body.includes('completeTrial'));
        try {
          let evaluated: ClaimedTrial | null = null;
          const stats = await runWorker({
            url: proxy.url,
            experimentId: id,
            workerId: 'resender',
            maxTrials: 1,
            evaluate: async (trial) => {
              evaluated = trial;
              return { reward: 0.61 };
            },
          });
          assert.equal(proxy.dropped.length, 1, 'the first completion was executed but its answer lost');
          assert.deepEqual(stats, { claimed: 1, completed: 1, stopped: 0, failed: 0 }, 'the resend was answered with the stored result');
          const trial = await calls.trial(evaluated!.id);
          assert.equal(trial.status, 'SUCCEEDED');
          assert.equal(trial.reward, 0.61);
          assert.equal(trial.workerId, 'resender');
        } finally {
          await proxy.close();
        }
      });

      test('failTrial: retryable goes back to PENDING with the attempt counted, then FAILED after maxRetries; a stopped example worker hands its trial back', async () => {
        // One trial at a time, so the trial that comes back is the one the next claim gets.
        const id = await externalExperiment({ budget: { maxTrials: 5, parallelTrials: 1, maxRetries: 1, maxFailedTrials: 5 } });
        const t = await claimed(id, 'w');
        const retried = ok(await calls.fail(t.id, 'CUDA out of memory', true, 'w')).failTrial;
        assert.equal(retried.status, 'PENDING');
        assert.equal(retried.attempt, 1);
        assert.equal(retried.workerId, null);
        assert.equal(retried.error, 'CUDA out of memory');
        const second = await claimed(id, 'w');
        assert.equal(second.id, t.id);
        assert.equal(second.attempt, 2);
        const failed = ok(await calls.fail(t.id, 'CUDA out of memory again', true, 'w')).failTrial;
        assert.equal(failed.status, 'FAILED', 'maxRetries 1: the second retryable failure is final');
        assert.equal(failed.attempt, 2);
        assert.ok(failed.finishedAt);
        assert.equal(errorCode(await calls.fail(t.id, 'again', true, 'w')), 'LEASE_LOST');
        assert.equal(errorCode(await calls.complete(t.id, { reward: 1 }, 'k', 'w')), 'LEASE_LOST');

        // A permanent failure is final at the first attempt.
        const p = await until('the next trial', () => calls.claim(id, 'w'), (r) => r.data?.claimTrial != null, 10_000, 50);
        const permanent = ok(await calls.fail(p.data!.claimTrial!.id, 'invalid architecture', false, 'w')).failTrial;
        assert.equal(permanent.status, 'FAILED');
        assert.equal(permanent.attempt, 1);

        // The example worker, stopped in the middle of an evaluation, gives the trial back at once.
        const controller = new AbortController();
        let held: ClaimedTrial | null = null;
        const stats = await runWorker({
          url,
          experimentId: id,
          workerId: 'stopping',
          idleMs: 20,
          signal: controller.signal,
          evaluate: (trial, context) => {
            held = trial;
            setTimeout(() => controller.abort(), 50);
            return new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(new Error('interrupted'))));
          },
        });
        assert.deepEqual(stats, { claimed: 1, completed: 0, stopped: 0, failed: 1 });
        const handedBack = await calls.trial(held!.id);
        assert.equal(handedBack.status, 'PENDING');
        assert.equal(handedBack.error, 'interrupted');
      });

      test('bad inputs are BAD_USER_INPUT or NOT_FOUND and change nothing; claiming on an in-process experiment is CONFLICT', async () => {
        const id = await externalExperiment({ budget: { maxTrials: 5, parallelTrials: 1 } });
        const unknown = randomUUID();
        assert.equal(errorCode(await calls.claim(id, 'w', 0)), 'BAD_USER_INPUT', 'lease 0');
        assert.equal(errorCode(await calls.claim(id, 'w', -5)), 'BAD_USER_INPUT', 'negative lease');
        assert.equal(errorCode(await calls.claim(id, 'w', 10 ** 6)), 'BAD_USER_INPUT', 'lease above a day');
        assert.equal(errorCode(await calls.claim(id, '', 30)), 'BAD_USER_INPUT', 'empty workerId');
        assert.equal(errorCode(await calls.claim('not-an-id', 'w', 30)), 'BAD_USER_INPUT', 'malformed experiment id');
        assert.equal(errorCode(await calls.claim(unknown, 'w', 30)), 'NOT_FOUND', 'unknown experiment');

        const t = await claimed(id, 'w');
        assert.equal(errorCode(await calls.heartbeat(t.id, 'w', 0)), 'BAD_USER_INPUT', 'heartbeat lease 0');
        assert.equal(errorCode(await calls.heartbeat(unknown, 'w')), 'NOT_FOUND');
        assert.equal(errorCode(await calls.report(t.id, -1, 0.5, 'w')), 'BAD_USER_INPUT', 'negative step');
        assert.equal(errorCode(await calls.report(t.id, 1, 'NaN', 'w')), 'BAD_USER_INPUT', '"NaN" is not a Float');
        assert.equal(errorCode(await calls.report(t.id, 1, null, 'w')), 'BAD_USER_INPUT', 'null value');
        assert.equal(errorCode(await calls.report(t.id, 1, 0.5, 'w', '')), 'BAD_USER_INPUT', 'empty metric name');
        // JSON has no Infinity, but a literal in the query text overflows to it.
        const overflow = await gql(url, `mutation($t: ID!) { reportTrialMetric(trialId: $t, step: 1, name: "val_accuracy", value: 1e999, workerId: "w") { shouldStop } }`, { t: t.id });
        assert.equal(errorCode(overflow), 'BAD_USER_INPUT', 'an infinite value');
        assert.equal(errorCode(await calls.report(unknown, 1, 0.5, 'w')), 'NOT_FOUND');
        assert.equal(errorCode(await calls.complete(t.id, { reward: 'NaN' }, 'k', 'w')), 'BAD_USER_INPUT', 'a string reward');
        assert.equal(errorCode(await calls.complete(t.id, { reward: null }, 'k', 'w')), 'BAD_USER_INPUT', 'a null reward');
        assert.equal(errorCode(await calls.complete(t.id, [0.5], 'k', 'w')), 'BAD_USER_INPUT', 'metrics not an object');
        assert.equal(errorCode(await calls.complete(t.id, { accuracy: 0.5 }, 'k', 'w')), 'BAD_USER_INPUT', 'no reward nor objective');
        assert.equal(errorCode(await calls.complete(t.id, { reward: 0.5 }, '', 'w')), 'BAD_USER_INPUT', 'empty idempotency key');
        assert.equal(errorCode(await calls.complete(unknown, { reward: 0.5 }, 'k', 'w')), 'NOT_FOUND');
        assert.equal(errorCode(await calls.fail(unknown, 'x', true, 'w')), 'NOT_FOUND');
        assert.equal(errorCode(await calls.fail('not-an-id', 'x', true, 'w')), 'BAD_USER_INPUT');
        const untouched = await calls.trial(t.id);
        assert.equal(untouched.status, 'RUNNING');
        assert.deepEqual(untouched.metrics, [], 'no point was stored');

        const tabular = await gqlOk<{ createExperiment: { id: string } }>(url, `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`, {
          input: { name: 'in-process', searchSpaceId: spaceId, strategy: { type: 'random' }, evaluator: { type: 'tabular' }, budget: { maxTrials: 5 } },
        });
        assert.equal(errorCode(await calls.claim(tabular.createExperiment.id, 'w', 30)), 'CONFLICT');
      });

      test('one finish rule: a named objective must be reported, and the limits fold into a worker\'s result', async () => {
        const id = await externalExperiment({ objective: { metric: 'val_accuracy' }, constraints: { maxParams: 1000 }, budget: { maxTrials: 4, parallelTrials: 2 } }, 2);
        const [a, b] = [await claimed(id, 'w'), await claimed(id, 'w')];
        const missing = await calls.complete(a.id, { reward: 0.9, accuracy: 0.9 }, 'k1', 'w');
        assert.equal(errorCode(missing), 'BAD_USER_INPUT', 'the objective metric is not replaced by `reward`');
        assert.equal((await calls.trial(a.id)).status, 'RUNNING', 'a refused completion changes nothing');
        const fine = ok(await calls.complete(a.id, { val_accuracy: 0.8, params: 900 }, 'k1', 'w')).completeTrial;
        assert.equal(fine.reward, 0.8);
        const tooBig = ok(await calls.complete(b.id, { val_accuracy: 0.95, params: 5000 }, 'k2', 'w')).completeTrial;
        assert.equal(tooBig.reward, 0, 'over maxParams scores 0, from a worker as in-process');
        assert.equal(tooBig.finalMetrics.violates_params, 1);
      });

      test('ASHA: at each rung only the top 1/η go on; a stopped trial is PRUNED with its value at the rung, which is recorded', async () => {
        const id = await externalExperiment(
          { budget: { maxTrials: 10, parallelTrials: 3 }, earlyStopping: { type: 'asha', metric: 'val_accuracy', minResource: 1, reductionFactor: 2 } },
          3,
        );
        const config = await gqlOk<{ experiment: { earlyStopping: Record<string, unknown> } }>(url, `query($id: ID!) { experiment(id: $id) { earlyStopping { type metric minResource reductionFactor minEarlyStoppingRate minTrials startStep } } }`, { id });
        assert.deepEqual(config.experiment.earlyStopping, { type: 'asha', metric: 'val_accuracy', minResource: 1, reductionFactor: 2, minEarlyStoppingRate: 0, minTrials: 0, startStep: null });
        const [a, b, c] = [await claimed(id, 'a'), await claimed(id, 'b'), await claimed(id, 'c')];
        const report = async (t: TrialView, step: number, value: number, w: string) => ok(await calls.report(t.id, step, value, w)).reportTrialMetric;
        // Rungs at steps 1, 2, 4. Step 0 and 3 are none: nobody is judged there.
        assert.equal((await report(a, 0, 0.1, 'a')).shouldStop, false);
        assert.equal((await report(a, 1, 0.6, 'a')).shouldStop, false, 'alone at the rung, it is the best');
        assert.equal((await report(b, 1, 0.7, 'b')).shouldStop, false, 'top 1 of 2');
        const stopped = await report(c, 1, 0.5, 'c');
        assert.equal(stopped.shouldStop, true, 'third of three, only the top 1 goes on');
        assert.equal(stopped.trial.status, 'PRUNED');
        assert.equal(stopped.trial.reward, 0.5, 'the value at the rung');
        assert.equal(stopped.trial.finalMetrics.pruned_rung, 0);
        assert.equal(stopped.trial.finalMetrics.pruned_step, 1);
        assert.match(stopped.trial.error ?? '', /ASHA rung 0 \(step 1\).*not in the top 1 of 3/);
        assert.equal((await report(a, 3, 0.1, 'a')).shouldStop, false, 'step 3 is not a rung');
        assert.equal((await report(b, 2, 0.8, 'b')).shouldStop, false);
        assert.equal((await report(a, 2, 0.65, 'a')).shouldStop, true, 'second of two at rung 1');
        const invalid = await gql(url, `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`, {
          input: { name: 'bad asha', searchSpaceId: spaceId, evaluator: { type: 'external' }, earlyStopping: { type: 'asha', metric: 'val_accuracy', reductionFactor: 1, minResource: 0 } },
        });
        assert.deepEqual((invalid.errors![0]!.extensions!.fields as { path: string }[]).map((f) => f.path).sort(), ['input.earlyStopping.minResource', 'input.earlyStopping.reductionFactor']);
      });

      test('early stopping: a clearly worse curve is PRUNED by the median rule, with its best value as reward', async () => {
        const id = await externalExperiment(
          { budget: { maxTrials: 10, parallelTrials: 3 }, earlyStopping: { metric: 'val_accuracy', minTrials: 2, startStep: 1 } },
          3,
        );
        const points = await subscribe(url, `subscription($id: ID!) { trialMetricReported(experimentId: $id) { trialId step name value } }`, { id }, (d) => d.trialMetricReported as MetricPoint);
        const sent: MetricPoint[] = [];
        const send = async (trial: TrialView, step: number, value: number, workerId: string) => {
          const report = ok(await calls.report(trial.id, step, value, workerId)).reportTrialMetric;
          sent.push({ trialId: trial.id, step, name: 'val_accuracy', value });
          assert.deepEqual(report.metric, sent.at(-1));
          return report;
        };

        const good = [
          [0.3, 0.55, 0.7, 0.8],
          [0.32, 0.6, 0.72, 0.82],
        ];
        for (const [i, curve] of good.entries()) {
          const t = await claimed(id, `good-${i}`);
          for (const [step, value] of curve.entries()) {
            const report = await send(t, step, value, `good-${i}`);
            assert.equal(report.shouldStop, false, `good curve ${i} step ${step}`);
            assert.equal(report.trial.status, 'RUNNING');
          }
          ok(await calls.complete(t.id, { reward: curve.at(-1)!, val_accuracy: curve.at(-1)! }, `good-${i}`, `good-${i}`));
        }

        // Step 0 is before startStep: never stopped there, however bad.
        const bad = await claimed(id, 'bad');
        assert.equal((await send(bad, 0, 0.2, 'bad')).shouldStop, false);
        const stopped = await send(bad, 1, 0.1, 'bad');
        assert.equal(stopped.shouldStop, true, 'best 0.2 by step 1 is below the median 0.575 of the completed trials');
        assert.equal(stopped.trial.status, 'PRUNED');
        assert.match(stopped.trial.error ?? '', /median stopping rule/);
        assert.equal(stopped.trial.reward, 0.2, 'the best value so far, not the last');
        const pruned = await calls.trial(bad.id);
        assert.equal(pruned.status, 'PRUNED');
        assert.equal(pruned.reward, 0.2);
        assert.ok(pruned.finishedAt);
        assert.deepEqual(
          pruned.metrics.map((m) => [m.step, m.value]),
          [
            [0, 0.2],
            [1, 0.1],
          ],
        );
        // The old holder learns it from a heartbeat; its late completion is refused.
        assert.equal(ok(await calls.heartbeat(bad.id, 'bad')).heartbeatTrial.status, 'PRUNED');
        assert.equal(errorCode(await calls.complete(bad.id, { reward: 0.5 }, 'bad', 'bad')), 'LEASE_LOST');

        // Every point reached the subscriber, in the order it was reported.
        await points.until((r) => r.length >= sent.length);
        await sleep(100);
        assert.deepEqual(points.received, sent);
        await points.close();

        // The example worker obeys shouldStop: it stops evaluating and does not complete.
        const steps: number[] = [];
        const stats = await runWorker({
          url,
          experimentId: id,
          workerId: 'example',
          idleMs: 20,
          maxTrials: 1,
          evaluate: async (_trial, context) => {
            for (let step = 0; step < 4; step += 1) {
              steps.push(step);
              if (await context.report(step, 'val_accuracy', 0.05)) return { reward: 0.05 };
            }
            return { reward: 0.05 };
          },
        });
        assert.deepEqual(stats, { claimed: 1, completed: 0, stopped: 1, failed: 0 });
        assert.deepEqual(steps, [0, 1], 'stopped right after the report that answered shouldStop');
        const counts = await gqlOk<{ experiment: { trialCounts: { pruned: number; succeeded: number } } }>(url, `query($id: ID!) { experiment(id: $id) { trialCounts { pruned succeeded } } }`, { id });
        assert.deepEqual(counts.experiment.trialCounts, { pruned: 2, succeeded: 2 });
      });
    });
  }
});
