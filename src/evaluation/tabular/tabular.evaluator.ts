/**
 * Scores an architecture by looking its label up in a metric table: a NAS-Bench-201
 * cell string in the shipped 12-epoch table by default, or any user CSV with a label
 * column and metric columns. Costs microseconds, so strategies can be compared over
 * thousands of searches (bench/search.ts) on the same footing as real training.
 */
import { GraphnasError } from '../../errors/index.js';
import type { EvaluationRequest, EvaluationResult, Evaluator, EvaluatorConfig } from '../evaluator.js';
import { resolveTabularConfig, TabularConfigError, testColumnFor, type ResolvedTabularConfig, type TabularEvaluatorConfig } from './config.js';
import { loadMetricTable, type MetricTable } from './table.js';

/** The table has no row for the architecture: the space and the table do not match. */
export class UnknownArchitectureError extends GraphnasError {
  constructor(
    readonly label: string,
    table: MetricTable,
  ) {
    super('BAD_USER_INPUT', `architecture ${JSON.stringify(label)} is not in ${table.path} (${table.size} rows keyed by ${table.keyColumn}); a tabular evaluator only scores architectures its table lists`);
  }
}

/** What a loaded table resolved the configuration to. */
export interface TabularBinding {
  readonly table: MetricTable;
  readonly testColumn: string | null;
}

export class TabularEvaluator implements Evaluator {
  readonly type = 'tabular';
  readonly config: ResolvedTabularConfig;
  private bound: Promise<TabularBinding> | undefined;

  /** Throws TabularConfigError for a malformed configuration; the table loads on first use (or `load()`). */
  constructor(config: EvaluatorConfig | TabularEvaluatorConfig) {
    this.config = resolveTabularConfig(config);
  }

  /** Loads the table and checks the configured columns exist; idempotent. */
  load(): Promise<TabularBinding> {
    if (this.bound === undefined) {
      this.bound = this.bind();
      this.bound.catch(() => (this.bound = undefined));
    }
    return this.bound;
  }

  private async bind(): Promise<TabularBinding> {
    const { rewardColumn, extraColumns } = this.config;
    const table = await loadMetricTable(this.config.table, this.config.keyColumn);
    const missing = (path: string, column: string): TabularConfigError =>
      TabularConfigError.at(path, `column ${JSON.stringify(column)} is not in ${table.path} (metric columns: ${table.columns.filter((c) => table.hasColumn(c)).join(', ')})`);
    if (!table.hasColumn(rewardColumn)) throw missing('rewardColumn', rewardColumn);
    extraColumns.forEach((c, i) => {
      if (!table.hasColumn(c)) throw missing(`extraColumns[${i}]`, c);
    });
    let testColumn: string | null;
    if (this.config.testColumn === undefined) {
      const derived = testColumnFor(rewardColumn);
      testColumn = derived !== undefined && table.hasColumn(derived) ? derived : null;
    } else {
      testColumn = this.config.testColumn;
      if (testColumn !== null && !table.hasColumn(testColumn)) throw missing('testColumn', testColumn);
    }
    if (testColumn === rewardColumn) throw TabularConfigError.at('testColumn', 'must differ from rewardColumn: a held-out metric is never the reward');
    return { table, testColumn };
  }

  async evaluate(request: EvaluationRequest): Promise<EvaluationResult> {
    request.signal.throwIfAborted();
    const { table, testColumn } = await this.load();
    request.signal.throwIfAborted();
    const row = table.row(request.label);
    if (row === undefined) throw new UnknownArchitectureError(request.label, table);
    const reward = table.value(row, this.config.rewardColumn);
    if (!Number.isFinite(reward)) throw new Error(`${table.path}: ${JSON.stringify(request.label)} has no numeric ${this.config.rewardColumn}`);
    const metrics: Record<string, number> = { [this.config.rewardColumn]: reward };
    for (const column of testColumn === null ? this.config.extraColumns : [testColumn, ...this.config.extraColumns]) {
      const value = table.value(row, column);
      if (Number.isFinite(value)) metrics[column] = value;
    }
    if (request.final) return { reward, metrics: { ...metrics, ...this.finalMetrics(table, testColumn, request) } };
    return { reward, metrics };
  }

  /**
   * A finalist of a table: its "training" is the table's. The reward column is its
   * validation accuracy and the test column its test accuracy, under the names a trained
   * finalist reports (in the table's own units, e.g. NAS-Bench-201's percent); there is
   * no model to keep.
   */
  private finalMetrics(table: MetricTable, testColumn: string | null, request: EvaluationRequest): Record<string, number> {
    const budget = Object.keys(request.final?.budget ?? {});
    if (budget.length > 0) throw new TabularConfigError(budget.map((key) => ({ path: key, message: 'a table takes no final budget' })));
    if (testColumn === null) throw new TabularConfigError([{ path: 'testColumn', message: tabularNoTestReason(this.config.rewardColumn) }]);
    const row = table.row(request.label) as number;
    const test = table.value(row, testColumn);
    if (!Number.isFinite(test)) throw new Error(`${table.path}: ${JSON.stringify(request.label)} has no numeric ${testColumn}`);
    return { val_accuracy: table.value(row, this.config.rewardColumn), test_accuracy: test };
  }

  async dispose(): Promise<void> {
    // The table stays in the process-wide cache for the next experiment on it.
    this.bound = undefined;
  }
}

function tabularNoTestReason(rewardColumn: string): string {
  return `the table has no test column for ${JSON.stringify(rewardColumn)} (the evaluator option testColumn names one; ${JSON.stringify(testColumnFor(rewardColumn) ?? `${rewardColumn}-test`)} is looked for by default)`;
}

/**
 * Null when a finalist of a tabular search can be tested (its table has a test column),
 * else why not. Loads the table (cached per process); throws TabularConfigError when the
 * options are invalid or name columns the table lacks.
 */
export async function tabularTestSplitOf(options: Readonly<Record<string, unknown>>): Promise<string | null> {
  const evaluator = new TabularEvaluator({ ...options, type: 'tabular' });
  const { testColumn } = await evaluator.load();
  return testColumn === null ? tabularNoTestReason(evaluator.config.rewardColumn) : null;
}

export function createTabularEvaluator(config: EvaluatorConfig | TabularEvaluatorConfig): TabularEvaluator {
  return new TabularEvaluator(config);
}
