import type { ValueRule } from './definition.js';
import type { Issues } from './errors.js';
import type { SpaceLimits } from './limits.js';
import { isPlainObject, pointer } from './limits.js';
import type { ChoiceValue } from './types.js';

export interface ValidationContext {
  readonly issues: Issues;
  readonly limits: SpaceLimits;
}

export function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return String(value);
}

/** Why `value` breaks `rule`, or undefined when it does not. */
export function checkValue(value: unknown, rule: ValueRule): string | undefined {
  if (rule.kind === 'enum') {
    const allowed = rule.values ?? [];
    return typeof value === 'string' && allowed.includes(value) ? undefined : `must be one of ${allowed.join(', ')} (got ${describe(value)})`;
  }
  if (rule.kind === 'any') {
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
      ? undefined
      : `must be a number, string or boolean (got ${describe(value)})`;
  }
  if (typeof value !== 'number') return `must be a number (got ${describe(value)})`;
  if (rule.kind === 'int' && !Number.isInteger(value)) return `must be an integer (got ${value})`;
  if (rule.min !== undefined && (rule.minExclusive ? value <= rule.min : value < rule.min)) {
    return `must be ${rule.minExclusive ? 'greater than' : 'at least'} ${rule.min} (got ${value})`;
  }
  if (rule.max !== undefined && (rule.maxExclusive ? value >= rule.max : value > rule.max)) {
    return `must be ${rule.maxExclusive ? 'less than' : 'at most'} ${rule.max} (got ${value})`;
  }
  return undefined;
}

function sameValue(a: ChoiceValue, b: ChoiceValue): boolean {
  return a === b;
}

/** Rounds away float noise so that 0.1 + 2·0.1 lists as 0.3 and labels stay short. */
function tidy(x: number, digits: number): number {
  const y = Number(x.toPrecision(digits));
  return Object.is(y, -0) ? 0 : y;
}

/**
 * Expands `{ "range": [lo, hi], "step": s }` or `{ "range": [lo, hi], "bins": n, "scale": "linear" | "log" }`
 * into the list of values it stands for. The number of values is known before any is made,
 * so a range with a tiny step is rejected rather than expanded.
 */
function expandRange(raw: Record<string, unknown>, path: string, rule: ValueRule, ctx: ValidationContext): number[] | undefined {
  const { issues, limits } = ctx;
  for (const key of Object.keys(raw)) {
    if (!['range', 'step', 'bins', 'scale'].includes(key)) issues.add(pointer(path, key), 'is not a range setting (use range, step, bins, scale)');
  }
  const range = raw.range;
  if (!Array.isArray(range) || range.length !== 2 || typeof range[0] !== 'number' || typeof range[1] !== 'number') {
    issues.add(pointer(path, 'range'), 'must be [lower, upper], two numbers');
    return undefined;
  }
  const [lo, hi] = range as [number, number];
  if (!(lo < hi)) {
    issues.add(pointer(path, 'range'), `lower bound must be below the upper bound (got [${lo}, ${hi}])`);
    return undefined;
  }
  const scale = raw.scale ?? 'linear';
  if (scale !== 'linear' && scale !== 'log') {
    issues.add(pointer(path, 'scale'), `must be "linear" or "log" (got ${describe(scale)})`);
    return undefined;
  }
  if (scale === 'log' && lo <= 0) {
    issues.add(pointer(path, 'range'), 'a log scale needs a positive lower bound');
    return undefined;
  }
  if (raw.step !== undefined && raw.bins !== undefined) {
    issues.add(path, 'give either step or bins, not both');
    return undefined;
  }
  let values: number[];
  if (raw.bins !== undefined) {
    const bins = raw.bins;
    if (typeof bins !== 'number' || !Number.isInteger(bins) || bins < 2 || bins > limits.maxChoices) {
      issues.add(pointer(path, 'bins'), `must be an integer from 2 to ${limits.maxChoices} (got ${describe(bins)})`);
      return undefined;
    }
    values = [];
    for (let i = 0; i < bins; i++) {
      const t = i / (bins - 1);
      values.push(i === 0 ? lo : i === bins - 1 ? hi : scale === 'log' ? tidy(lo * Math.pow(hi / lo, t), 6) : tidy(lo + (hi - lo) * t, 6));
    }
  } else {
    if (scale === 'log') {
      issues.add(path, 'a log-scaled range needs bins');
      return undefined;
    }
    const step = raw.step ?? (rule.kind === 'int' ? 1 : undefined);
    if (step === undefined) {
      issues.add(path, 'a continuous range needs a number of bins (or a step) to be discretised');
      return undefined;
    }
    if (typeof step !== 'number' || !(step > 0)) {
      issues.add(pointer(path, 'step'), `must be a positive number (got ${describe(step)})`);
      return undefined;
    }
    const count = Math.floor((hi - lo) / step + 1e-9) + 1;
    if (count > limits.maxChoices) {
      issues.add(path, `expands to ${count} values, more than the limit of ${limits.maxChoices} choices per decision`);
      return undefined;
    }
    values = [];
    for (let i = 0; i < count; i++) values.push(tidy(lo + i * step, 12));
  }
  if (rule.kind === 'int') values = values.map((v) => Math.round(v));
  return [...new Set(values)];
}

/**
 * Reads a setting written as a scalar (fixed), a list of choices, or a range, and returns
 * its choices in order; undefined (with errors recorded) when it is malformed.
 */
export function readValues(raw: unknown, path: string, rule: ValueRule, ctx: ValidationContext): ChoiceValue[] | undefined {
  const { issues, limits } = ctx;
  let values: ChoiceValue[];
  let listed = false;
  if (Array.isArray(raw)) {
    if (raw.length === 0) {
      issues.add(path, 'must list at least one choice');
      return undefined;
    }
    if (raw.length > limits.maxChoices) {
      issues.add(path, `lists ${raw.length} choices, more than the limit of ${limits.maxChoices} per decision`);
      return undefined;
    }
    values = raw as ChoiceValue[];
    listed = true;
  } else if (isPlainObject(raw) && rule.kind !== 'enum') {
    const expanded = expandRange(raw, path, rule, ctx);
    if (expanded === undefined) return undefined;
    values = expanded;
  } else if (typeof raw === 'number' || typeof raw === 'string' || typeof raw === 'boolean') {
    values = [raw];
  } else {
    const forms = rule.kind === 'enum' ? 'a value or a list of values' : 'a value, a list of values or a range object';
    issues.add(path, `must be ${forms} (got ${describe(raw)})`);
    return undefined;
  }
  const before = issues.count;
  values.forEach((value, i) => {
    const at = listed ? pointer(path, i) : path;
    const problem = checkValue(value, rule);
    if (problem !== undefined) issues.add(at, problem);
    else if (values.slice(0, i).some((earlier) => sameValue(earlier, value))) issues.add(at, `repeats the choice ${describe(value)}`);
  });
  return issues.count === before ? values : undefined;
}
