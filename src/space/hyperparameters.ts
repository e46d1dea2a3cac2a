/**
 * The optional `hyperparameters` section: named settings, each a list of options, where an
 * option may open a sub-space of further settings (`{"value": "sgd", "params": {...}}`) that
 * exist only while it is chosen — the shape NNI's nested `_name` choices import to.
 */
import type { HyperparameterOption, HyperparametersDefinition, ValueRule } from './definition.js';
import { KNOWN_HYPERPARAMETERS, NAME_PATTERN, optionParams, optionValue } from './definition.js';
import type { Condition, DecisionList } from './decision-list.js';
import { under } from './decision-list.js';
import { isPlainObject, pointer } from './limits.js';
import type { Actions, ArchitectureHyperparameters, ChoiceValue } from './types.js';
import type { ValidationContext } from './values.js';
import { checkValue, describe, readValues } from './values.js';

const ANY: ValueRule = { kind: 'any' };

function ruleFor(name: string): ValueRule {
  return name in KNOWN_HYPERPARAMETERS ? KNOWN_HYPERPARAMETERS[name as keyof typeof KNOWN_HYPERPARAMETERS] : ANY;
}

/** Spellings of the well-known names that would otherwise silently become custom parameters. */
const ALIASES: Readonly<Record<string, string>> = {
  learningrate: 'learningRate',
  lr: 'learningRate',
  batchsize: 'batchSize',
  batch: 'batchSize',
  optimiser: 'optimizer',
  optimizer: 'optimizer',
};

function readOptions(raw: unknown, path: string, name: string, ctx: ValidationContext): HyperparameterOption[] | undefined {
  const rule = ruleFor(name);
  if (!Array.isArray(raw) || !raw.some(isPlainObject)) return readValues(raw, path, rule, ctx);
  const { issues, limits } = ctx;
  if (raw.length > limits.maxChoices) {
    issues.add(path, `lists ${raw.length} choices, more than the limit of ${limits.maxChoices} per decision`);
    return undefined;
  }
  const before = issues.count;
  const options: HyperparameterOption[] = [];
  raw.forEach((item: unknown, i) => {
    const at = pointer(path, i);
    let value: unknown = item;
    let params: HyperparametersDefinition | undefined;
    if (isPlainObject(item)) {
      for (const key of Object.keys(item)) {
        if (key !== 'value' && key !== 'params') issues.add(pointer(at, key), 'is not an option setting (an option has value and params)');
      }
      value = item.value;
      params = item.params === undefined ? {} : readParams(item.params, pointer(at, 'params'), ctx);
      if (!('value' in item)) {
        issues.add(at, 'an option with params needs a value');
        return;
      }
    }
    const problem = checkValue(value, rule);
    if (problem !== undefined) issues.add(isPlainObject(item) ? pointer(at, 'value') : at, problem);
    else if (options.some((o) => optionValue(o) === value)) issues.add(at, `repeats the choice ${describe(value)}`);
    else if (params !== undefined) options.push({ value: value as ChoiceValue, params });
    else options.push(value as ChoiceValue);
  });
  return issues.count === before ? options : undefined;
}

/** Names reachable from a section, checking that no two settings that can be active together share one. */
function namesOf(def: HyperparametersDefinition, path: string, ctx: ValidationContext): Set<string> {
  const all = new Set<string>();
  for (const [name, options] of Object.entries(def)) {
    const inner = new Set<string>();
    options.forEach((option, i) => {
      const params = optionParams(option);
      if (params !== undefined) for (const n of namesOf(params, pointer(pointer(pointer(path, name), i), 'params'), ctx)) inner.add(n);
    });
    if (inner.has(name) || all.has(name) || [...inner].some((n) => all.has(n))) {
      ctx.issues.add(pointer(path, name), `uses a name that another hyperparameter active at the same time also uses`);
    }
    all.add(name);
    for (const n of inner) all.add(n);
  }
  return all;
}

function readParams(raw: unknown, path: string, ctx: ValidationContext): HyperparametersDefinition | undefined {
  if (!isPlainObject(raw)) {
    ctx.issues.add(path, `must be an object of named hyperparameters (got ${describe(raw)})`);
    return undefined;
  }
  const before = ctx.issues.count;
  const out: Record<string, HyperparameterOption[]> = {};
  for (const [name, spec] of Object.entries(raw)) {
    const at = pointer(path, name);
    if (!NAME_PATTERN.test(name)) {
      ctx.issues.add(at, 'a hyperparameter name must start with a letter or _ and hold only letters, digits, _ and - (at most 64)');
      continue;
    }
    const alias = ALIASES[name.toLowerCase().replace(/[_-]/g, '')];
    if (alias !== undefined && alias !== name) {
      ctx.issues.add(at, `write ${alias}: it is the well-known name the trainer reads`);
      continue;
    }
    const options = readOptions(spec, at, name, ctx);
    if (options !== undefined) out[name] = options;
  }
  return ctx.issues.count === before ? out : undefined;
}

export function validateHyperparameters(raw: unknown, path: string, ctx: ValidationContext): HyperparametersDefinition | undefined {
  const def = readParams(raw, path, ctx);
  if (def === undefined) return undefined;
  const before = ctx.issues.count;
  namesOf(def, path, ctx);
  return ctx.issues.count === before ? def : undefined;
}

export interface HyperparameterPlan {
  readonly name: string;
  readonly values: readonly ChoiceValue[];
  readonly decision?: number;
  /** Per option, the settings that exist while it is chosen. */
  readonly children: readonly (readonly HyperparameterPlan[])[];
}

function idSegment(value: ChoiceValue, index: number): string {
  return typeof value === 'string' && NAME_PATTERN.test(value) ? value : String(index);
}

export function compileHyperparameters(
  def: HyperparametersDefinition,
  list: DecisionList,
  condition: Condition,
  idPrefix: string,
  path: string,
): HyperparameterPlan[] {
  return Object.entries(def).map(([name, options]) => {
    const at = pointer(path, name);
    const values = options.map(optionValue);
    const decision = list.choose(`${idPrefix}.${name}`, name, values, condition, at);
    const children = options.map((option, o) => {
      const params = optionParams(option);
      if (params === undefined) return [];
      return compileHyperparameters(params, list, under(condition, decision, [o]), `${idPrefix}.${name}.${idSegment(values[o], o)}`, pointer(pointer(at, o), 'params'));
    });
    return decision === undefined ? { name, values, children } : { name, values, decision, children };
  });
}

export function hyperparameterCardinality(plans: readonly HyperparameterPlan[]): bigint {
  let total = 1n;
  for (const plan of plans) total *= plan.children.reduce((sum, child) => sum + hyperparameterCardinality(child), 0n);
  return total;
}

function toArchitecture(chosen: ReadonlyMap<string, ChoiceValue>): ArchitectureHyperparameters {
  const out: { learningRate?: number; batchSize?: number; optimizer?: string; custom?: Record<string, ChoiceValue> } = {};
  for (const [name, value] of chosen) {
    if (name === 'learningRate' || name === 'batchSize') out[name] = value as number;
    else if (name === 'optimizer') out.optimizer = value as string;
    else (out.custom ??= {})[name] = value;
  }
  return out;
}

export function decodeHyperparameters(plans: readonly HyperparameterPlan[], actions: Actions): ArchitectureHyperparameters {
  const chosen = new Map<string, ChoiceValue>();
  const walk = (nodes: readonly HyperparameterPlan[]): void => {
    for (const node of nodes) {
      const o = node.decision === undefined ? 0 : actions[node.decision];
      chosen.set(node.name, node.values[o]);
      walk(node.children[o]);
    }
  };
  walk(plans);
  return toArchitecture(chosen);
}

/** Writes the actions for `hp` into `actions`; returns what does not fit the space, if anything. */
export function encodeHyperparameters(plans: readonly HyperparameterPlan[], hp: ArchitectureHyperparameters, actions: number[]): string | undefined {
  const given = new Map<string, ChoiceValue>();
  if (hp.learningRate !== undefined) given.set('learningRate', hp.learningRate);
  if (hp.batchSize !== undefined) given.set('batchSize', hp.batchSize);
  if (hp.optimizer !== undefined) given.set('optimizer', hp.optimizer);
  for (const [name, value] of Object.entries(hp.custom ?? {})) given.set(name, value);
  const walk = (nodes: readonly HyperparameterPlan[]): string | undefined => {
    for (const node of nodes) {
      const value = given.get(node.name);
      if (value === undefined) return `hyperparameter ${node.name} is missing`;
      const o = node.values.indexOf(value);
      if (o < 0) return `hyperparameter ${node.name} = ${describe(value)} is not one of its choices`;
      given.delete(node.name);
      if (node.decision !== undefined) actions[node.decision] = o;
      const problem = walk(node.children[o]);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
  const problem = walk(plans);
  if (problem !== undefined) return problem;
  const extra = [...given.keys()];
  return extra.length > 0 ? `hyperparameter ${extra[0]} is not part of this space` : undefined;
}
