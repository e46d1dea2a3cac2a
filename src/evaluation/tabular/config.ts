/**
 * The tabular evaluator's configuration, checked when an experiment is created (shape
 * only; whether the columns exist is checked when the table is first loaded).
 */
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

export class TabularConfigError extends Error {
  override readonly name = 'TabularConfigError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

const KEYS = ['type', 'table', 'keyColumn', 'rewardColumn', 'testColumn', 'extraColumns'];

function nonEmptyString(config: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = config[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new TabularConfigError(key, `must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

export function resolveTabularConfig(config: EvaluatorConfig | TabularEvaluatorConfig): ResolvedTabularConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new TabularConfigError('', 'must be an object');
  const raw = config as Readonly<Record<string, unknown>>;
  if (raw.type !== 'tabular') throw new TabularConfigError('type', `must be "tabular", got ${JSON.stringify(raw.type)}`);
  for (const key of Object.keys(raw)) {
    if (!KEYS.includes(key)) throw new TabularConfigError(key, `unknown option; expected one of ${KEYS.join(', ')}`);
  }
  let testColumn: string | null | undefined;
  if (raw.testColumn === null) testColumn = null;
  else testColumn = nonEmptyString(raw, 'testColumn');
  const extra = raw.extraColumns ?? [];
  if (!Array.isArray(extra)) throw new TabularConfigError('extraColumns', 'must be an array of column names');
  extra.forEach((c, i) => {
    if (typeof c !== 'string' || c.trim() === '') throw new TabularConfigError(`extraColumns[${i}]`, `must be a non-empty string, got ${JSON.stringify(c)}`);
  });
  return {
    table: nonEmptyString(raw, 'table') ?? defaultTablePath(),
    keyColumn: nonEmptyString(raw, 'keyColumn') ?? 'cellstr',
    rewardColumn: nonEmptyString(raw, 'rewardColumn') ?? 'cifar10-val',
    testColumn,
    extraColumns: extra as string[],
  };
}

/** `cifar10-val` → `cifar10-test`; undefined when the name has no validation suffix. */
export function testColumnFor(rewardColumn: string): string | undefined {
  const match = /^(.*)([-_])val$/.exec(rewardColumn);
  return match === null ? undefined : `${match[1]}${match[2]}test`;
}
