import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PNG } from 'pngjs';
import { CLI, FINALIST_SPACE, syntheticTrainer } from '../helpers/fixtures.js';

// The README's sequence on the embedded store, each step its own process as a user runs it:
// run → finalize → export → predict. Real tfjs training on seeded synthetic images with a
// held-out fifth as the test split, at budgets of seconds.
const scratch = mkdtempSync(join(tmpdir(), 'graphnas-finalize-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const ENV = { GRAPHNAS_DATA_DIR: join(scratch, 'data'), GRAPHNAS_ARTIFACT_DIR: join(scratch, 'artifacts'), LOG_LEVEL: 'warn' };

function graphnas(args: readonly string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...ENV }, encoding: 'utf8', timeout: 300_000 });
}

const EXPERIMENT = {
  name: 'finalize from the CLI',
  searchSpace: FINALIST_SPACE,
  strategy: { type: 'random' },
  evaluator: syntheticTrainer(),
  budget: { maxTrials: 4, parallelTrials: 1, maxConsecutiveDuplicates: 20 },
  seed: 11,
};

interface FinalizeJson {
  experimentId: string;
  status: string;
  finalists: { proxyRank: number; validation: { mean: number; n: number } | null; test: { mean: number; std: number | null; n: number } | null; bestReplicateId: string | null }[];
  winnerRank: number | null;
  spearman: number | null;
}

test('run, finalize, export and predict: the README’s way from a search to a model that classifies an image', () => {
  const file = join(scratch, 'experiment.json');
  writeFileSync(file, JSON.stringify(EXPERIMENT));
  const run = graphnas(['run', file]);
  assert.equal(run.status, 0, run.stderr);
  const id = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(run.stdout)?.[0];
  assert.ok(id, run.stdout);

  // Before a finalization there is nothing to export, and the refusal says what to do.
  const early = graphnas(['export', id, '--out', join(scratch, 'early')]);
  assert.equal(early.status, 1);
  assert.match(early.stderr, /has not been finalised: .*graphnas finalize/);

  const finalize = graphnas(['finalize', id, '--top-k', '2', '--seeds', '2', '--epochs', '2', '--json']);
  assert.equal(finalize.status, 0, finalize.stderr);
  const outcome = JSON.parse(finalize.stdout) as FinalizeJson;
  assert.equal(outcome.status, 'SUCCEEDED');
  assert.equal(outcome.finalists.length, 2);
  for (const f of outcome.finalists) {
    assert.equal(f.validation?.n, 2, 'both seeds validated');
    assert.equal(f.test?.n, 2, 'both seeds tested');
    assert.ok(f.test!.mean >= 0 && f.test!.mean <= 1);
  }
  assert.ok(outcome.winnerRank !== null);
  const winner = outcome.finalists.find((f) => f.proxyRank === outcome.winnerRank)!;
  const bestByValidation = Math.max(...outcome.finalists.map((f) => f.validation!.mean));
  assert.equal(winner.validation!.mean, bestByValidation, 'the winner is chosen by validation');

  // A second finalization of a SUCCEEDED one is refused; the table form names the winner.
  const again = graphnas(['finalize', id]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /already has a SUCCEEDED finalization/);

  const out = join(scratch, 'model');
  const exported = graphnas(['export', id, '--out', out, '--json']);
  assert.equal(exported.status, 0, exported.stderr);
  const written = JSON.parse(exported.stdout) as { trialId: string; files: { name: string; bytes: number }[] };
  assert.equal(written.trialId, winner.bestReplicateId, 'the winner’s best seed is what is exported');
  for (const name of ['model.json', 'architecture.json', 'preprocessing.json', 'MODEL_CARD.md']) assert.ok(existsSync(join(out, name)), `${name} written`);
  const card = readFileSync(join(out, 'MODEL_CARD.md'), 'utf8');
  assert.match(card, /## Results/);
  assert.match(card, /Spearman/);
  assert.match(card, /strategy `random`/);

  // An 8×8 gray image (any size would do: predict resamples to the model's input).
  const png = new PNG({ width: 8, height: 8 });
  for (let i = 0; i < 64; i++) png.data.set([(i * 37) % 256, (i * 37) % 256, (i * 37) % 256, 255], i * 4);
  const image = join(scratch, 'input.png');
  writeFileSync(image, PNG.sync.write(png));
  const predicted = graphnas(['predict', out, image, '--json']);
  assert.equal(predicted.status, 0, predicted.stderr);
  const [prediction] = JSON.parse(predicted.stdout) as { probabilities: { probability: number }[]; top: { name: string } }[];
  assert.equal(prediction!.probabilities.length, 4);
  assert.ok(Math.abs(prediction!.probabilities.reduce((a, p) => a + p.probability, 0) - 1) < 1e-4, 'probabilities sum to 1');
  const text = graphnas(['predict', out, image, '--top', '2']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^input\.png: \S+/);

  const missing = graphnas(['predict', out, join(scratch, 'nothing.png')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nothing\.png/);
  assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace for a missing file');
});
