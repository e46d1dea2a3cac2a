import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { fashionMnistAvailable, fashionMnistDir } from '../../src/evaluation/data/idx-source.js';
import { backends, TEST_DATABASE_URL } from '../helpers/backends.js';
import { CLI } from '../helpers/fixtures.js';
import { gqlOk, subscribe, type As, type Subscription } from '../helpers/graphql-client.js';

/**
 * The fleet as it runs for real: the service on one host, three `graphnas worker`
 * processes on three others, reaching it over a network that the test can break. The
 * "hosts" are network namespaces, each joined to the service's host by a veth pair whose
 * host end hangs on one bridge (10.x.y.0/24); cutting a worker off is taking its host end
 * down, as a pulled cable or a partitioned switch port would. The workers get a worker key
 * and the URL, nothing else: no database, no shared files but the dataset.
 *
 * Needs root and `ip netns`; without them it is skipped with a loud line, unless
 * GRAPHNAS_REQUIRE_NETNS=1 (CI) makes their absence a failure.
 */

const REQUIRED = process.env.GRAPHNAS_REQUIRE_NETNS === '1';
/** Short, so that a cut-off worker's trial goes back to the queue within seconds. */
const LEASE_SECONDS = 6;
const HOSTS = 3;
/** Where the workers find Fashion-MNIST: as they would resolve it themselves. */
const FASHION_MNIST_DIR = fashionMnistDir(process.env.GRAPHNAS_FASHION_MNIST_DIR || undefined);

function run(command: string, args: readonly string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { encoding: 'utf8', timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

const ip = (...args: string[]): Promise<string> => run('ip', args);

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns something other than undefined; fails with `what` after `timeoutMs`. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Why the test cannot run here, or null. */
async function netnsUnavailable(tag: string): Promise<string | null> {
  if (process.platform !== 'linux') return `network namespaces are Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'it needs root to create network namespaces and veth pairs';
  const probe = `${tag}-probe`;
  try {
    await ip('netns', 'add', probe);
    await ip('netns', 'del', probe);
  } catch (error) {
    return `\`ip netns\` does not work here (${error instanceof Error ? error.message : String(error)})`;
  }
  if (!fashionMnistAvailable(FASHION_MNIST_DIR)) return `Fashion-MNIST is not at ${FASHION_MNIST_DIR} (GRAPHNAS_FASHION_MNIST_DIR)`;
  return null;
}

interface WorkerHost {
  readonly namespace: string;
  /** The host end of its veth pair: down is a cut link. */
  readonly hostEnd: string;
  readonly address: string;
  /** Its worker's name among the key's workers. */
  readonly name: string;
}

interface Network {
  readonly bridge: string;
  /** Where the service listens: the bridge's address on the service's host. */
  readonly serviceAddress: string;
  readonly hosts: readonly WorkerHost[];
}

/** A /24 no interface here uses yet. */
async function freeSubnet(): Promise<string> {
  const used = await ip('-4', '-o', 'addr', 'show');
  for (;;) {
    const [a, b] = randomBytes(2);
    const subnet = `10.${200 + (a! % 50)}.${b}`;
    if (!used.includes(` ${subnet}.`)) return subnet;
  }
}

async function createNetwork(tag: string, created: string[][]): Promise<Network> {
  const subnet = await freeSubnet();
  const bridge = `${tag}br`;
  await ip('link', 'add', bridge, 'type', 'bridge');
  created.push(['link', 'del', bridge]);
  await ip('addr', 'add', `${subnet}.1/24`, 'dev', bridge);
  await ip('link', 'set', bridge, 'up');
  const hosts: WorkerHost[] = [];
  for (let i = 0; i < HOSTS; i += 1) {
    const host: WorkerHost = { namespace: `${tag}-host${i}`, hostEnd: `${tag}h${i}`, address: `${subnet}.${10 + i}`, name: `host${i}` };
    const inside = `${tag}n${i}`;
    await ip('netns', 'add', host.namespace);
    created.push(['netns', 'del', host.namespace]);
    await ip('link', 'add', host.hostEnd, 'type', 'veth', 'peer', 'name', inside);
    created.push(['link', 'del', host.hostEnd]);
    await ip('link', 'set', inside, 'netns', host.namespace);
    await ip('link', 'set', host.hostEnd, 'master', bridge);
    await ip('link', 'set', host.hostEnd, 'up');
    await ip('netns', 'exec', host.namespace, 'ip', 'addr', 'add', `${host.address}/24`, 'dev', inside);
    await ip('netns', 'exec', host.namespace, 'ip', 'link', 'set', inside, 'up');
    await ip('netns', 'exec', host.namespace, 'ip', 'link', 'set', 'lo', 'up');
    hosts.push(host);
  }
  return { bridge, serviceAddress: `${subnet}.1`, hosts };
}

interface LogLine {
  readonly msg?: string;
  readonly trialId?: string;
  readonly attempt?: number;
  readonly [field: string]: unknown;
}

/** A child process whose JSON log lines are collected (and its pipes always drained, so it never stalls on them). */
interface Child {
  readonly process: ChildProcess;
  readonly lines: LogLine[];
  readonly raw: string[];
  readonly exited: Promise<number | null>;
}

function startChild(command: string, args: readonly string[], env: Record<string, string>): Child {
  const child = spawn(command, [...args], { env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      raw.push(line);
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        // not a JSON log line (a stack trace, say): kept in `raw` for failure messages
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => raw.push(chunk.toString('utf8')));
  return { process: child, lines, raw, exited };
}

const tail = (child: Child, n = 30): string => child.raw.slice(-n).join('\n');

interface TrialView {
  id: string;
  sequence: number;
  status: string;
  reward: number | null;
  workerId: string | null;
  attempt: number;
  duplicateOfId: string | null;
  observedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  runtime: { backend: string } | null;
}
const TRIAL_FIELDS = 'id sequence status reward workerId attempt duplicateOfId observedAt startedAt finishedAt runtime { backend }';

interface TrialEvent {
  id: string;
  status: string;
  attempt: number;
  workerId: string | null;
  eventId: number;
}

// Small enough that a child trains in a few seconds on one of two shared cores; varied
// enough (8 + 64 architectures) that a dozen proposals are mostly distinct.
const SPACE = {
  layers: {
    count: [1, 2],
    types: [
      { type: 'conv2d', filters: [4, 8, 12], kernelSize: [3, 5] },
      { type: 'maxPool', poolSize: 2, stride: 2 },
      { type: 'dense', units: 16 },
    ],
  },
};
/** A Fashion-MNIST proxy at a toy budget: 384 training and 256 validation images at 14×14, one epoch. */
const FASHION_PROXY = {
  dataset: { source: 'fashion-mnist' },
  epochs: 1,
  trainSubset: 384,
  valSubset: 256,
  resolution: 14,
  batchSize: 64,
  learningRate: 0.003,
  measureLatency: false,
  workers: 1,
  placement: 'workers',
};

describe('a fleet of three worker hosts in network namespaces', async () => {
  const tag = `gn${process.pid % 100_000}`;
  const unavailable = await netnsUnavailable(tag);
  if (unavailable !== null) {
    if (REQUIRED) throw new Error(`${unavailable}; GRAPHNAS_REQUIRE_NETNS=1 makes the multi-host test mandatory`);
    console.warn(`\n!!!!! SKIPPING the multi-host fleet test: ${unavailable} !!!!!\n`);
  }
  const backend = (await backends()).find((b) => b.name === 'postgres' && b.skip === null) ?? null;

  describe(backend ? 'the service on PostgreSQL' : 'the service on embedded PGlite', { skip: unavailable ?? false }, () => {
    const created: string[][] = [];
    const children: Child[] = [];
    const workers = new Map<string, Child>();
    const artifactDir = mkdtempSync(join(tmpdir(), 'graphnas-netns-'));
    const schema = `gn_netns_${process.pid}_${randomBytes(4).toString('hex')}`;
    let network: Network;
    let server: Child;
    let url: string;
    let admin: As;
    let workerKey: { token: string; id: string };

    before(async () => {
      network = await createNetwork(tag, created);
      const adminToken = `gnk_${randomBytes(32).toString('base64url')}`;
      server = startChild(process.execPath, [CLI, 'serve'], {
        HOST: network.serviceAddress,
        PORT: '0',
        GRAPHNAS_ADMIN_KEY: adminToken,
        GRAPHNAS_SCHEDULER_RESYNC_MS: '300',
        GRAPHNAS_ARTIFACT_DIR: artifactDir,
        ...(backend ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema } : { GRAPHNAS_DATA_DIR: ':memory:' }),
      });
      children.push(server);
      url = await waitFor(
        'the service to serve',
        () => {
          if (server.process.exitCode !== null) throw new Error(`the service exited with ${server.process.exitCode}:\n${tail(server)}`);
          return server.lines.find((l) => l.msg === 'graphnas is serving')?.url as string | undefined;
        },
        90_000,
      );
      admin = { token: adminToken };
      const key = await gqlOk<{ createApiKey: { token: string; key: { id: string } } }>(url, `mutation { createApiKey(input: { name: "fleet", role: WORKER }) { token key { id } } }`, {}, admin);
      workerKey = { token: key.createApiKey.token, id: key.createApiKey.key.id };
    });

    after(async () => {
      for (const child of children) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
      await Promise.all(children.map((c) => c.exited));
      // In reverse: the namespaces (and with them the veth pairs) before the bridge.
      for (const args of created.reverse()) await ip(...args).catch(() => undefined);
      rmSync(artifactDir, { recursive: true, force: true });
      if (backend) {
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
      }
    });

    /** `graphnas worker` on `host`, as an operator would start it there. */
    async function startWorker(host: WorkerHost): Promise<Child> {
      const child = startChild(
        'ip',
        ['netns', 'exec', host.namespace, process.execPath, CLI, 'worker', '--url', url, '--name', host.name, '--lease', String(LEASE_SECONDS), '--grace', '0'],
        // Nothing of the service's own configuration: a worker host has its key and the URL.
        { GRAPHNAS_API_KEY: workerKey.token, GRAPHNAS_FASHION_MNIST_DIR: FASHION_MNIST_DIR, DATABASE_URL: '', DATABASE_SCHEMA: '', TEST_DATABASE_URL: '', GRAPHNAS_ADMIN_KEY: '' },
      );
      children.push(child);
      workers.set(host.name, child);
      await waitFor(`worker ${host.name} to register`, async () => {
        if (child.process.exitCode !== null) throw new Error(`worker ${host.name} exited with ${child.process.exitCode}:\n${tail(child)}`);
        const { workers: listed } = await gqlOk<{ workers: { edges: { node: { name: string; host: string } }[] } }>(url, `{ workers { edges { node { name host } } } }`, {}, admin);
        return listed.edges.some((e) => e.node.name === host.name) ? true : undefined;
      });
      return child;
    }

    async function createExperiment(input: Record<string, unknown>): Promise<string> {
      const space = await gqlOk<{ createSearchSpace: { id: string } }>(url, `mutation($d: JSON!) { createSearchSpace(input: { name: "fleet space", definition: $d }) { id } }`, { d: SPACE }, admin);
      const experiment = await gqlOk<{ createExperiment: { id: string } }>(url, `mutation($i: CreateExperimentInput!) { createExperiment(input: $i) { id } }`, { i: { ...input, searchSpaceId: space.createSearchSpace.id } }, admin);
      return experiment.createExperiment.id;
    }

    async function experiment(id: string): Promise<{ status: string; trials: TrialView[]; observed: number }> {
      const { experiment: e } = await gqlOk<{ experiment: { status: string; policyHistory: { observedTrials: number }[]; trials: { edges: { node: TrialView }[] } } }>(
        url,
        `query($id: ID!) { experiment(id: $id) { status policyHistory { observedTrials } trials(first: 100) { edges { node { ${TRIAL_FIELDS} } } } } }`,
        { id },
        admin,
      );
      return { status: e.status, trials: e.trials.edges.map((x) => x.node), observed: e.policyHistory.reduce((sum, p) => sum + p.observedTrials, 0) };
    }

    const untilEnded = (id: string, timeoutMs: number): Promise<string> =>
      waitFor(
        `experiment ${id} to end`,
        async () => {
          const { status } = await experiment(id);
          return status === 'RUNNING' ? undefined : status;
        },
        timeoutMs,
        500,
      );

    const start = (id: string): Promise<unknown> => gqlOk(url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id }, admin);
    const workerIdOf = (host: WorkerHost): string => `api-key:${workerKey.id}/${host.name}`;

    /** A trial `host`'s worker holds RUNNING now. */
    async function heldBy(id: string, host: WorkerHost, except: ReadonlySet<string> = new Set()): Promise<TrialView | undefined> {
      return (await experiment(id)).trials.find((t) => t.status === 'RUNNING' && t.workerId === workerIdOf(host) && !except.has(t.id));
    }

    /**
     * Waits until the trial is no longer its holder's: taken back by the service (its lease
     * ran out), or completed by the holder after all (its report got in before the fault).
     */
    function untilTakenBack(id: string, held: TrialView): Promise<'taken back' | 'completed'> {
      return waitFor(
        `trial ${held.sequence} to leave ${held.workerId}`,
        async () => {
          const now = (await experiment(id)).trials.find((x) => x.id === held.id)!;
          if (now.attempt > held.attempt || now.status === 'PENDING' || now.workerId !== held.workerId) return 'taken back';
          return now.status === 'RUNNING' ? undefined : 'completed';
        },
        LEASE_SECONDS * 10_000,
      );
    }

    /** completeTrial as a worker on `host` sends it: from inside its namespace, with its name and key. */
    async function completeFrom(host: WorkerHost, trialId: string, idempotencyKey: string, reward: number): Promise<{ code: string | null; status: string | null; reward: number | null }> {
      const script = `
        const [url, token, body] = process.argv.slice(1);
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token }, body })
          .then((r) => r.json()).then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); });`;
      const body = JSON.stringify({
        query: `mutation($t: ID!, $w: String!, $k: String!, $m: JSON!) { completeTrial(trialId: $t, workerId: $w, idempotencyKey: $k, metrics: $m) { status reward } }`,
        variables: { t: trialId, w: host.name, k: idempotencyKey, m: { reward } },
      });
      const out = await run('ip', ['netns', 'exec', host.namespace, process.execPath, '-e', script, url, workerKey.token, body]);
      const answer = JSON.parse(out) as { data?: { completeTrial: { status: string; reward: number | null } } | null; errors?: { extensions?: { code?: string } }[] };
      return { code: answer.errors?.[0]?.extensions?.code ?? null, status: answer.data?.completeTrial.status ?? null, reward: answer.data?.completeTrial.reward ?? null };
    }

    test('throughput with 1, 2 and 3 worker hosts on one fixed search', async (t) => {
      const rates: string[] = [];
      for (let k = 1; k <= HOSTS; k += 1) {
        await startWorker(network.hosts[k - 1]!);
        const id = await createExperiment({
          name: `throughput ${k}`,
          strategy: { type: 'random' },
          evaluator: { type: 'tfjs-trainer', options: FASHION_PROXY },
          budget: { maxTrials: 6, parallelTrials: 3, maxConsecutiveDuplicates: 20 },
          seed: 3,
        });
        await start(id);
        assert.equal(await untilEnded(id, 180_000), 'SUCCEEDED');
        const evaluated = (await experiment(id)).trials.filter((x) => x.duplicateOfId === null);
        for (const trial of evaluated) {
          assert.equal(trial.status, 'SUCCEEDED');
          assert.ok(network.hosts.slice(0, k).some((h) => trial.workerId === workerIdOf(h)), `trial ${trial.sequence} ran on one of the ${k} worker hosts (${trial.workerId})`);
        }
        const first = Math.min(...evaluated.map((x) => Date.parse(x.startedAt!)));
        const last = Math.max(...evaluated.map((x) => Date.parse(x.finishedAt!)));
        const perMinute = (evaluated.length * 60_000) / (last - first);
        const hosts = new Set(evaluated.map((x) => x.workerId)).size;
        const trainedOn = [...new Set(evaluated.map((x) => x.runtime?.backend ?? 'unknown'))].join(', ');
        rates.push(`${k} worker host(s): ${evaluated.length} trials in ${((last - first) / 1000).toFixed(1)} s = ${perMinute.toFixed(1)} trials/min (${hosts} host(s) took trials; backend ${trainedOn}; ${evaluated.filter((x) => x.attempt > 1).length} trial(s) needed a second claim)`);
      }
      t.diagnostic(`fleet throughput, Fashion-MNIST proxy (384 train / 256 val images at 14x14, 1 epoch), first trial start to last trial end; the service and all workers share this machine's 2 CPU cores, so more hosts add no compute here, only contention:\n  ${rates.join('\n  ')}`);
    });

    test('a search survives a killed worker and a cut-off one: every trial ends once, every reward is observed once', async (t) => {
      for (const host of network.hosts) if (!workers.has(host.name)) await startWorker(host);
      const [killed, cut, steady] = network.hosts as [WorkerHost, WorkerHost, WorkerHost];
      const id = await createExperiment({
        name: 'faults',
        strategy: { type: 'reinforce', hyperparameters: { batchSize: 3 } },
        // Trials long enough (seconds even on an idle machine) that a RUNNING one is there to
        // kill and to cut off, and enough of them that the search outlasts both faults.
        evaluator: { type: 'tfjs-trainer', options: { ...FASHION_PROXY, epochs: 2, trainSubset: 3072 } },
        budget: { maxTrials: 30, parallelTrials: 3, maxRetries: 3, maxConsecutiveDuplicates: 20 },
        seed: 11,
      });
      const live: Subscription<TrialEvent> = await subscribe(url, `subscription($id: ID!) { trialUpdated(experimentId: $id) { id status attempt workerId eventId } }`, { id }, (d) => d.trialUpdated as TrialEvent, admin);
      try {
        await start(id);

        // Killed mid-trial: the whole process, its training threads with it; nothing is said
        // to the service. Should its completion have got in just before the signal landed, the
        // host is started again and its next trial is waited for.
        let victim: TrialView | undefined;
        while (victim === undefined) {
          const candidate = await waitFor('a trial on the worker to kill', () => heldBy(id, killed), 120_000, 100);
          const doomed = workers.get(killed.name)!;
          doomed.process.kill('SIGKILL');
          await doomed.exited;
          if ((await untilTakenBack(id, candidate)) === 'taken back') victim = candidate;
          else await startWorker(killed);
        }

        // Cut off mid-trial, the same way: a trial that completed before the cable was pulled
        // is no late completion, so the link is put back and the next trial waited for. The
        // link stays down until the worker has its result (it logs that locally) and the
        // service has taken the trial back, at least a lease after the worker's last beat.
        let lost: TrialView | undefined;
        let cutAt = 0;
        const tried = new Set<string>();
        const cutWorker = workers.get(cut.name)!;
        while (lost === undefined) {
          const candidate = await waitFor('a trial on the worker to cut off', () => heldBy(id, cut, tried), 120_000, 100);
          tried.add(candidate.id);
          await ip('link', 'set', cut.hostEnd, 'down');
          cutAt = Date.now();
          if ((await untilTakenBack(id, candidate)) === 'taken back') lost = candidate;
          else await ip('link', 'set', cut.hostEnd, 'up');
        }
        await waitFor('the cut-off worker to finish training', () => (cutWorker.lines.some((l) => l.msg === 'trial evaluated' && l.trialId === lost.id) ? true : undefined), 120_000);
        // Half a lease more, so that the link is down longer than a whole lease whenever the last beat went out.
        await sleep(Math.max(0, cutAt + LEASE_SECONDS * 1500 - Date.now()));
        const downForMs = Date.now() - cutAt;
        await ip('link', 'set', cut.hostEnd, 'up');
        const refused = await waitFor(
          'the cut-off worker’s late completion to be refused',
          () => cutWorker.lines.find((l) => l.msg === 'completion refused: the lease was lost, the result is dropped' && l.trialId === lost.id),
          60_000,
        );
        assert.equal(refused.attempt, lost.attempt);

        assert.equal(await untilEnded(id, 240_000), 'SUCCEEDED', `the search finished; service log:\n${tail(server)}`);
        const final = await experiment(id);

        // The late completion again, with the very key the worker used: refused again, nothing changes.
        const lateKey = `${lost.id}:${lost.attempt}:${cut.name}`;
        const before = final.trials.find((x) => x.id === lost.id)!;
        const again = await completeFrom(cut, lost.id, lateKey, 0.99);
        assert.equal(again.code, 'LEASE_LOST', `a resend of the late completion is refused the same way: ${JSON.stringify(again)}`);
        // A completion whose answer was lost, resent by its worker with its key: the stored result, not a second completion.
        const done = final.trials.find((x) => x.duplicateOfId === null && x.workerId === workerIdOf(steady));
        assert.ok(done, `${steady.name} completed a trial`);
        const resent = await completeFrom(steady, done.id, `${done.id}:${done.attempt}:${steady.name}`, 0.01);
        assert.deepEqual(resent, { code: null, status: 'SUCCEEDED', reward: done.reward }, 'the same key answers the stored result');
        const afterwards = await experiment(id);
        assert.deepEqual(afterwards.trials.find((x) => x.id === lost.id), before, 'the refused resend changed nothing');
        assert.deepEqual(afterwards.trials, final.trials, 'nothing changed after the search ended');

        // Every trial ended exactly once: the live stream and the event log's replay agree, and each holds one end per trial.
        const replay = await subscribe(url, `subscription($id: ID!) { trialUpdated(experimentId: $id, after: 0) { id status attempt workerId eventId } }`, { id }, (d) => d.trialUpdated as TrialEvent, admin);
        try {
          await replay.until((r) => r.length >= live.received.length, 30_000);
        } finally {
          await replay.close();
        }
        const ids = (events: readonly TrialEvent[]): number[] => events.map((e) => e.eventId).sort((a, b) => a - b);
        assert.deepEqual(ids(replay.received), ids(live.received), 'the replay holds exactly the events delivered live');
        const ends = new Map<string, TrialEvent[]>();
        for (const e of replay.received) if (['SUCCEEDED', 'FAILED', 'PRUNED', 'CANCELLED'].includes(e.status)) ends.set(e.id, [...(ends.get(e.id) ?? []), e]);
        assert.ok(final.trials.length >= 10);
        for (const trial of final.trials) {
          assert.equal(trial.status, 'SUCCEEDED', `trial ${trial.sequence} succeeded`);
          assert.equal(ends.get(trial.id)?.length, 1, `trial ${trial.sequence} ended exactly once: ${JSON.stringify(ends.get(trial.id))}`);
          assert.notEqual(trial.observedAt, null, `trial ${trial.sequence} was observed`);
          if (trial.duplicateOfId === null) assert.ok(network.hosts.some((h) => trial.workerId === workerIdOf(h)), `trial ${trial.sequence} ran on a worker host (${trial.workerId})`);
        }
        // The controller consumed each reward once: the policy's observations add up to the rewarded trials.
        assert.equal(final.observed, final.trials.filter((x) => x.reward !== null).length, 'the strategy observed every reward exactly once');

        const victimEnd = final.trials.find((x) => x.id === victim.id)!;
        assert.notEqual(victimEnd.workerId, workerIdOf(killed), 'the killed worker’s trial was finished by another host');
        assert.ok(victimEnd.attempt > victim.attempt, `the killed worker’s trial was claimed again (attempt ${victim.attempt} → ${victimEnd.attempt})`);
        const lostEnd = final.trials.find((x) => x.id === lost.id)!;
        assert.ok(lostEnd.attempt > lost.attempt, `the cut-off trial was claimed again (attempt ${lost.attempt} → ${lostEnd.attempt})`);
        assert.ok(
          replay.received.some((e) => e.id === victim.id && e.status === 'PENDING'),
          'the killed worker’s trial went back to PENDING when its lease ran out',
        );
        t.diagnostic(
          `faults: ${final.trials.length} trials (${final.trials.filter((x) => x.duplicateOfId === null).length} evaluated), ` +
            `killed ${killed.name} holding trial ${victim.sequence} (finished by ${victimEnd.workerId?.split('/')[1]} on attempt ${victimEnd.attempt}); ` +
            `cut ${cut.name} for ${(downForMs / 1000).toFixed(1)} s (lease ${LEASE_SECONDS} s) holding trial ${lost.sequence} (finished by ${lostEnd.workerId?.split('/')[1]} on attempt ${lostEnd.attempt}); ` +
            `${final.observed} rewards observed; ${replay.received.length} trial events; after the restore ${cut.name} completed ${cutWorker.lines.slice(cutWorker.lines.indexOf(refused)).filter((l) => l.msg === 'trial completed').length} trial(s)`,
        );
      } finally {
        await live.close();
      }
    });
  });
});
