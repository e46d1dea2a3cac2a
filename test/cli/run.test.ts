import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/fixtures.js';
import { nb201Table } from '../helpers/nb201-table.js';

test('graphnas run examples/nb201-reinforce.json finishes, prints progress, the leaderboard and the best cell', () => {
  const result = spawnSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli.js'), 'run', join(ROOT, 'examples', 'nb201-reinforce.json')], {
    env: { ...process.env, GRAPHNAS_DATA_DIR: ':memory:', LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(result.status, 0, result.stderr);
  const out = result.stdout;
  assert.match(out, /200\/200 trials/);
  assert.match(out, /SUCCEEDED \(MAX_TRIALS\)/);
  const best = /^best: (\|.+\|)$/m.exec(out)?.[1];
  assert.ok(best, out);
  const table = nb201Table();
  assert.ok(table.has(best), 'the best cell prints in the benchmark form');
  const top = /^\s+1\s+\d+\s+([\d.]+)\s+/m.exec(out)?.[1];
  assert.equal(Number(top), Number(table.get(best)!['cifar10-val'].toFixed(3)));
});

test('graphnas with an unknown command explains itself', () => {
  const result = spawnSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli.js'), 'frobnicate'], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown command "frobnicate"/);
  assert.match(result.stderr, /run FILE/);
});
