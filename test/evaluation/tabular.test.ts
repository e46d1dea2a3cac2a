import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { EvaluationRequest } from '../../src/evaluation/evaluator.js';
import {
  defaultTablePath,
  loadMetricTable,
  parseCsv,
  TabularConfigError,
  TabularEvaluator,
  TableError,
  UnknownArchitectureError,
  tabularTestSplitOf,
} from '../../src/evaluation/tabular/index.js';

const BEST = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|';

function request(label: string, signal: AbortSignal = new AbortController().signal): EvaluationRequest {
  return {
    trialId: 't',
    architecture: { kind: 'cell', nodes: 4, edges: [], skeleton: { stemChannels: 16, channels: [16, 32, 64], cellsPerStack: 5 }, hyperparameters: {} },
    actions: [],
    label,
    seed: 0,
    dataSeed: 0,
    signal,
    report: () => undefined,
  };
}

const isConfigError =
  (path: string) =>
  (e: unknown): boolean =>
    e instanceof TabularConfigError && e.issues.some((i) => i.path === path);

describe('tabular evaluator', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'graphnas-tabular-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('scores a NAS-Bench-201 cell from the shipped table: cifar10-val as reward, cifar10-test as a metric only', async () => {
    const evaluator = new TabularEvaluator({ type: 'tabular' });
    const result = await evaluator.evaluate(request(BEST));
    assert.ok(Math.abs(result.reward - 84.892) < 1e-3);
    assert.equal(result.metrics['cifar10-val'], result.reward);
    assert.ok(Math.abs(result.metrics['cifar10-test']! - 89.03) < 1e-9);
    const { table } = await evaluator.load();
    assert.equal(table.size, 15625);
    await evaluator.dispose();
  });

  it('selects another reward column, its test column, and extra columns', async () => {
    const evaluator = new TabularEvaluator({ type: 'tabular', rewardColumn: 'imagenet-val', extraColumns: ['cifar100-val'] });
    const result = await evaluator.evaluate(request(BEST));
    assert.deepEqual(Object.keys(result.metrics).sort(), ['cifar100-val', 'imagenet-test', 'imagenet-val']);
    assert.equal(result.reward, result.metrics['imagenet-val']);
    assert.notEqual(result.reward, result.metrics['imagenet-test']);
  });

  it('resolves the shipped table from the package root whether running from src or dist', () => {
    assert.match(defaultTablePath(), /resources[\\/]nb201[\\/]nb201-12epoch\.csv\.gz$/);
    assert.doesNotMatch(defaultTablePath(), /[\\/]dist[\\/]/);
  });

  it('loads a table once per path and key column', async () => {
    assert.equal(await loadMetricTable(defaultTablePath(), 'cellstr'), await loadMetricTable(defaultTablePath(), 'cellstr'));
  });

  it('reads a user CSV, plain or gzip, with quoted fields', async () => {
    const csv = 'arch,acc,"acc-test",latency\n"a,b",0.5,0.4,3\nc,0.7,0.65,\n';
    writeFileSync(join(dir, 'plain.csv'), csv);
    writeFileSync(join(dir, 'packed.bin'), gzipSync(csv));
    for (const file of ['plain.csv', 'packed.bin']) {
      const evaluator = new TabularEvaluator({ type: 'tabular', table: join(dir, file), keyColumn: 'arch', rewardColumn: 'acc', testColumn: 'acc-test', extraColumns: ['latency'] });
      assert.deepEqual(await evaluator.evaluate(request('a,b')), { reward: 0.5, metrics: { acc: 0.5, 'acc-test': 0.4, latency: 3 } });
      assert.deepEqual(await evaluator.evaluate(request('c')), { reward: 0.7, metrics: { acc: 0.7, 'acc-test': 0.65 } }, 'empty cells are left out');
    }
  });

  it('names the architecture when it is not in the table', async () => {
    const evaluator = new TabularEvaluator({ type: 'tabular' });
    await assert.rejects(evaluator.evaluate(request('|conv_5x5~0|')), (e: unknown) => e instanceof UnknownArchitectureError && /conv_5x5/.test(e.message));
  });

  it('rejects malformed configurations with a field path', () => {
    assert.throws(() => new TabularEvaluator({ type: 'table' }), isConfigError('type'));
    assert.throws(() => new TabularEvaluator({ type: 'tabular', rewardColum: 'x' }), isConfigError('rewardColum'));
    assert.throws(() => new TabularEvaluator({ type: 'tabular', rewardColumn: '' }), isConfigError('rewardColumn'));
    assert.throws(() => new TabularEvaluator({ type: 'tabular', extraColumns: 'cifar100-val' }), isConfigError('extraColumns'));
    assert.throws(() => new TabularEvaluator({ type: 'tabular', extraColumns: [3] }), isConfigError('extraColumns[0]'));
    assert.throws(
      () => new TabularEvaluator({ type: 'tabular', rewardColum: 'x', extraColumns: [3] }),
      (e: unknown) => e instanceof TabularConfigError && e.issues.length === 2,
      'every problem is reported at once',
    );
    for (const column of ['cifar10-test', 'imagenet-test', 'top1_test']) {
      assert.throws(() => new TabularEvaluator({ type: 'tabular', rewardColumn: column }), isConfigError('rewardColumn'), `${column} is a test split`);
    }
  });

  it('rejects columns the table does not have, and the reward as its own test column', async () => {
    await assert.rejects(new TabularEvaluator({ type: 'tabular', rewardColumn: 'cifar10-valid' }).load(), isConfigError('rewardColumn'));
    await assert.rejects(new TabularEvaluator({ type: 'tabular', extraColumns: ['flops'] }).load(), isConfigError('extraColumns[0]'));
    await assert.rejects(new TabularEvaluator({ type: 'tabular', testColumn: 'cifar10-val' }).load(), isConfigError('testColumn'));
    await assert.rejects(new TabularEvaluator({ type: 'tabular', keyColumn: 'name' }).load(), TableError);
    await assert.rejects(new TabularEvaluator({ type: 'tabular', table: join(dir, 'missing.csv') }).load(), TableError);
  });

  it('rejects tables with duplicate keys or ragged rows', async () => {
    writeFileSync(join(dir, 'dup.csv'), 'k,v\na,1\na,2\n');
    writeFileSync(join(dir, 'ragged.csv'), 'k,v\na,1,2\n');
    await assert.rejects(loadMetricTable(join(dir, 'dup.csv'), 'k'), /appears twice/);
    await assert.rejects(loadMetricTable(join(dir, 'ragged.csv'), 'k'), /3 fields/);
  });

  it('stops when the trial is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await assert.rejects(new TabularEvaluator({ type: 'tabular' }).evaluate(request(BEST, controller.signal)), /cancelled/);
  });

  it('parses RFC 4180 CSV', () => {
    assert.deepEqual(parseCsv('a,"b ""q"", c"\r\n\n1,\n'), [
      ['a', 'b "q", c'],
      ['1', ''],
    ]);
    assert.deepEqual(parseCsv('"multi\nline",x'), [['multi\nline', 'x']]);
    assert.throws(() => parseCsv('"open'), /unterminated/);
  });
  it('finalises from the table: the reward column as validation, the test column as test_accuracy, no model, in milliseconds', async () => {
    const evaluator = new TabularEvaluator({ type: 'tabular' });
    const started = performance.now();
    const result = await evaluator.evaluate({ ...request(BEST), final: { budget: {}, keepModel: true } });
    assert.ok(performance.now() - started < 1000);
    assert.equal(result.reward, result.metrics['cifar10-val']);
    assert.equal(result.metrics.val_accuracy, result.metrics['cifar10-val']);
    assert.ok(Math.abs(result.metrics.test_accuracy! - 89.03) < 1e-9, 'in the table\'s own units (percent)');
    assert.equal(result.metrics['cifar10-test'], result.metrics.test_accuracy);
    assert.equal(result.artifact, undefined);
    await assert.rejects(evaluator.evaluate({ ...request(BEST), final: { budget: { epochs: 3 }, keepModel: false } }), isConfigError('epochs'));
    assert.equal(await tabularTestSplitOf({}), null);
    writeFileSync(join(dir, 'no-test.csv'), 'arch,acc-val\na,0.5\n');
    const noTest = { table: join(dir, 'no-test.csv'), keyColumn: 'arch', rewardColumn: 'acc-val' };
    assert.match((await tabularTestSplitOf(noTest)) ?? '', /the table has no test column for "acc-val" \(the evaluator option testColumn names one; "acc-test" is looked for by default\)/);
    await assert.rejects(new TabularEvaluator({ type: 'tabular', ...noTest }).evaluate({ ...request('a'), final: { budget: {}, keepModel: false } }), isConfigError('testColumn'));
  });
});
