/**
 * Declarative hyperparameter schemas: each strategy lists its knobs once (default, range,
 * description), and the same list validates user input, fills defaults, and documents
 * the strategy for the API.
 */

/** A bad strategy configuration; `path` names the offending field, e.g. `hyperparameters.learningRate`. */
export class StrategyConfigError extends Error {
  override readonly name = 'StrategyConfigError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
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

function checkOne(path: string, spec: ParamSpec, value: unknown): string | number | null {
  switch (spec.kind) {
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        throw new StrategyConfigError(path, `must be one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(value)}`);
      }
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new StrategyConfigError(path, `must be an integer, got ${JSON.stringify(value)}`);
      if (value < spec.min || value > spec.max) throw new StrategyConfigError(path, `must be in [${spec.min}, ${spec.max}], got ${value}`);
      return value;
    case 'number': {
      if (value === null && spec.nullable === true) return null;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new StrategyConfigError(path, `must be a finite number${spec.nullable === true ? ' or null' : ''}, got ${JSON.stringify(value)}`);
      }
      const belowMin = spec.exclusiveMin === true ? value <= spec.min : value < spec.min;
      if (belowMin || value > spec.max) {
        throw new StrategyConfigError(path, `must be in ${spec.exclusiveMin === true ? '(' : '['}${spec.min}, ${spec.max}], got ${value}`);
      }
      return value;
    }
  }
}

/** Validates `input` against `schema` and fills defaults; unknown keys are errors (a typo must not silently fall back to a default). */
export function resolveParams<S extends ParamSchema>(schema: S, input: unknown, pathPrefix = 'hyperparameters'): ResolvedParams<S> {
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object' || Array.isArray(input)) throw new StrategyConfigError(pathPrefix, 'must be an object');
  const given = input as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!Object.prototype.hasOwnProperty.call(schema, key)) {
      throw new StrategyConfigError(`${pathPrefix}.${key}`, `unknown hyperparameter; expected one of ${Object.keys(schema).join(', ')}`);
    }
  }
  const out: Record<string, string | number | null> = {};
  for (const [key, spec] of Object.entries(schema)) {
    out[key] = given[key] === undefined ? spec.default : checkOne(`${pathPrefix}.${key}`, spec, given[key]);
  }
  return out as ResolvedParams<S>;
}

/** The defaults of a schema, as a plain object. */
export function defaultParams<S extends ParamSchema>(schema: S): ResolvedParams<S> {
  return resolveParams(schema, {});
}
