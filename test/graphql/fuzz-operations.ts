import fc from 'fast-check';
import {
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  getNamedType,
  isCompositeType,
  isLeafType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';

/**
 * Operations for the API fuzz, generated from the schema by fast-check: mostly
 * well-formed ones with arguments and variables that are right, wrong, missing or
 * extreme, and selections that are deep, wide, aliased, fragmented or misspelt; some
 * broken documents. `@@OP@@` in a generated name is replaced by the operation's number
 * when it is sent, so that every row the fuzz stores can be traced to the operation that
 * stored it.
 */

export const OP_MARK = '@@OP@@';

/** What the fuzz draws identifiers from: ids it knows exist, and the project names it uses. */
export interface Pools {
  readonly ids: readonly string[];
}

export interface GeneratedOperation {
  readonly query: string;
  readonly variables: Record<string, unknown> | null;
  readonly operationName?: string;
  readonly operation: 'query' | 'mutation' | 'subscription' | 'broken';
}

type G = fc.GeneratorValue;

const chance = (g: G, p: number): boolean => p > 0 && g(fc.double, { min: 0, max: 1, noNaN: true }) < p;
const int = (g: G, min: number, max: number): number => g(fc.integer, { min, max });
const pick = <T>(g: G, items: readonly T[]): T => items[int(g, 0, items.length - 1)]!;

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** A value as a GraphQL literal; enums print bare where `type` says so. */
function literal(value: unknown, type: GraphQLInputType | null): string {
  const named = type === null ? null : getNamedType(type);
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => literal(v, type instanceof GraphQLNonNull ? innerList(type.ofType) : innerList(type))).join(', ')}]`;
  if (typeof value === 'string') return named instanceof GraphQLEnumType && NAME.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object') {
    const fields = named instanceof GraphQLInputObjectType ? named.getFields() : {};
    return `{ ${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${literal(v, fields[k]?.type ?? null)}`)
      .join(', ')} }`;
  }
  return 'null';
}

function innerList(type: GraphQLInputType | null): GraphQLInputType | null {
  return type instanceof GraphQLList ? (type.ofType as GraphQLInputType) : type;
}

const jsonKey = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/);
const smallJson = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -1000, max: 1000 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ maxLength: 12 }),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(jsonKey, tie('json'), { maxKeys: 4 }),
  ),
})).json;

const NB201 = { cell: { nodes: 4, ops: ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] } };
const LAYERS = { layers: { count: [1, 2], types: { conv2d: { filters: [8, 16], kernelSize: [3] }, dense: { units: [16] } } } };

/**
 * The generation's state: `noise` scales every deliberate mistake, so that an operation
 * drawn with 0 is as right as the generator can make it and one drawn with 1 is not.
 */
interface Draw {
  readonly g: G;
  readonly pools: Pools;
  readonly noise: number;
}

const oops = (d: Draw, p: number): boolean => chance(d.g, p * d.noise);

function scalarValue(d: Draw, name: string, argName: string): unknown {
  const { g, pools } = d;
  switch (name) {
    case 'ID':
      if (pools.ids.length > 0 && !oops(d, 0.45)) return pick(g, pools.ids);
      return !oops(d, 0.3) ? g(fc.uuid) : pick(g, ['nope', '', 'x'.repeat(300), '00000000-0000-0000-0000-000000000000', "'; DROP TABLE trial; --"]);
    case 'Int':
      return !oops(d, 0.3) ? int(g, 1, 12) : pick(g, [-1, 0, 1, 100, 500, 501, 1000, 1001, 100_000, 2_147_483_647, -2_147_483_648]);
    case 'Float':
      return !oops(d, 0.2) ? g(fc.double, { noNaN: true, noDefaultInfinity: true, min: 0, max: 1 }) : pick(g, [0, -0.5, 1e308, -1e308, 5e-324]);
    case 'Boolean':
      return g(fc.boolean);
    case 'DateTimeISO':
      return !oops(d, 0.5) ? '2099-01-01T00:00:00Z' : pick(g, ['2000-01-01T00:00:00.000Z', 'yesterday', '2024-13-45T99:00:00Z']);
    case 'JSON':
      if (argName === 'definition') return !oops(d, 0.5) ? pick(g, [NB201, LAYERS]) : pick(g, [{ cell: { nodes: 1, ops: [] } }, {}, g(() => smallJson)]);
      if (argName === 'metrics') return !oops(d, 0.5) ? { reward: 0.5 } : pick(g, [{ reward: 'high' }, {}, g(() => smallJson)]);
      if (argName === 'hyperparameters') return !oops(d, 0.5) ? {} : pick(g, [{ learningRate: -1 }, g(() => smallJson)]);
      if (argName === 'options') return !oops(d, 0.5) ? {} : pick(g, [{ rewardColumn: 'cifar10-test' }, g(() => smallJson)]);
      return g(() => smallJson);
    default: {
      if (argName === 'name') return !oops(d, 0.2) ? `fz ${OP_MARK} ${g(fc.string, { maxLength: 8 })}` : pick(g, ['', ' ', 'x'.repeat(201)]);
      if (argName === 'type') return !oops(d, 0.5) ? pick(g, ['external', 'random']) : pick(g, ['reinforce', 'evolution', 'median', 'asha', 'tabular-ish', '']);
      if (argName === 'project') return !oops(d, 0.5) ? 'default' : pick(g, ['a', 'b', 'Not A Project!', '']);
      if (argName === 'after') return pick(g, ['garbage', 'WzFd', '']);
      if (argName === 'workerId') return 'fuzz';
      return !oops(d, 0.2) ? g(fc.string, { maxLength: 16 }) : g(fc.string, { unit: 'binary', maxLength: 40 });
    }
  }
}

/** A value for an input type: mostly right, sometimes wrong in a way validation or a service must catch. */
function inputValue(d: Draw, type: GraphQLInputType, argName: string, depth: number): unknown {
  const { g } = d;
  if (type instanceof GraphQLNonNull) return oops(d, 0.03) ? null : inputValue(d, type.ofType as GraphQLInputType, argName, depth);
  if (oops(d, 0.04)) return pick(g, [null, 'wrong', 7, [1], { wrong: true }]);
  if (type instanceof GraphQLList) {
    return Array.from({ length: int(g, 0, 3) }, () => inputValue(d, type.ofType as GraphQLInputType, argName, depth + 1));
  }
  if (type instanceof GraphQLEnumType) return !oops(d, 0.08) ? pick(g, type.getValues()).name : 'BOGUS';
  if (type instanceof GraphQLInputObjectType) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      const required = field.type instanceof GraphQLNonNull && field.defaultValue === undefined;
      if ((required && !oops(d, 0.05)) || (!required && depth < 3 && chance(g, 0.35 * d.noise))) value[field.name] = inputValue(d, field.type, field.name, depth + 1);
    }
    if (oops(d, 0.03)) value.unknownField = 1;
    return value;
  }
  return scalarValue(d, getNamedType(type).name, argName);
}

interface Building extends Draw {
  readonly variables: Map<string, { type: string; value: unknown; omit: boolean }>;
  readonly fragments: string[];
}

function argumentsOf(b: Building, field: GraphQLField<unknown, unknown>): string {
  const { g } = b;
  const parts: string[] = [];
  for (const arg of field.args) {
    const required = arg.type instanceof GraphQLNonNull && arg.defaultValue === undefined;
    if (required ? oops(b, 0.05) : chance(g, 1 - 0.4 * b.noise)) continue;
    const value = inputValue(b, arg.type, arg.name, 0);
    if (chance(g, 0.4)) {
      const name = `v${b.variables.size}`;
      const declared = oops(b, 0.04) ? pick(g, ['String', 'Int!', '[ID]', 'Bogus']) : String(arg.type);
      b.variables.set(name, { type: declared, value, omit: oops(b, 0.04) });
      parts.push(`${arg.name}: $${name}`);
    } else parts.push(`${arg.name}: ${literal(value, arg.type)}`);
  }
  if (oops(b, 0.03)) parts.push('bogusArgument: 1');
  return parts.length > 0 ? `(${parts.join(', ')})` : '';
}

function directiveOf(b: Building): string {
  const { g } = b;
  if (!oops(b, 0.05)) return '';
  return pick(g, [' @include(if: true)', ' @skip(if: false)', ' @skip(if: true)', ' @include(if: "yes")', ' @bogus', ' @deprecated']);
}

/** A selection set on `type`: a few of its fields, nested while `depth` lasts. */
function selectionOf(b: Building, type: GraphQLObjectType, depth: number): string {
  const { g } = b;
  const fields = Object.values(type.getFields());
  const chosen: string[] = [];
  const count = int(g, 1, 4);
  for (let i = 0; i < count; i++) {
    const field = pick(g, fields);
    const named = getNamedType(field.type);
    const alias = oops(b, 0.08) ? `a${i}: ` : '';
    let sub = '';
    if (isCompositeType(named)) {
      if (depth <= 0 || !(named instanceof GraphQLObjectType)) sub = ' { __typename }';
      else sub = ` { ${selectionOf(b, named, depth - 1)} }`;
    } else if (oops(b, 0.02)) sub = ' { id }';
    const name = oops(b, 0.03) ? `${field.name.slice(0, -1)}` : field.name;
    chosen.push(`${alias}${name}${argumentsOf(b, field)}${directiveOf(b)}${sub}`);
  }
  if (chance(g, 0.03)) chosen.push('__typename');
  const selection = chosen.join(' ');
  const wrapping = int(g, 0, 19);
  if (wrapping === 0) return `... on ${type.name} { ${selection} }`;
  if (wrapping === 1) {
    const name = `F${b.fragments.length}`;
    b.fragments.push(`fragment ${name} on ${type.name} { ${selection} }`);
    return `...${name}`;
  }
  return selection;
}

/** Limit probes: aliases, depth, directives and breadth past the limits, or right at them. */
function probe(g: G): string {
  switch (int(g, 0, 3)) {
    case 0:
      return `{ ${Array.from({ length: int(g, 14, 20) }, (_, i) => `a${i}: viewer { role }`).join(' ')} }`;
    case 1:
      return `{ experiments(first: ${int(g, 1, 500)}) { edges { node { trials(first: ${int(g, 1, 500)}) { edges { node { id experiment { name } } } } } } } }`;
    case 2:
      return `{ viewer { ${'role @include(if: true) '.repeat(int(g, 45, 55))}} }`;
    default: {
      const chain = ['experiments', 'edges', 'node', 'trials', 'edges', 'node', 'experiment', 'trials', 'edges', 'node', 'experiment'].slice(0, int(g, 6, 11));
      return `{ ${chain.join(' { ')} { __typename }${' }'.repeat(chain.length - 1)} }`;
    }
  }
}

function corrupt(g: G, query: string): string {
  switch (int(g, 0, 3)) {
    case 0:
      return query.slice(0, int(g, 0, query.length));
    case 1: {
      const at = int(g, 0, Math.max(0, query.length - 1));
      return `${query.slice(0, at)}${pick(g, ['{', '}', '(', ')', '$', '@', '!', '"', '...', '#'])}${query.slice(at + 1)}`;
    }
    case 2:
      return g(fc.string, { maxLength: 60 });
    default:
      return `${query} ${query}`;
  }
}

/**
 * One operation, drawn through fast-check's `gen` so that a failing one shrinks. A third
 * are drawn without deliberate mistakes, so that many mutations get through and store
 * what they create.
 */
export function generateOperation(g: G, schema: GraphQLSchema, pools: Pools): GeneratedOperation {
  const kind = pick(g, ['query', 'query', 'query', 'query', 'mutation', 'mutation', 'mutation', 'subscription'] as const);
  if (chance(g, 0.04)) return { query: probe(g), variables: null, operation: 'query' };
  const root = kind === 'query' ? schema.getQueryType()! : kind === 'mutation' ? schema.getMutationType()! : schema.getSubscriptionType()!;
  const b: Building = { g, pools, noise: chance(g, 0.35) ? 0 : 1, variables: new Map(), fragments: [] };
  const fields = Object.values(root.getFields());
  const roots = kind === 'subscription' || b.noise === 0 ? 1 : int(g, 1, 3);
  const selections: string[] = [];
  for (let i = 0; i < roots; i++) {
    const field = pick(g, fields);
    const named = getNamedType(field.type);
    const sub = isLeafType(named) ? '' : named instanceof GraphQLObjectType ? ` { ${selectionOf(b, named, int(g, 0, 3))} }` : ' { __typename }';
    selections.push(`${roots > 1 || chance(g, 0.05) ? `r${i}: ` : ''}${field.name}${argumentsOf(b, field)}${directiveOf(b)}${sub}`);
  }
  const definitions = [...b.variables].map(([name, v]) => `$${name}: ${v.type}`);
  const named = chance(g, 0.1);
  const header = `${kind}${named ? ' Fuzz' : ''}${definitions.length > 0 ? `(${definitions.join(', ')})` : ''}`;
  let query = `${header} { ${selections.join(' ')} }${b.fragments.length > 0 ? `\n${b.fragments.join('\n')}` : ''}`;
  const variables = Object.fromEntries([...b.variables].filter(([, v]) => !v.omit).map(([name, v]) => [name, v.value]));
  if (oops(b, 0.02)) variables.extra = 'not declared';
  if (oops(b, 0.03)) query = `${query}\nquery Other { __typename }`;
  const operationName = oops(b, 0.03) ? pick(g, ['Fuzz', 'Other', 'Missing']) : named && chance(g, 0.5) ? 'Fuzz' : undefined;
  if (oops(b, 0.08)) return { query: corrupt(g, query), variables, operationName, operation: 'broken' };
  return { query, variables: oops(b, 0.03) ? null : variables, operationName, operation: kind };
}
