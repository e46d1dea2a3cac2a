import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import type { EvaluationRequest, EvaluationResult, ModelArtifact } from '../../../src/evaluation/evaluator.js';
import { selectBackend } from '../../../src/evaluation/backend/select.js';
import { encodeIdx } from '../../../src/evaluation/data/idx.js';
import { rawTestInputs } from '../../../src/evaluation/data/prepare.js';
import type { DatasetSource } from '../../../src/evaluation/data/source.js';
import { generateSynthetic } from '../../../src/evaluation/data/synthetic-source.js';
import { classify, formatPredictions, loadExportedModel, predict } from '../../../src/evaluation/export/index.js';
import { finalBudgetDefaults } from '../../../src/evaluation/trainer/final.js';
import { TfjsTrainerEvaluator } from '../../../src/evaluation/trainer/tfjs-trainer.js';
import type { Architecture } from '../../../src/space/types.js';
import { TINY_DENSE, conv, dense, depthwise, dropout, layers, maxPool, nb201 } from '../trainer/fixtures/archs.js';

const run = promisify(execFile);
const RELOAD = join(__dirname, 'fixtures', 'reload.js');

const SEARCH = {
  type: 'tfjs-trainer',
  backend: 'wasm',
  dataset: { source: 'synthetic', count: 400, testFraction: 0.25 } as DatasetSource,
  validationFraction: 0.2,
  trainSubset: 150,
  valSubset: 60,
  resolution: null,
  epochs: 1,
  batchSize: 32,
  measureLatency: false,
  workers: 1,
};

/** A layers network with every kind of layer the export rewrites or keeps: dropout, projected skips, pooling, a depthwise conv. */
const LAYERS_NET = layers([conv(6), dropout(0.3), maxPool(), depthwise(3, 1, 2, [0]), conv(8, 3, 2), dense(12, [3]), dropout(0.2)]);
/** An NB201 cell whose node 1 receives only `none` (so it is zeros) and feeds a conv and a skip. */
const CELL_NET = nb201('|none~0|+|nor_conv_3x3~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|', { stemChannels: 4, channels: [4, 8], cellsPerStack: 1 });

let dir: string;
const evaluators: TfjsTrainerEvaluator[] = [];
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'graphnas-export-'));
  await selectBackend({ preferred: 'wasm' });
});
after(async () => {
  await Promise.all(evaluators.map((e) => e.dispose()));
  rmSync(dir, { recursive: true, force: true });
});

function evaluator(overrides: Record<string, unknown> = {}): TfjsTrainerEvaluator {
  const e = new TfjsTrainerEvaluator({ ...SEARCH, ...overrides });
  evaluators.push(e);
  return e;
}

function finalist(label: string, architecture: Architecture, budget: Record<string, unknown> = {}, search: Record<string, unknown> = SEARCH): EvaluationRequest {
  return {
    trialId: label,
    architecture,
    actions: [1, 2, 3],
    label,
    seed: 11,
    dataSeed: 0,
    signal: new AbortController().signal,
    report: () => undefined,
    final: { budget: { ...finalBudgetDefaults(search), epochs: 2, measureLatency: false, ...budget }, keepModel: true },
  };
}

function writeArtifact(name: string, artifact: ModelArtifact | undefined): string {
  assert.ok(artifact, 'keepModel returns the model');
  const out = join(dir, name);
  mkdirSync(out, { recursive: true });
  for (const f of artifact.files) writeFileSync(join(out, f.name), f.bytes);
  return out;
}

/** Reloads the model in a fresh Node process with plain tfjs (no graphnas code) over HTTP and scores it on the raw test inputs. */
async function reloadElsewhere(modelDir: string, dataset: DatasetSource, resolution?: number): Promise<{ accuracy: number; probabilities: number[][]; classes: string[]; count: number }> {
  const raw = rawTestInputs({ dataset, validationFraction: SEARCH.validationFraction, splitSeed: 0, resolution });
  const inputs = join(modelDir, '..', `${modelDir.split('/').pop()}-inputs.f32`);
  const labels = join(modelDir, '..', `${modelDir.split('/').pop()}-labels.i32`);
  writeFileSync(inputs, raw.x);
  writeFileSync(labels, raw.y);
  const { stdout } = await run(process.execPath, [RELOAD, modelDir, inputs, labels, ...raw.inputShape.map(String)], { maxBuffer: 64 << 20 });
  return { ...(JSON.parse(stdout) as { accuracy: number; probabilities: number[][]; classes: string[] }), count: raw.count };
}

function assertRoundTrip(result: EvaluationResult, reloaded: { accuracy: number; count: number; classes: string[] }): void {
  const delta = Math.abs(reloaded.accuracy - result.metrics.test_accuracy);
  // Training ran on wasm, the reload on cpu: logits agree to ~1e-6, so at most a near-tie sample may flip.
  assert.ok(delta <= 1 / reloaded.count + 1e-9, `reloaded test accuracy ${reloaded.accuracy} vs recorded ${result.metrics.test_accuracy}`);
  assert.ok(!reloaded.classes.some((c) => c.startsWith('Graphnas')), `only standard layers: ${reloaded.classes.join(', ')}`);
  assert.equal(reloaded.classes[1], 'DepthwiseConv2D', 'the standardisation follows the input');
  assert.equal(reloaded.classes[reloaded.classes.length - 1], 'Activation', 'a softmax ends the network');
}

test('a layers-space finalist exports to files a fresh tfjs process loads and scores exactly as recorded', async () => {
  const ev = evaluator();
  const started = performance.now();
  const result = await ev.evaluate(finalist('layers', LAYERS_NET, { resolution: 8, measureLatency: true, epochs: 4 }));
  const seconds = (performance.now() - started) / 1000;
  const artifact = result.artifact;
  assert.ok(artifact);
  assert.deepEqual(artifact.files.map((f) => f.name), ['model.json', 'weights.bin', 'architecture.json', 'preprocessing.json']);
  const summary = artifact.model;
  assert.deepEqual(summary.inputShape, [8, 8, 1]);
  assert.equal(summary.numClasses, 4);
  assert.equal(summary.classNames, null);
  assert.equal(summary.params, result.params);
  assert.equal(summary.flops, result.flops);
  assert.ok(summary.latencyMs && summary.latencyMs.batch1 > 0);
  assert.match(summary.dataset, /^synthetic 12×12×1, 4 classes: 239 train \/ 60 validation \/ 101 test \(a stratified 25% hold-out of the source, fixed seed\)$/);
  assert.match(summary.preprocessing, /takes 8×8×1 images \(raw values\), area-resampled from the source's 12×12; standardises/);
  const modelJson = JSON.parse(new TextDecoder().decode(artifact.files[0].bytes)) as { weightsManifest: { paths: string[] }[]; format: string };
  assert.deepEqual(modelJson.weightsManifest.map((g) => g.paths), [['weights.bin']]);
  assert.equal(modelJson.format, 'layers-model');
  const architecture = JSON.parse(new TextDecoder().decode(artifact.files[2].bytes)) as { label: string; actions: number[]; architecture: Architecture; layers: { name: string; className: string }[] };
  assert.deepEqual(architecture.architecture, LAYERS_NET);
  assert.deepEqual(architecture.actions, [1, 2, 3]);
  assert.ok(architecture.layers.some((l) => l.name === 'l1_dropout' && l.className === 'Dropout'));

  const modelDir = writeArtifact('layers', artifact);
  const reloaded = await reloadElsewhere(modelDir, SEARCH.dataset, 8);
  assertRoundTrip(result, reloaded);
  // graphnas's own loader (the file-system handler, on wasm) reads the same network.
  const exported = await loadExportedModel(modelDir);
  try {
    const raw = rawTestInputs({ dataset: SEARCH.dataset, validationFraction: SEARCH.validationFraction, splitSeed: 0, resolution: 8 });
    const mine = classify(exported, Array.from({ length: 10 }, (_, i) => raw.x.subarray(i * 64, (i + 1) * 64)), []);
    mine.forEach((p, i) => p.probabilities.forEach((c, j) => assert.ok(Math.abs(c.probability - reloaded.probabilities[i][j]) < 1e-5, `sample ${i}, class ${j}`)));
  } finally {
    exported.model.dispose();
  }
  const size = artifact.files.reduce((n, f) => n + f.bytes.byteLength, 0);
  console.log(`layers finalist: final training + export ${seconds.toFixed(2)} s (export ${result.metrics.export_seconds.toFixed(2)} s), ${size} bytes, test accuracy ${result.metrics.test_accuracy} recorded, ${reloaded.accuracy} reloaded`);
});

test('an NB201 cell with `none` edges and a zero node round-trips too', async () => {
  const ev = evaluator();
  const result = await ev.evaluate(finalist('cell', CELL_NET));
  const modelDir = writeArtifact('cell', result.artifact);
  const reloaded = await reloadElsewhere(modelDir, SEARCH.dataset);
  assertRoundTrip(result, reloaded);
  console.log(`cell finalist: test accuracy ${result.metrics.test_accuracy} recorded, ${reloaded.accuracy} reloaded`);
  assert.ok(reloaded.classes.includes('Rescaling'), 'the zero node became a standard layer');
  for (const p of reloaded.probabilities.slice(0, 5)) assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'outputs are probabilities');
});

test('tensor counts stay flat over finals that export', async () => {
  const ev = evaluator({ abortGraceMs: 9876 });
  const counts: number[] = [];
  for (let i = 0; i < 3; i++) {
    await ev.evaluate(finalist(`m${i}`, CELL_NET, { epochs: 1 }));
    counts.push(ev.stats()?.memory[0]?.tensors ?? -1);
  }
  assert.equal(counts[2], counts[0], `tensors after each final: ${counts.join(', ')}`);
});

test('predict classifies a PNG (gray or RGB, any size) and CSV rows, with class names', async () => {
  // Byte images (as IDX files) with their own test file, trained at a lower resolution than the source.
  const synth = generateSynthetic({ count: 360, height: 12, width: 12, seed: 3 });
  const bytes = Uint8Array.from(synth.x, (v) => Math.max(0, Math.min(255, Math.round(128 + 50 * v))));
  const idxFiles = (name: string, from: number, to: number): [string, string] => {
    const images = join(dir, `${name}-images`);
    const labels = join(dir, `${name}-labels`);
    writeFileSync(images, encodeIdx([to - from, 12, 12], bytes.subarray(from * 144, to * 144)));
    writeFileSync(labels, encodeIdx([to - from], Uint8Array.from(synth.y.subarray(from, to))));
    return [images, labels];
  };
  const [images, labels] = idxFiles('train', 0, 300);
  const [testImages, testLabels] = idxFiles('t10k', 300, 360);
  const idx: DatasetSource = { source: 'idx', images, labels, testImages, testLabels };
  const search = { ...SEARCH, dataset: idx };
  const result = await evaluator(search).evaluate(finalist('img', layers([conv(4), maxPool(), dense(8)]), { resolution: 9 }, search));
  assert.match(result.artifact?.model.dataset ?? '', /60 test \(.*t10k-images and .*t10k-labels\)/);
  assert.match(result.artifact?.model.preprocessing ?? '', /raw pixel values 0–255/);
  const modelDir = writeArtifact('img', result.artifact);

  const exported = await loadExportedModel(modelDir);
  try {
    const raw = rawTestInputs({ dataset: idx, validationFraction: 0.2, splitSeed: 0, resolution: 9, test: true });
    const reference = classify(exported, [raw.x.subarray(0, 81)], ['ref'])[0];
    // The first test image as an 8-bit gray PNG at the source's 12×12: predict resamples it to 9×9 as training did.
    const gray = new PNG({ width: 12, height: 12, colorType: 0 });
    for (let p = 0; p < 144; p++) gray.data.set([bytes[300 * 144 + p], bytes[300 * 144 + p], bytes[300 * 144 + p], 255], 4 * p);
    writeFileSync(join(dir, 'sample.png'), PNG.sync.write(gray, { colorType: 0 }));
    const [fromPng] = await predict(modelDir, join(dir, 'sample.png'));
    assert.equal(fromPng.input, 'sample.png');
    fromPng.probabilities.forEach((c, j) => assert.ok(Math.abs(c.probability - reference.probabilities[j].probability) < 1e-5, `class ${j}: ${c.probability} vs ${reference.probabilities[j].probability}`));
    // The same image as RGBA, doubled to 24×24: an integer enlargement then reduction gives the same pixels back.
    const rgb = new PNG({ width: 24, height: 24 });
    for (let y = 0; y < 24; y++) for (let x = 0; x < 24; x++) gray.data.copy(rgb.data, 4 * (y * 24 + x), 4 * ((y >> 1) * 12 + (x >> 1)), 4 * ((y >> 1) * 12 + (x >> 1)) + 4);
    writeFileSync(join(dir, 'sample-rgb.png'), PNG.sync.write(rgb));
    const [fromRgb] = await predict(modelDir, join(dir, 'sample-rgb.png'));
    fromRgb.probabilities.forEach((c, j) => assert.ok(Math.abs(c.probability - reference.probabilities[j].probability) < 1e-4));
    assert.match(formatPredictions([fromPng], { top: 2 }), /^sample\.png: \d\n {2}\d {2} +\d+\.\d\d %\n {2}\d/);
  } finally {
    exported.model.dispose();
  }

  // A CSV source with string labels: predict picks the feature columns by name from a row that also holds the label.
  const names = ['alpha', 'beta', 'gamma'];
  const small = generateSynthetic({ count: 240, height: 1, width: 1, channels: 6, numClasses: 3, seed: 4 });
  const csvText = (from: number, to: number): string =>
    ['kind,f0,f1,f2,f3,f4,f5', ...Array.from({ length: to - from }, (_, r) => [names[small.y[from + r]], ...small.x.subarray((from + r) * 6, (from + r + 1) * 6)].join(','))].join('\n');
  writeFileSync(join(dir, 'train.csv'), csvText(0, 200));
  writeFileSync(join(dir, 'test.csv'), csvText(200, 240));
  const csv: DatasetSource = { source: 'csv', path: join(dir, 'train.csv'), testPath: join(dir, 'test.csv'), labelColumn: 'kind' };
  const csvSearch = { ...SEARCH, dataset: csv };
  const tabular = await evaluator(csvSearch).evaluate(finalist('csv', TINY_DENSE, {}, csvSearch));
  assert.deepEqual(tabular.artifact?.model.classNames, names);
  const csvDir = writeArtifact('csv', tabular.artifact);
  const predictions = await predict(csvDir, join(dir, 'test.csv'));
  assert.equal(predictions.length, 40);
  assert.equal(predictions[0].input, 'test.csv:2');
  assert.deepEqual(predictions[0].probabilities.map((c) => c.name), names);
  const hits = predictions.filter((p, r) => p.top.name === names[small.y[200 + r]]).length;
  assert.ok(Math.abs(hits / 40 - tabular.metrics.test_accuracy) < 1e-9, `predict scores the test file as the finalist did: ${hits / 40} vs ${tabular.metrics.test_accuracy}`);
  writeFileSync(join(dir, 'rows.csv'), '1,2,3,4,5,6\n6,5,4,3,2,1\n');
  assert.equal((await predict(csvDir, join(dir, 'rows.csv'))).length, 2, 'bare rows of the features');
  writeFileSync(join(dir, 'short.csv'), '1,2,3\n');
  await assert.rejects(predict(csvDir, join(dir, 'short.csv')), /short\.csv: line 1 has 3 values, the model takes 6/);
  assert.ok(readFileSync(join(csvDir, 'preprocessing.json'), 'utf8').includes('"featureNames"'));
});
