import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { ROOT } from '../helpers/fixtures.js';
import { runCli } from '../helpers/cli.js';
import { gqlOk } from '../helpers/graphql-client.js';
import { nb201Table } from '../helpers/nb201-table.js';

/** The runs here end within three minutes; a hung one is killed then. */
const cli = (args: readonly string[], env: Record<string, string>, onStdout?: (text: string) => void) => runCli(args, env, onStdout, 180_000);

function experimentFile(dir: string, name: string, changes: Record<string, unknown>): string {
  const example = JSON.parse(readFileSync(join(ROOT, 'examples', 'nb201-reinforce.json'), 'utf8')) as Record<string, unknown>;
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ ...example, searchSpace: join(ROOT, 'examples', 'nb201-cell.json'), ...changes }));
  return path;
}

interface Counts {
  experiments: { totalCount: number };
  searchSpaces: { totalCount: number };
}
const COUNTS = `{ experiments { totalCount } searchSpaces { totalCount } }`;

describe('graphnas run next to a server on the same data directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'graphnas-owner-'));
  const dataDir = join(root, 'data');
  let server: ChildServer | null = null;
  after(async () => {
    if (server && server.process.exitCode === null && server.process.signalCode === null) {
      server.process.kill('SIGKILL');
      await server.exited;
    }
    rmSync(root, { recursive: true, force: true });
  });

  test('the CLI refuses the held store, runs through --url instead, and a kill -9 of the server leaves the data intact', { timeout: 10 * 60_000 }, async (t) => {
    const env = { GRAPHNAS_DATA_DIR: dataDir };
    const maxTrials = 40;
    const small = experimentFile(root, 'small.json', { budget: { maxTrials, parallelTrials: 4 } });
    server = await startChildServer(env);
    const first = server;

    // Without --url: refused, named, nothing stored, and told where to go instead.
    const holderBefore = readFileSync(join(dataDir, 'graphnas.lock.json'), 'utf8');
    const refused = await cli(['run', small], env);
    assert.notEqual(refused.code, 0, 'a refused run fails');
    assert.match(refused.stderr, new RegExp(`in use by pid ${first.process.pid} on ${hostname()} \\(.*cli\\.js serve\\), since `));
    assert.match(refused.stderr, /nothing was changed/);
    assert.match(refused.stderr, new RegExp(`graphnas run ${small} --url http://\\S+/graphql`));
    assert.doesNotMatch(refused.stdout, /experiment /, 'nothing was started');
    assert.equal(readFileSync(join(dataDir, 'graphnas.lock.json'), 'utf8'), holderBefore, 'the holder file is untouched');
    assert.deepEqual(await gqlOk<Counts>(first.url, COUNTS), { experiments: { totalCount: 0 }, searchSpaces: { totalCount: 0 } }, 'nothing was stored');

    // With --url: the server runs it and the CLI prints what a local run prints.
    const remote = await cli(['run', small, '--url', first.url], env);
    assert.equal(remote.code, 0, `${remote.stderr}\n${remote.stdout}`);
    const id = /^experiment ([0-9a-f-]{36}): reinforce on .+ \(15625 architectures\), tabular evaluator, seed 1$/m.exec(remote.stdout)?.[1];
    assert.ok(id, remote.stdout);
    assert.match(remote.stdout, new RegExp(`${maxTrials}/${maxTrials} trials · best [\\d.]+`));
    assert.match(remote.stdout, /^SUCCEEDED \(MAX_TRIALS\) after /m);
    assert.match(remote.stdout, /^leaderboard \(reward, maximize\):$/m);
    const best = /^best: (\|.+\|)$/m.exec(remote.stdout)?.[1];
    assert.ok(best, remote.stdout);
    const table = nb201Table();
    const top = /^\s+1\s+(\d+)\s+([\d.]+)\s+/m.exec(remote.stdout);
    assert.equal(Number(top?.[2]), Number(table.get(best)!['cifar10-val'].toFixed(3)), 'the leaderboard shows the table reward of the best cell');

    // A refusal by the service: its message and code, exit 1.
    const bad = await cli(['run', experimentFile(root, 'bad.json', { budget: { maxTrials: 0 } }), '--url', first.url], env);
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stderr, /refused createExperiment: .*input\.budget\.maxTrials: .*\[BAD_USER_INPUT\]/);

    // An experiment that ends other than SUCCEEDED: followed to its end, exit non-zero.
    let cancelled: Promise<unknown> | null = null;
    const long = experimentFile(root, 'long.json', { budget: { maxTrials: 20_000, parallelTrials: 1 } });
    const stopped = await cli(['run', long, '--url', first.url], env, (stdout) => {
      const started = /^experiment ([0-9a-f-]{36}):/m.exec(stdout)?.[1];
      // The first progress line means a trial finished: the experiment is RUNNING.
      if (started && cancelled === null && /trials · best/.test(stdout)) {
        cancelled = gqlOk(first.url, `mutation($id: ID!) { cancelExperiment(id: $id) { status } }`, { id: started });
      }
    });
    await cancelled;
    assert.notEqual(stopped.code, 0);
    assert.equal(stopped.code, 1, stopped.stderr);
    assert.match(stopped.stdout, /^CANCELLED \(CANCELLED\) after /m);

    // kill -9: the stale lock must not keep the next server out, and nothing is lost.
    // It comes back wanting a key, which `run --url` sends on both transports.
    first.process.kill('SIGKILL');
    await first.exited;
    const key = `gnk_${'k'.repeat(43)}`;
    const restartedAt = Date.now();
    server = await startChildServer({ ...env, GRAPHNAS_AUTH: 'on', GRAPHNAS_ADMIN_KEY: key });
    const second = server;
    t.diagnostic(`restarted after kill -9 in ${Date.now() - restartedAt} ms`);
    const reread = await gqlOk<{
      experiment: { status: string; endReason: string; progress: { evaluations: number }; leaderboard: { label: string; reward: number }[]; trials: { edges: { node: { status: string; reward: number | null } }[] } };
    }>(
      second.url,
      `query($id: ID!) { experiment(id: $id) {
        status endReason progress { evaluations } leaderboard(top: 1) { label reward }
        trials(first: 100, duplicates: EXCLUDE) { edges { node { status reward } } }
      } }`,
      { id },
      { token: key },
    );
    assert.equal(reread.experiment.status, 'SUCCEEDED');
    assert.equal(reread.experiment.endReason, 'MAX_TRIALS');
    assert.equal(reread.experiment.progress.evaluations, maxTrials);
    assert.equal(reread.experiment.leaderboard[0]?.label, best);
    assert.equal(reread.experiment.trials.edges.length, maxTrials);
    assert.ok(reread.experiment.trials.edges.every((e) => e.node.status === 'SUCCEEDED' && e.node.reward !== null), 'every trial is readable with its reward');
    const counts = { experiments: { totalCount: 2 }, searchSpaces: { totalCount: 3 } };
    assert.deepEqual(await gqlOk<Counts>(second.url, COUNTS, {}, { token: key }), counts, 'the two experiments and three spaces the runs created');

    const tiny = experimentFile(root, 'tiny.json', { budget: { maxTrials: 8, parallelTrials: 2 } });
    const anonymous = await cli(['run', tiny, '--url', second.url], env);
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /cannot be followed over graphql-ws: WebSocket closed with 4403 .*set GRAPHNAS_API_KEY/);
    assert.deepEqual(await gqlOk<Counts>(second.url, COUNTS, {}, { token: key }), counts, 'a run that could not be followed created nothing');
    const keyed = await cli(['run', tiny, '--url', second.url], { ...env, GRAPHNAS_API_KEY: key });
    assert.equal(keyed.code, 0, `${keyed.stderr}\n${keyed.stdout}`);
    assert.match(keyed.stdout, /8\/8 trials/);
    assert.match(keyed.stdout, /^SUCCEEDED \(MAX_TRIALS\)/m);

    second.process.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });
});
