import assert from 'node:assert/strict';
import { after, describe, test, type TestContext } from 'node:test';
import { selectBackend } from '../../src/evaluation/backend/index.js';
import type { Decision } from '../../src/space/types.js';
import { experimentSeeds } from '../../src/random/index.js';
import { createStrategy, type StrategySnapshot } from '../../src/strategies/index.js';
import { backends } from '../helpers/backends.js';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { FAST_SCHEDULER, storeFor, type Query, type Store } from '../helpers/child-stores.js';
import { createExperimentVia } from '../helpers/experiments.js';
import { gqlOk, subscribe, type Subscription } from '../helpers/graphql-client.js';
import { nb201Table } from '../helpers/nb201-table.js';

/**
 * "Never lose or double-count", tested for real: `graphnas serve` runs as a child process
 * and is SIGKILLed, then restarted on the same data. Odd kills land at random moments of
 * the running experiment (mid-evaluation, mid-update, mid-transaction, wherever the clock
 * lands); even kills land exactly between a commit and the delivery of its events, where
 * a publish-after-commit design loses them (the process kills itself there,
 * GRAPHNAS_FAULT_KILL_AFTER_COMMITS). Once it has run to the end, the stored rows and the
 * experiment's event log must show that no crash lost or repeated anything; on PostgreSQL
 * an API replica that was never killed must have delivered exactly the logged events.
 *
 * Deadlines follow progress, not the wall clock: a run fails when nothing moved for
 * STALL_MS, so a busy CI machine is slow but a hang still fails.
 */

const KILLS = 10;
/**
 * Large enough that the experiment outlives every kill with room to spare (alone on 2
 * cores, ten cycles evaluate ~250), small enough that the last run finishes in seconds.
 */
const MAX_TRIALS = 450;
const PARALLEL = 4;
/**
 * With the default controller (step size 0.02, entropy weight 0.1) NB201 converges within
 * ~250 trials and the experiment would end CONVERGED before MAX_TRIALS; a smaller step
 * and a stronger entropy bonus keep it exploring past 700 while it still proposes some
 * duplicates (answered trials must be observed exactly once too).
 */
const HYPERPARAMETERS = { learningRate: 0.005, entropyWeight: 0.3 };
/**
 * The kill lands this long (seeded) after the restarted process has taken the experiment
 * over. The first ~1 s of a new process goes to loading the table and building the
 * controller, so the range reaches well past it into the busy part.
 */
const KILL_AFTER_MS: readonly [number, number] = [200, 2000];
/** A commit-point kill lands after this many commits (seeded) of the restarted process. */
const KILL_AFTER_COMMITS: readonly [number, number] = [30, 250];
/** No evaluation finished for this long: the run is stuck, not slow. */
const STALL_MS = 90_000;
/** Seeds the kill moments; set GRAPHNAS_CRASH_SEED to replay a failure or to explore other moments. */
const SEED = Number(process.env.GRAPHNAS_CRASH_SEED ?? 5);


/** mulberry32: a seeded PRNG, so that a failing run's kill moments can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function createExperiment(url: string): Promise<string> {
  return createExperimentVia(url, {
    name: 'nb201 reinforce under SIGKILL',
    strategy: { type: 'reinforce', hyperparameters: HYPERPARAMETERS },
    evaluator: { type: 'tabular', options: { rewardColumn: 'cifar10-val' } },
    budget: { maxTrials: MAX_TRIALS, parallelTrials: PARALLEL },
    seed: 11,
  });
}

interface TrialEvent {
  id: string;
  status: string;
}

/**
 * Server mode: an API replica that runs no scheduler and is never killed, subscribed to
 * the experiment's trials before it starts. It sees the killed processes' commits through
 * LISTEN/NOTIFY only, so what it delivered is what the crashes let through.
 */
async function startWitness(store: Store, experimentId: string): Promise<{ server: ChildServer; trials: Subscription<TrialEvent> } | null> {
  if (store.exclusive) return null;
  const server = await startChildServer({ ...FAST_SCHEDULER, ...store.env, GRAPHNAS_SCHEDULER: 'off' });
  const trials = await subscribe(server.url, `subscription($id: ID!) { trialUpdated(experimentId: $id) { id status } }`, { id: experimentId }, (d) => d.trialUpdated as TrialEvent);
  return { server, trials };
}

interface Progress {
  status: string;
  endReason: string | null;
  progress: { evaluations: number; finishedEvaluations: number };
}

async function progressOf(url: string, id: string): Promise<Progress> {
  const data = await gqlOk<{ experiment: Progress }>(
    url,
    `query($id: ID!) { experiment(id: $id) { status endReason progress { evaluations finishedEvaluations } } }`,
    { id },
  );
  return data.experiment;
}

/** What a child logged at error level (pino ≥ 50), or printed that looks like an uncaught error. */
function errorLines(logs: readonly string[]): string[] {
  return logs.filter((line) => {
    try {
      return ((JSON.parse(line) as { level?: number }).level ?? 0) >= 50;
    } catch {
      // Not JSON: stderr. Banners and warnings of optional native packages are not errors.
      return /error|exception|unhandled/i.test(line);
    }
  });
}

interface TrialRow {
  id: string;
  actions: number[];
  policy_version: number;
  sequence: number;
  status: string;
  reward: number | null;
  label: string;
  fingerprint: string;
  duplicate_of_id: string | null;
  observed_at: Date | null;
  finished_at: Date | null;
  lease_expires_at: Date | null;
  attempt: number;
  error: string | null;
}

interface ExperimentRow {
  search_space_id: string;
  strategy: { type: string; hyperparameters: Record<string, unknown> };
  seed: number;
  status: string;
  end_reason: string | null;
  trial_sequence: number;
  finished_at: Date | null;
  scheduler_owner: string | null;
}

const FINAL_STATES = new Set(['SUCCEEDED', 'FAILED', 'PRUNED', 'CANCELLED']);

async function checkInvariants(t: TestContext, query: Query, store: Store, experimentId: string, lastKill: Date): Promise<void> {
  const [experiment] = await query<ExperimentRow>(
    `SELECT search_space_id, strategy, seed, status, end_reason, trial_sequence, finished_at, scheduler_owner FROM experiment WHERE id = $1`,
    [experimentId],
  );
  assert.ok(experiment, 'the experiment exists');
  assert.equal(experiment.status, 'SUCCEEDED');
  assert.equal(experiment.end_reason, 'MAX_TRIALS');
  assert.ok(experiment.finished_at !== null && experiment.finished_at > lastKill, 'the experiment was still running at the last kill');
  assert.equal(experiment.scheduler_owner, null, 'a finished experiment holds no scheduler claim');

  const trials = await query<TrialRow>(
    `SELECT id, actions, policy_version, sequence, status, reward, label, fingerprint, duplicate_of_id, observed_at, finished_at, lease_expires_at, attempt, error
     FROM trial WHERE experiment_id = $1 ORDER BY sequence`,
    [experimentId],
  );

  // Sequence numbers: unique and gap-free 1..N, N being what the experiment handed out.
  assert.deepEqual(
    trials.map((r) => r.sequence),
    trials.map((_, i) => i + 1),
    'sequence numbers are 1..N without gaps or repeats',
  );
  assert.equal(experiment.trial_sequence, trials.length, 'the experiment counter matches the trials stored');

  // Every trial finished exactly once: in a final state, with its finish time, no lease, and
  // observed (by the update that consumed it, at or after it finished).
  for (const trial of trials) {
    const what = `trial #${trial.sequence} (${trial.status})`;
    assert.ok(FINAL_STATES.has(trial.status), `${what} is in a final state`);
    assert.ok(trial.finished_at !== null, `${what} has finishedAt`);
    assert.equal(trial.lease_expires_at, null, `${what} holds no lease`);
    assert.ok(trial.observed_at !== null, `${what} was observed`);
    assert.ok(trial.observed_at >= trial.finished_at, `${what} was observed after it finished`);
  }

  // The tabular evaluator never fails, so a FAILED trial can only be one a crash cost its
  // retries. Embedded, a crash costs nothing: every evaluation ran on its first attempt
  // as far as the trial knows.
  for (const trial of trials) {
    const what = `trial #${trial.sequence} (${trial.status}, attempt ${trial.attempt}: ${trial.error})`;
    if (store.exclusive) {
      assert.ok(trial.status !== 'FAILED' && trial.attempt <= 1, `${what}: a restart of the embedded server was held against it`);
    } else if (trial.status === 'FAILED') {
      assert.match(trial.error ?? '', /expired; no retries left/, `${what} failed for another reason than its lost leases`);
    }
  }

  // Every reward observed exactly once: the checkpoints' observed ids, concatenated, are
  // the rewarded trials, each once.
  const checkpoints = await query<{ step: number; observed_trial_ids: string[]; state: StrategySnapshot }>(
    `SELECT step, observed_trial_ids, state FROM policy_checkpoint WHERE experiment_id = $1 ORDER BY step`,
    [experimentId],
  );
  const observed = checkpoints.flatMap((c) => c.observed_trial_ids);
  const seen = new Set<string>();
  const twice = observed.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
  assert.deepEqual(twice, [], 'no reward was fed to the strategy twice');
  const byId = new Map(trials.map((r) => [r.id, r]));
  const rewarded = trials.filter((r) => (r.status === 'SUCCEEDED' || r.status === 'PRUNED') && r.reward !== null).map((r) => r.id);
  assert.deepEqual([...seen].sort(), [...rewarded].sort(), 'every reward was fed to the strategy, and nothing else');

  // The bookkeeping above says what the strategy was fed; the strategy's own state must
  // agree. A fresh controller fed those rewards once each, in the order the checkpoints
  // record, must end with the last checkpoint's weights, optimizer moments, baseline and
  // pending batch, bit for bit: a reward fed twice (or lost) inside a crashed process's
  // strategy before its checkpoint would show here even with perfect bookkeeping. Bit for
  // bit holds because this process picks the same tfjs backend as the children (same
  // environment) and its kernels are deterministic; proposals only move the RNG, which is
  // not compared.
  const [space] = await query<{ decisions: Decision[] }>(`SELECT decisions FROM search_space WHERE id = $1`, [experiment.search_space_id]);
  await selectBackend();
  const replay = createStrategy(space!.decisions, experiment.strategy, experimentSeeds(experiment.seed).strategy);
  try {
    await replay.observe(
      observed.map((id) => {
        const trial = byId.get(id)!;
        return { actions: trial.actions, reward: trial.reward!, policyVersion: trial.policy_version };
      }),
    );
    const expected = replay.snapshot().state as Record<string, unknown>;
    const actual = checkpoints.at(-1)!.state.state as Record<string, unknown>;
    for (const key of ['step', 'pending', 'advantage', 'weights', 'adam']) {
      assert.deepEqual(actual[key], JSON.parse(JSON.stringify(expected[key])), `the last checkpoint's ${key} is that of a strategy fed each observed reward once`);
    }
  } finally {
    replay.dispose();
  }

  // The budget: evaluations (not answered duplicates, not cancelled) equal maxTrials.
  const evaluations = trials.filter((r) => r.duplicate_of_id === null && r.status !== 'CANCELLED');
  assert.equal(evaluations.length, MAX_TRIALS, 'evaluations equal maxTrials');

  // Results are the table's, and duplicates carry their original's: a crash mixed nothing up.
  const table = nb201Table();
  for (const trial of trials) {
    if (trial.status !== 'SUCCEEDED') continue;
    assert.equal(trial.reward, table.get(trial.label)!['cifar10-val'], `trial #${trial.sequence} has its table reward`);
    if (trial.duplicate_of_id !== null) {
      const original = byId.get(trial.duplicate_of_id);
      assert.ok(original && original.duplicate_of_id === null && original.fingerprint === trial.fingerprint, `duplicate #${trial.sequence} points at its original`);
    }
  }
  const evaluated = evaluations.map((r) => r.fingerprint);
  assert.equal(new Set(evaluated).size, evaluated.length, 'no architecture was evaluated twice');

  // The event log: ids 1..N without gaps, and every trial's events a path through the
  // state machine that ends in the state stored: no commit lost its event.
  const events = await query<{ id: string; topic: string; payload: { id: string; status: string; step?: number; reward?: number | null } }>(
    `SELECT id, topic, payload FROM experiment_event WHERE experiment_id = $1 ORDER BY id`,
    [experimentId],
  );
  assert.deepEqual(events.map((e) => Number(e.id)), events.map((_, i) => i + 1), 'event ids are 1..N without gaps');
  const perTrial = new Map<string, { status: string; reward: number | null }[]>();
  for (const e of events) {
    if (e.topic === 'TRIAL_UPDATED') perTrial.set(e.payload.id, [...(perTrial.get(e.payload.id) ?? []), { status: e.payload.status, reward: e.payload.reward ?? null }]);
  }
  const NEXT: Record<string, readonly string[]> = {
    PENDING: ['RUNNING', 'CANCELLED', 'FAILED', 'SUCCEEDED', 'PRUNED'],
    RUNNING: ['PENDING', 'SUCCEEDED', 'FAILED', 'PRUNED', 'CANCELLED'],
  };
  for (const trial of trials) {
    const history = perTrial.get(trial.id) ?? [];
    const what = `trial #${trial.sequence}'s events ${history.map((h) => h.status).join(' → ')}`;
    assert.equal(history[0]?.status, 'PENDING', `${what} start at PENDING`);
    history.slice(1).forEach((h, i) => assert.ok(NEXT[history[i]!.status]?.includes(h.status), `${what}: a move the state machine allows`));
    assert.equal(history.at(-1)!.status, trial.status, `${what} end in the stored state`);
    assert.equal(history.at(-1)!.reward, trial.reward, `${what} end with the stored reward`);
  }
  assert.equal(perTrial.size, trials.length, 'no event for a trial that is not stored');
  const policySteps = events.filter((e) => e.topic === 'POLICY_UPDATED').map((e) => e.payload.step);
  assert.deepEqual(policySteps, checkpoints.map((c) => c.step).filter((step) => step > 0), 'every policy step announced once, in order');
  assert.equal(events.filter((e) => e.topic === 'EXPERIMENT_UPDATED').at(-1)?.payload.status, 'SUCCEEDED', 'the last experiment event is its end');

  const counts: Record<string, number> = {};
  for (const r of trials) counts[r.status] = (counts[r.status] ?? 0) + 1;
  t.diagnostic(
    `${trials.length} trials (${JSON.stringify(counts)}; ${trials.length - evaluations.length} duplicates/cancelled), ` +
      `${checkpoints.length} checkpoints, ${observed.length} rewards observed, ${events.length} events, max attempt ${Math.max(...trials.map((r) => r.attempt))}`,
  );
}

describe('SIGKILL at random moments: a running experiment resumes and never loses or double-counts', async () => {
  for (const backend of await backends()) {
    describe(backend.name, { skip: backend.skip ?? false }, () => {
      const store = backend.skip === null ? storeFor(backend, 'crash') : null;
      let child: ChildServer | null = null;
      let witness: { server: ChildServer; trials: Subscription<TrialEvent> } | null = null;
      after(async () => {
        for (const running of [child, witness?.server]) {
          if (running && running.process.exitCode === null && running.process.signalCode === null) {
            running.process.kill('SIGKILL');
            await running.exited;
          }
        }
        await store?.cleanup();
      });

      test(`${KILLS} kills, then the experiment runs to MAX_TRIALS with every invariant intact`, { timeout: 30 * 60_000 }, async (t) => {
        const env = { ...FAST_SCHEDULER, ...store!.env };
        const random = prng(SEED + (backend.name === 'pglite' ? 0 : 1));
        const errors: string[] = [];
        const started = Date.now();

        child = await startChildServer(env);
        const id = await createExperiment(child.url);
        witness = await startWitness(store!, id);
        await gqlOk(child.url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id });
        let lastKill = new Date(0);
        let evaluated = 0;
        for (let kill = 1; kill <= KILLS; kill++) {
          const atCommit = kill % 2 === 0;
          let how: string;
          if (atCommit) {
            // The process was started to kill itself after `commits` commits (see below).
            how = 'itself between a commit and its delivery';
            const exit: 'exited' | 'stalled' = await Promise.race([child.exited.then(() => 'exited' as const), sleep(STALL_MS).then(() => 'stalled' as const)]);
            assert.equal(exit, 'exited', `the process should have killed itself within ${STALL_MS} ms:\n${child.logs.slice(-20).join('\n')}`);
            assert.equal(child.process.signalCode, 'SIGKILL');
          } else {
            await store!.adopted(child.process.pid!, id);
            const delay = Math.round(KILL_AFTER_MS[0] + random() * (KILL_AFTER_MS[1] - KILL_AFTER_MS[0]));
            how = `after ${delay} ms`;
            await sleep(delay);
            child.process.kill('SIGKILL');
            await child.exited;
          }
          lastKill = new Date();
          errors.push(...errorLines(child.logs).filter((line) => !/fault injection/.test(line)));
          const restartAt = Date.now();
          // The next process kills itself at a commit when the next kill is a commit-point one.
          const commits = Math.round(KILL_AFTER_COMMITS[0] + random() * (KILL_AFTER_COMMITS[1] - KILL_AFTER_COMMITS[0]));
          const nextAtCommit = kill < KILLS && (kill + 1) % 2 === 0;
          child = await startChildServer(nextAtCommit ? { ...env, GRAPHNAS_FAULT_KILL_AFTER_COMMITS: String(commits) } : env);
          const now = await progressOf(child.url, id);
          t.diagnostic(`kill ${kill} ${how}; restarted in ${Date.now() - restartAt} ms; ${now.status}, ${now.progress.finishedEvaluations}/${MAX_TRIALS} evaluated`);
          assert.equal(now.status, 'RUNNING', `the experiment must outlive kill ${kill}: raise MAX_TRIALS`);
          evaluated = now.progress.finishedEvaluations;
        }

        let final = await progressOf(child.url, id);
        let movedAt = Date.now();
        while (final.status === 'RUNNING') {
          await sleep(250);
          final = await progressOf(child.url, id);
          if (final.progress.finishedEvaluations > evaluated) {
            evaluated = final.progress.finishedEvaluations;
            movedAt = Date.now();
          }
          assert.ok(Date.now() - movedAt < STALL_MS, `no evaluation finished for ${STALL_MS} ms at ${evaluated}/${MAX_TRIALS}:\n${child.logs.slice(-40).join('\n')}`);
        }
        errors.push(...errorLines(child.logs));
        assert.equal(final.status, 'SUCCEEDED', `the experiment finished after the last restart:\n${child.logs.slice(-40).join('\n')}`);
        assert.equal(final.endReason, 'MAX_TRIALS');
        assert.equal(final.progress.evaluations, MAX_TRIALS);

        child.process.kill('SIGTERM');
        assert.equal(await child.exited, 0, 'the last server stops gracefully');
        t.diagnostic(`seed ${SEED}: ${KILLS} kills, finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);

        let delivered: readonly TrialEvent[] | null = null;
        if (witness) {
          const trialCount = await store!.inspect(async (query) => (await query<{ n: number }>(`SELECT count(*)::int AS n FROM experiment_event WHERE experiment_id = $1 AND topic = 'TRIAL_UPDATED'`, [id]))[0]!.n);
          delivered = await witness.trials.until((r) => r.length >= trialCount, STALL_MS);
          await witness.trials.close();
          witness.server.process.kill('SIGTERM');
          assert.equal(await witness.server.exited, 0, 'the witness stops gracefully');
          errors.push(...errorLines(witness.server.logs));
          witness = null;
        }
        if (delivered) {
          const logged = await store!.inspect((query) =>
            query<{ payload: TrialEvent }>(`SELECT payload FROM experiment_event WHERE experiment_id = $1 AND topic = 'TRIAL_UPDATED' ORDER BY id`, [id]),
          );
          assert.deepEqual(
            delivered.map((e) => [e.id, e.status]),
            logged.map((e) => [e.payload.id, e.payload.status]),
            'the replica that was never killed delivered every logged trial event, once, in order',
          );
        }

        await store!.inspect((query) => checkInvariants(t, query, store!, id, lastKill));
        assert.deepEqual(errors, [], 'no server logged an error');
      });
    });
  }
});
