/**
 * The tabular evaluator's configuration, checked when an experiment is created (shape
 * only; whether the columns exist is checked when the table is first loaded).
 */
import { InvalidInputError, IssueList, type Issue } from '../../errors/index.js';
import type { EvaluatorConfig } from '../evaluator.js';
import { defaultTablePath } from './package-root.js';

export interface TabularEvaluatorConfig {
  readonly type: 'tabular';
  /** CSV or gzip CSV; relative paths resolve against the working directory. Default: the shipped NAS-Bench-201 table. */
  readonly table?: string;
  /** Column holding the architecture labels. Default `cellstr`. */
  readonly keyColumn?: string;
  /** Column that becomes the reward. Default `cifar10-val`; on the shipped table also `cifar100-val`, `imagenet-val`. */
  readonly rewardColumn?: string;
  /**
   * Held-out column reported as a metric, never as reward. Default: the reward column with
   * its `-val`/`_val` suffix replaced by `-test`/`_test`, when the table has it; null for none.
   */
  readonly testColumn?: string | null;
  /** More columns reported as metrics. */
  readonly extraColumns?: readonly string[];
}

export interface ResolvedTabularConfig {
  readonly table: string;
  readonly keyColumn: string;
  readonly rewardColumn: string;
  /** undefined: derive from the reward column if the table has it; null: none. */
  readonly testColumn: string | null | undefined;
  readonly extraColumns: readonly string[];
}

/** Every problem of a tabular configuration at once; paths are relative to the options. */
export class TabularConfigError extends InvalidInputError {
  constructor(issues: readonly Issue[]) {
    super('invalid tabular config', issues);
  }

  static at(path: string, message: string): TabularConfigError {
    return new TabularConfigError([{ path, message }]);
  }
}

const KEYS = ['type', 'table', 'keyColumn', 'rewardColumn', 'testColumn', 'extraColumns'];

/** A benchmark's held-out split: reported beside the reward, never searched on (that would leak the test set into the search). */
export function isTestColumn(column: string): boolean {
  return /(^|[-_])test$/i.test(column);
}

function nonEmptyString(config: Readonly<Record<string, unknown>>, key: string, issues: IssueList): string | undefined {
  const value = config[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    issues.add(key, `must be a non-empty string, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return value;
}

export function resolveTabularConfig(config: EvaluatorConfig | TabularEvaluatorConfig): ResolvedTabularConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw TabularConfigError.at('', 'must be an object');
  const raw = config as Readonly<Record<string, unknown>>;
  const issues = new IssueList();
  if (raw.type !== 'tabular') issues.add('type', `must be "tabular", got ${JSON.stringify(raw.type)}`);
  for (const key of Object.keys(raw)) {
    if (!KEYS.includes(key)) issues.add(key, `unknown option; expected one of ${KEYS.join(', ')}`);
  }
  const testColumn = raw.testColumn === null ? null : nonEmptyString(raw, 'testColumn', issues);
  const extra = raw.extraColumns ?? [];
  if (!Array.isArray(extra)) issues.add('extraColumns', 'must be an array of column names');
  else {
    extra.forEach((c, i) => {
      if (typeof c !== 'string' || c.trim() === '') issues.add(`extraColumns[${i}]`, `must be a non-empty string, got ${JSON.stringify(c)}`);
    });
  }
  const rewardColumn = nonEmptyString(raw, 'rewardColumn', issues) ?? 'cifar10-val';
  if (isTestColumn(rewardColumn)) {
    issues.add('rewardColumn', `${JSON.stringify(rewardColumn)} is a test split: it is only reported, never the reward (use the matching validation column)`);
  }
  const resolved = {
    table: nonEmptyString(raw, 'table', issues) ?? defaultTablePath(),
    keyColumn: nonEmptyString(raw, 'keyColumn', issues) ?? 'cellstr',
    rewardColumn,
    testColumn,
    extraColumns: Array.isArray(extra) ? (extra as string[]) : [],
  };
  if (!issues.isEmpty) throw new TabularConfigError(issues.issues);
  return resolved;
}

/** `cifar10-val` → `cifar10-test`; undefined when the name has no validation suffix. */
export function testColumnFor(rewardColumn: string): string | undefined {
  const match = /^(.*)([-_])val$/.exec(rewardColumn);
  return match === null ? undefined : `${match[1]}${match[2]}test`;
}
