/**
 * Import of NNI search-space JSON (`{"name": {"_type": T, "_value": V}}`) into the graphnas
 * language. Hyperparameter types become `hyperparameters` entries (nested `_name` choices
 * become options with sub-spaces); NNI's classic-NAS `layer_choice` / `input_choice` become
 * a layers space with one layer per `layer_choice` and skip connections from `input_choice`.
 */
import type { CompileOptions, CompiledSpace } from './compile.js';
import { compileSpace } from './compile.js';
import type { SpaceDefinition } from './definition.js';
import { NAME_PATTERN } from './definition.js';
import type { ImportedLayer } from './nni-layers.js';
import { attachInputChoice, convertLayerChoice } from './nni-layers.js';
import type { SpaceError } from './errors.js';
import type { SpaceLimits } from './limits.js';
import { checkJsonTree, DEFAULT_LIMITS, isPlainObject, pointer } from './limits.js';
import type { ChoiceValue } from './types.js';
import { describe } from './values.js';

export interface NniImportOptions extends CompileOptions {
  /** Bins for every continuous parameter without its own `"_bins": n` (a graphnas extension of the format). */
  readonly bins?: number;
  /** The architecture part (a graphnas document with layers or cell) for NNI files that hold only hyperparameters. */
  readonly base?: unknown;
  /** Fixed settings for layer types NNI op names do not specify (defaults: 32 filters, 128 units, rate 0.5). */
  readonly layerDefaults?: { readonly filters?: number; readonly units?: number; readonly rate?: number };
  readonly name?: string;
}

export type NniImportResult =
  | { readonly ok: true; readonly definition: SpaceDefinition; readonly space: CompiledSpace; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly errors: readonly SpaceError[] };

const ALIASES: Readonly<Record<string, string>> = {
  lr: 'learningRate',
  learningrate: 'learningRate',
  batchsize: 'batchSize',
  optimizer: 'optimizer',
  optimiser: 'optimizer',
};

const NORMAL_FAMILY = ['normal', 'qnormal', 'lognormal', 'qlognormal'];
const SUPPORTED = ['choice', 'randint', 'uniform', 'quniform', 'loguniform', 'qloguniform', 'layer_choice', 'input_choice'];

type Json = Record<string, unknown>;
type Option = ChoiceValue | { value: ChoiceValue; params: Json };

interface Ctx {
  readonly errors: SpaceError[];
  readonly warnings: string[];
  readonly bins?: number;
  readonly limits: SpaceLimits;
}

function tidy(x: number): number {
  const y = Number(x.toPrecision(6));
  return Object.is(y, -0) ? 0 : y;
}

function numbers(value: unknown, count: number): number[] | undefined {
  return Array.isArray(value) && value.length === count && value.every((v) => typeof v === 'number') ? (value as number[]) : undefined;
}

function spaced(lo: number, hi: number, bins: number, log: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < bins; i++) {
    const t = i / (bins - 1);
    out.push(i === 0 ? lo : i === bins - 1 ? hi : tidy(log ? lo * Math.pow(hi / lo, t) : lo + (hi - lo) * t));
  }
  return out;
}

/**
 * NNI's q-rounding, clip(round(x / q) · q, lo, hi): the bounds themselves are reachable
 * through the clip, everything else lands on a multiple of q strictly inside.
 */
function quantise(values: number[], lo: number, hi: number, q: number): number[] {
  const inner = values.map((x) => tidy(Math.round(x / q) * q)).filter((x) => x > lo && x < hi);
  return [...new Set([lo, ...inner, hi])].sort((a, b) => a - b);
}

function binsFor(spec: Json, path: string, type: string, ctx: Ctx): number | undefined {
  const bins = spec._bins ?? ctx.bins;
  if (bins === undefined) {
    ctx.errors.push({ path, message: `${type} is continuous and graphnas chooses among discrete values: give a number of bins (options.bins, or "_bins": n next to "_type")` });
    return undefined;
  }
  if (typeof bins !== 'number' || !Number.isInteger(bins) || bins < 2 || bins > ctx.limits.maxChoices) {
    ctx.errors.push({ path: spec._bins !== undefined ? pointer(path, '_bins') : path, message: `bins must be an integer from 2 to ${ctx.limits.maxChoices} (got ${describe(bins)})` });
    return undefined;
  }
  return bins;
}

function convertNumeric(type: string, spec: Json, path: string, ctx: Ctx): number[] | undefined {
  const at = pointer(path, '_value');
  const q = type.startsWith('q');
  const bounds = numbers(spec._value, q ? 3 : 2);
  if (bounds === undefined) {
    ctx.errors.push({ path: at, message: `${type} takes [${q ? 'low, high, q' : type === 'randint' ? 'lower, upper' : 'low, high'}] as numbers` });
    return undefined;
  }
  const [lo, hi, step] = bounds;
  if (!(lo < hi) || (q && !(step > 0)) || (type === 'randint' && (!Number.isInteger(lo) || !Number.isInteger(hi)))) {
    ctx.errors.push({ path: at, message: `${type} needs low < high${q ? ' and q > 0' : ''}${type === 'randint' ? ' as integers' : ''} (got ${JSON.stringify(bounds)})` });
    return undefined;
  }
  if (type.includes('log') && lo <= 0) {
    ctx.errors.push({ path: at, message: `${type} needs a positive lower bound` });
    return undefined;
  }
  const discrete = type === 'randint' ? hi - lo : q ? Math.floor(hi / step) - Math.ceil(lo / step) + 3 : Infinity;
  if (discrete <= ctx.limits.maxChoices && spec._bins === undefined) {
    if (type === 'randint') return Array.from({ length: hi - lo }, (_, i) => lo + i);
    const multiples: number[] = [];
    for (let k = Math.ceil(lo / step); k * step <= hi; k++) multiples.push(k * step);
    return quantise(multiples, lo, hi, step);
  }
  const bins = binsFor(spec, path, type, ctx);
  if (bins === undefined) return undefined;
  if (type === 'randint') return [...new Set(spaced(lo, hi - 1, bins, false).map(Math.round))];
  const values = spaced(lo, hi, bins, type.includes('log'));
  return q ? quantise(values, lo, hi, step) : values;
}

function convertChoice(spec: Json, path: string, ctx: Ctx): Option[] | undefined {
  const at = pointer(path, '_value');
  const items = spec._value;
  if (!Array.isArray(items) || items.length === 0) {
    ctx.errors.push({ path: at, message: 'choice takes a non-empty list of options' });
    return undefined;
  }
  const before = ctx.errors.length;
  const options: Option[] = [];
  items.forEach((item: unknown, i) => {
    const itemPath = pointer(at, i);
    if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') {
      options.push(item);
    } else if (isPlainObject(item) && typeof item._name === 'string') {
      const { _name, ...rest } = item;
      const params = convertParams(rest, itemPath, ctx);
      if (params !== undefined) options.push(Object.keys(params).length > 0 ? { value: _name, params } : _name);
    } else if (isPlainObject(item)) {
      ctx.errors.push({ path: itemPath, message: 'an option that is an object needs "_name" (NNI nested search space)' });
    } else {
      ctx.errors.push({ path: itemPath, message: `options must be numbers, strings, booleans or {"_name": …} objects (got ${describe(item)})` });
    }
  });
  return ctx.errors.length === before ? options : undefined;
}

function convertParam(name: string, spec: unknown, path: string, ctx: Ctx): Option[] | undefined {
  if (!isPlainObject(spec) || typeof spec._type !== 'string') {
    ctx.errors.push({ path, message: `must be {"_type": …, "_value": …} (got ${describe(spec)})` });
    return undefined;
  }
  const type = spec._type;
  if (NORMAL_FAMILY.includes(type)) {
    ctx.errors.push({
      path: pointer(path, '_type'),
      message: `${type} is unbounded: graphnas turns a bounded range into a finite set of choices, and a normal distribution has no bounds; rewrite it as uniform or loguniform over the range that matters (e.g. mean ± 3σ) with a bin count`,
    });
    return undefined;
  }
  if (type === 'layer_choice' || type === 'input_choice') {
    ctx.errors.push({ path: pointer(path, '_type'), message: `${type} belongs at the top level of the file, where it maps onto layers` });
    return undefined;
  }
  if (type === 'choice') {
    const options = convertChoice(spec, path, ctx);
    return name === 'optimizer' && options !== undefined ? options.map((o) => (typeof o === 'string' ? o.toLowerCase() : o)) : options;
  }
  if (['randint', 'uniform', 'quniform', 'loguniform', 'qloguniform'].includes(type)) return convertNumeric(type, spec, path, ctx);
  ctx.errors.push({ path: pointer(path, '_type'), message: `unknown type ${describe(type)} (supported: ${SUPPORTED.join(', ')}; normal-family types are rejected)` });
  return undefined;
}

function graphnasName(key: string): string {
  return ALIASES[key.toLowerCase().replace(/[_-]/g, '')] ?? key;
}

function convertParams(entries: Json, path: string, ctx: Ctx): Json | undefined {
  const before = ctx.errors.length;
  const out: Json = {};
  for (const [key, spec] of Object.entries(entries)) {
    const at = pointer(path, key);
    const name = graphnasName(key);
    if (!NAME_PATTERN.test(name)) {
      ctx.errors.push({ path: at, message: 'graphnas hyperparameter names start with a letter or _ and hold only letters, digits, _ and -' });
      continue;
    }
    if (name in out) {
      ctx.errors.push({ path: at, message: `maps to ${name}, which another entry already uses` });
      continue;
    }
    const options = convertParam(name, spec, at, ctx);
    if (options !== undefined) out[name] = options;
  }
  return ctx.errors.length === before ? out : undefined;
}

/** Converts an NNI search space and compiles the result; errors point into the NNI document. */
export function importNni(json: unknown, options: NniImportOptions = {}): NniImportResult {
  const limits: SpaceLimits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
  try {
    const treeErrors = checkJsonTree(json, limits);
    if (treeErrors.length > 0) return { ok: false, errors: treeErrors };
    if (!isPlainObject(json)) return { ok: false, errors: [{ path: '', message: `an NNI search space is an object of named parameters (got ${describe(json)})` }] };
    const ctx: Ctx = { errors: [], warnings: [], limits, ...(options.bins !== undefined ? { bins: options.bins } : {}) };
    const layers: ImportedLayer[] = [];
    const hyper: Json = {};
    for (const [key, spec] of Object.entries(json)) {
      const at = pointer('', key);
      const type = isPlainObject(spec) ? spec._type : undefined;
      if (type === 'layer_choice') {
        const layer = convertLayerChoice(key, spec as Json, at, options.layerDefaults ?? {}, ctx.errors, ctx.warnings);
        if (layer !== undefined) layers.push(layer);
      } else if (type === 'input_choice') {
        attachInputChoice(spec as Json, at, layers, ctx.errors, ctx.warnings);
      } else {
        const converted = convertParams({ [key]: spec }, '', ctx);
        const clash = converted === undefined ? undefined : Object.keys(converted).find((name) => name in hyper);
        if (clash !== undefined) ctx.errors.push({ path: at, message: `maps to ${clash}, which another entry already uses` });
        else if (converted !== undefined) Object.assign(hyper, converted);
      }
      if (ctx.errors.length >= 100) break;
    }
    if (ctx.errors.length > 0) return { ok: false, errors: ctx.errors };
    const doc: Json = {};
    if (options.name !== undefined) doc.name = options.name;
    if (layers.length > 0) {
      if (options.base !== undefined) return { ok: false, errors: [{ path: '', message: 'the file has layer_choice entries, so it defines the architecture itself: drop options.base' }] };
      if (layers.length > limits.maxLayers) return { ok: false, errors: [{ path: '', message: `${layers.length} layer_choice entries, more than the limit of ${limits.maxLayers} layers` }] };
      const perLayer: Json = {};
      layers.forEach((layer, i) => {
        perLayer[String(i)] = layer.skipsFrom.length > 0 ? { types: layer.types, skipsFrom: layer.skipsFrom } : { types: layer.types };
      });
      doc.layers = { count: layers.length, perLayer };
    } else {
      if (!isPlainObject(options.base)) {
        return {
          ok: false,
          errors: [{ path: '', message: 'the file holds only hyperparameters; graphnas also searches an architecture, so pass a base document with layers or cell (options.base)' }],
        };
      }
      const base = options.base;
      const baseHyper = isPlainObject(base.hyperparameters) ? base.hyperparameters : {};
      const clash = Object.keys(hyper).find((k) => k in baseHyper);
      if (clash !== undefined) return { ok: false, errors: [{ path: `/hyperparameters/${clash}`, message: `${clash} is both in the base document and in the NNI file` }] };
      Object.assign(doc, base, options.name !== undefined ? { name: options.name } : {});
      Object.assign(hyper, baseHyper);
    }
    if (Object.keys(hyper).length > 0) doc.hyperparameters = hyper;
    const compiled = compileSpace(doc, { limits });
    if (!compiled.ok) {
      return { ok: false, errors: compiled.errors.map((e) => ({ path: e.path, message: `${e.message} (in the converted graphnas document)` })) };
    }
    return { ok: true, definition: compiled.space.definition, space: compiled.space, warnings: ctx.warnings };
  } catch (e) {
    return { ok: false, errors: [{ path: '', message: `could not be imported: ${e instanceof Error ? e.message : 'unexpected failure'}` }] };
  }
}
