/**
 * Declarative hyperparameter schemas: each strategy lists its knobs once (default, range,
 * description), and the same list validates user input, fills defaults, and documents
 * the strategy for the API.
 */

import { InvalidInputError, type Issue } from '../errors/index.js';

/**
 * A bad strategy configuration, with every problem at once; paths are relative to the
 * strategy's configuration object (`type`, `hyperparameters.learningRate`).
 */
export class StrategyConfigError extends InvalidInputError {
  constructor(issues: readonly Issue[]) {
    super('invalid strategy configuration', issues);
  }

  static at(path: string, message: string): StrategyConfigError {
    return new StrategyConfigError([{ path, message }]);
  }
}

export interface IntegerParam {
  readonly kind: 'integer';
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly description: string;
}

export interface NumberParam {
  readonly kind: 'number';
  readonly default: number | null;
  /** Inclusive unless `exclusiveMin`. */
  readonly min: number;
  readonly exclusiveMin?: boolean;
  readonly max: number;
  /** `null` switches the feature off (e.g. no gradient clipping). */
  readonly nullable?: boolean;
  readonly description: string;
}

export interface EnumParam<V extends string = string> {
  readonly kind: 'enum';
  readonly default: V;
  readonly values: readonly V[];
  readonly description: string;
}

export type ParamSpec = IntegerParam | NumberParam | EnumParam;
export type ParamSchema = Readonly<Record<string, ParamSpec>>;

export type ResolvedParams<S extends ParamSchema> = {
  readonly [K in keyof S]: S[K] extends EnumParam<infer V> ? V : S[K] extends { readonly nullable: true } ? number | null : number;
};

/** The value, or the reason it is not one. */
function checkOne(spec: ParamSpec, value: unknown): { value: string | number | null } | { problem: string } {
  switch (spec.kind) {
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        return { problem: `must be one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(value)}` };
      }
      return { value };
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return { problem: `must be an integer, got ${JSON.stringify(value)}` };
      if (value < spec.min || value > spec.max) return { problem: `must be in [${spec.min}, ${spec.max}], got ${value}` };
      return { value };
    case 'number': {
      if (value === null && spec.nullable === true) return { value: null };
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return { problem: `must be a finite number${spec.nullable === true ? ' or null' : ''}, got ${JSON.stringify(value)}` };
      }
      const belowMin = spec.exclusiveMin === true ? value <= spec.min : value < spec.min;
      if (belowMin || value > spec.max) {
        return { problem: `must be in ${spec.exclusiveMin === true ? '(' : '['}${spec.min}, ${spec.max}], got ${value}` };
      }
      return { value };
    }
  }
}

/**
 * Validates `input` against `schema` and fills defaults, reporting every bad or unknown
 * key at once; unknown keys are errors (a typo must not silently fall back to a default).
 */
export function resolveParams<S extends ParamSchema>(schema: S, input: unknown, pathPrefix = 'hyperparameters'): ResolvedParams<S> {
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object' || Array.isArray(input)) throw StrategyConfigError.at(pathPrefix, 'must be an object');
  const given = input as Record<string, unknown>;
  const issues: Issue[] = [];
  for (const key of Object.keys(given)) {
    if (!Object.prototype.hasOwnProperty.call(schema, key)) {
      issues.push({ path: `${pathPrefix}.${key}`, message: `unknown hyperparameter; expected one of ${Object.keys(schema).join(', ')}` });
    }
  }
  const out: Record<string, string | number | null> = {};
  for (const [key, spec] of Object.entries(schema)) {
    if (given[key] === undefined) {
      out[key] = spec.default;
      continue;
    }
    const checked = checkOne(spec, given[key]);
    if ('problem' in checked) issues.push({ path: `${pathPrefix}.${key}`, message: checked.problem });
    else out[key] = checked.value;
  }
  if (issues.length > 0) throw new StrategyConfigError(issues);
  return out as ResolvedParams<S>;
}

/** The defaults of a schema, as a plain object. */
export function defaultParams<S extends ParamSchema>(schema: S): ResolvedParams<S> {
  return resolveParams(schema, {});
}
