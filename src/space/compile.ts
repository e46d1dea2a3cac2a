/**
 * `compileSpace`: from an untrusted document to a decision list with its exact size and
 * the maps between action sequences and architectures.
 */
import { cellCardinality, checkSkeleton, compileCell, decodeCell, encodeCell, validateCell } from './cell.js';
import type { CellPlan } from './cell.js';
import { isActive, validateActions } from './conditions.js';
import { DecisionList } from './decision-list.js';
import type { CellDefinition, HyperparametersDefinition, LayersDefinition, SpaceDefinition } from './definition.js';
import { DEFINITION_VERSION } from './definition.js';
import type { SpaceError } from './errors.js';
import { Issues, LimitExceeded } from './errors.js';
import { fingerprint, hyperparameterLabel } from './fingerprint.js';
import type { HyperparameterPlan } from './hyperparameters.js';
import { compileHyperparameters, decodeHyperparameters, encodeHyperparameters, hyperparameterCardinality, validateHyperparameters } from './hyperparameters.js';
import { compileLayers, decodeLayers, encodeLayers, layerLabel, layersCardinality } from './layers.js';
import type { LayersPlan } from './layers.js';
import type { SpaceLimits } from './limits.js';
import { checkJsonTree, DEFAULT_LIMITS, isPlainObject, pointer } from './limits.js';
import { formatNb201Cell } from './nb201.js';
import type { Actions, Architecture, Decision, SpaceKind } from './types.js';
import { INACTIVE } from './types.js';
import { validateLayers } from './validate-layers.js';
import type { ValidationContext } from './values.js';
import { describe } from './values.js';

export interface CompiledSpace {
  readonly kind: SpaceKind;
  /** In the order the controller walks them; a decision's conditions refer only to earlier ones. */
  readonly decisions: readonly Decision[];
  /** The number of distinct architectures (valid action sequences), exactly. */
  readonly cardinality: bigint;
  /** The document with defaults filled in and every choice an explicit list. */
  readonly definition: SpaceDefinition;
  /** Throws a RangeError when `validateActions` would report errors. */
  decode(actions: Actions): Architecture;
  /** The action sequence of an architecture of this space; throws a RangeError for one outside it. */
  encode(architecture: Architecture): number[];
  isActive(index: number, actions: Actions): boolean;
  validateActions(actions: unknown): SpaceError[];
  /** Short and human-readable; a cell prints as its NAS-Bench-201 string, hyperparameters follow ` ; `. */
  label(architecture: Architecture): string;
  fingerprint(architecture: Architecture): string;
}

export type CompileResult = { readonly ok: true; readonly space: CompiledSpace } | { readonly ok: false; readonly errors: readonly SpaceError[] };

export interface CompileOptions {
  readonly limits?: Partial<SpaceLimits>;
}

const TOP_KEYS = ['$schema', 'version', 'name', 'description', 'layers', 'cell', 'hyperparameters'];

/** Checks the document and returns its normalised form, or undefined with errors recorded. */
export function validateDefinition(doc: unknown, ctx: ValidationContext): SpaceDefinition | undefined {
  const { issues } = ctx;
  if (!isPlainObject(doc)) {
    issues.add('', `a search space must be a JSON object with layers or cell (got ${describe(doc)})`);
    return undefined;
  }
  for (const key of Object.keys(doc)) {
    if (!TOP_KEYS.includes(key)) issues.add(pointer('', key), `is not a search-space setting (use ${TOP_KEYS.slice(1).join(', ')})`);
  }
  if (doc.version !== undefined && doc.version !== DEFINITION_VERSION) issues.add('/version', `must be ${DEFINITION_VERSION}, the only version of the language`);
  if (doc.$schema !== undefined && typeof doc.$schema !== 'string') issues.add('/$schema', 'must be a string');
  if (doc.name !== undefined && (typeof doc.name !== 'string' || doc.name.length > 200)) issues.add('/name', 'must be a string of at most 200 characters');
  if (doc.description !== undefined && (typeof doc.description !== 'string' || doc.description.length > 10_000)) {
    issues.add('/description', 'must be a string of at most 10000 characters');
  }
  if (doc.layers === undefined && doc.cell === undefined) issues.add('', 'needs either layers (a macro space) or cell (a micro space)');
  if (doc.layers !== undefined && doc.cell !== undefined) issues.add('', 'has both layers and cell; a space is one or the other');
  let layers: LayersDefinition | undefined;
  let cell: CellDefinition | undefined;
  let hyperparameters: HyperparametersDefinition | undefined;
  if (doc.layers !== undefined) layers = validateLayers(doc.layers, '/layers', ctx);
  if (doc.cell !== undefined) cell = validateCell(doc.cell, '/cell', ctx);
  if (doc.hyperparameters !== undefined) hyperparameters = validateHyperparameters(doc.hyperparameters, '/hyperparameters', ctx);
  if (issues.count > 0) return undefined;
  return {
    version: DEFINITION_VERSION,
    ...(typeof doc.name === 'string' ? { name: doc.name } : {}),
    ...(typeof doc.description === 'string' ? { description: doc.description } : {}),
    ...(layers !== undefined ? { layers } : {}),
    ...(cell !== undefined ? { cell } : {}),
    ...(hyperparameters !== undefined ? { hyperparameters } : {}),
  };
}

function build(definition: SpaceDefinition, limits: SpaceLimits): CompiledSpace {
  const list = new DecisionList(limits);
  let layersPlan: LayersPlan | undefined;
  let cellPlan: CellPlan | undefined;
  if (definition.layers !== undefined) layersPlan = compileLayers(definition.layers, list);
  else if (definition.cell !== undefined) cellPlan = compileCell(definition.cell, list);
  const hpPlans: HyperparameterPlan[] = definition.hyperparameters ? compileHyperparameters(definition.hyperparameters, list, undefined, 'hyperparameters', '/hyperparameters') : [];
  const decisions: readonly Decision[] = Object.freeze(list.decisions.map((d) => Object.freeze(d)));
  const archCardinality = layersPlan !== undefined ? layersCardinality(layersPlan) : cellCardinality(cellPlan as CellPlan);
  const cardinality = archCardinality * hyperparameterCardinality(hpPlans);
  const kind: SpaceKind = layersPlan !== undefined ? 'layers' : 'cell';

  const decode = (actions: Actions): Architecture => {
    const errors = validateActions(decisions, actions);
    if (errors.length > 0) throw new RangeError(`invalid actions: ${errors[0].path} ${errors[0].message}`);
    const hyperparameters = decodeHyperparameters(hpPlans, actions);
    if (layersPlan !== undefined) return { kind: 'layers', layers: decodeLayers(layersPlan, actions), hyperparameters };
    const plan = cellPlan as CellPlan;
    return { kind: 'cell', nodes: plan.nodes, edges: decodeCell(plan, actions), skeleton: plan.skeleton, hyperparameters };
  };

  const encode = (arch: Architecture): number[] => {
    const actions: number[] = decisions.map(() => INACTIVE);
    let problem: string | undefined;
    if (arch === null || typeof arch !== 'object' || arch.kind !== kind) problem = `this is a ${kind} space; the architecture is not a ${kind} architecture`;
    else if (arch.kind === 'layers') problem = Array.isArray(arch.layers) ? encodeLayers(layersPlan as LayersPlan, arch.layers, actions) : 'layers must be a list';
    else {
      const plan = cellPlan as CellPlan;
      problem = encodeCell(plan, arch.nodes, arch.edges, actions) ?? checkSkeleton(plan, arch.skeleton);
    }
    problem ??= encodeHyperparameters(hpPlans, isPlainObject(arch.hyperparameters) ? arch.hyperparameters : {}, actions);
    if (problem !== undefined) throw new RangeError(`not an architecture of this space: ${problem}`);
    return actions;
  };

  const label = (arch: Architecture): string => {
    const body = arch.kind === 'cell' ? formatNb201Cell(arch) : arch.layers.map(layerLabel).join(' > ') || '(no layers)';
    return body + hyperparameterLabel(arch.hyperparameters ?? {});
  };

  return Object.freeze({
    kind,
    decisions,
    cardinality,
    definition,
    decode,
    encode,
    isActive: (index: number, actions: Actions) => isActive(decisions, index, actions),
    validateActions: (actions: unknown) => validateActions(decisions, actions),
    label,
    fingerprint,
  });
}

function compileUnguarded(input: unknown, limits: SpaceLimits): CompileResult {
  let doc = input;
  if (typeof input === 'string') {
    if (input.length > limits.maxDocumentSize) return { ok: false, errors: [{ path: '', message: `the document is larger than the limit of ${limits.maxDocumentSize} characters` }] };
    try {
      doc = JSON.parse(input) as unknown;
    } catch (e) {
      return { ok: false, errors: [{ path: '', message: `is not valid JSON: ${e instanceof SyntaxError ? e.message : 'parse error'}` }] };
    }
  }
  const treeErrors = checkJsonTree(doc, limits);
  if (treeErrors.length > 0) return { ok: false, errors: treeErrors };
  const issues = new Issues();
  const definition = validateDefinition(doc, { issues, limits });
  if (definition === undefined) return { ok: false, errors: issues.errors };
  return { ok: true, space: build(definition, limits) };
}

/**
 * Validates and compiles a search-space document (an object, or its JSON text). Never
 * throws: every problem, including a crossed limit, comes back as a path-precise error.
 */
export function compileSpace(definition: unknown, options: CompileOptions = {}): CompileResult {
  const limits: SpaceLimits = { ...DEFAULT_LIMITS, ...(isPlainObject(options) && isPlainObject(options.limits) ? options.limits : {}) };
  try {
    return compileUnguarded(definition, limits);
  } catch (e) {
    if (e instanceof LimitExceeded) return { ok: false, errors: [{ path: e.path, message: e.message }] };
    let reason = 'unexpected failure';
    try {
      if (e instanceof Error) reason = e.message;
    } catch {
      // A hostile error object; the generic reason will do.
    }
    return { ok: false, errors: [{ path: '', message: `could not be compiled: ${reason}` }] };
  }
}
