/** Validation of the `layers` section (the macro shape) into its normalised form. */
import type { LayerOverride, LayerParam, LayersDefinition, LayerType, LayerTypeDefinition } from './definition.js';
import { LAYER_PARAMS, LAYER_TYPES } from './definition.js';
import { isPlainObject, pointer } from './limits.js';
import type { ChoiceValue } from './types.js';
import type { ValidationContext } from './values.js';
import { describe, readValues } from './values.js';

function isLayerType(value: unknown): value is LayerType {
  return typeof value === 'string' && (LAYER_TYPES as readonly string[]).includes(value);
}

function readType(raw: unknown, path: string, ctx: ValidationContext): LayerTypeDefinition | undefined {
  const { issues } = ctx;
  const spec: Record<string, unknown> | undefined = typeof raw === 'string' ? { type: raw } : isPlainObject(raw) ? raw : undefined;
  if (spec === undefined) {
    issues.add(path, `must be a layer type name or an object with a type (got ${describe(raw)})`);
    return undefined;
  }
  const type = spec.type;
  const typePath = typeof raw === 'string' ? path : pointer(path, 'type');
  if (!isLayerType(type)) {
    issues.add(typePath, `must be one of ${LAYER_TYPES.join(', ')} (got ${describe(type)})`);
    return undefined;
  }
  const rules = LAYER_PARAMS[type];
  const before = issues.count;
  for (const key of Object.keys(spec)) {
    if (key !== 'type' && !rules.some(([name]) => name === key)) {
      const own = rules.map(([name]) => name);
      issues.add(pointer(path, key), `is not a setting of ${type} (${own.length > 0 ? `its settings: ${own.join(', ')}` : 'it has none'})`);
    }
  }
  const out: { type: LayerType } & { [P in LayerParam]?: ChoiceValue[] } = { type };
  for (const [name, rule] of rules) {
    const value = spec[name];
    if (value === undefined) {
      if (rule.default === undefined) {
        issues.add(path, `${type} needs ${name}${typeof raw === 'string' ? `; write {"type": "${type}", "${name}": …}` : ''}`);
      } else {
        out[name] = [rule.default];
      }
      continue;
    }
    const values = readValues(value, pointer(path, name), rule, ctx);
    if (values !== undefined) out[name] = values;
  }
  return issues.count === before ? out : undefined;
}

function readTypes(raw: unknown, path: string, ctx: ValidationContext): LayerTypeDefinition[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    ctx.issues.add(path, `must be a non-empty list of layer types (got ${describe(raw)})`);
    return undefined;
  }
  if (raw.length > LAYER_TYPES.length) {
    ctx.issues.add(path, `lists ${raw.length} types; there are only ${LAYER_TYPES.length} and each may appear once`);
    return undefined;
  }
  const before = ctx.issues.count;
  const out: LayerTypeDefinition[] = [];
  raw.forEach((item: unknown, i) => {
    const def = readType(item, pointer(path, i), ctx);
    if (def === undefined) return;
    if (out.some((t) => t.type === def.type)) {
      ctx.issues.add(pointer(path, i), `lists ${def.type} a second time; give its settings lists of choices instead`);
    } else {
      out.push(def);
    }
  });
  return ctx.issues.count === before ? out : undefined;
}

function readSkips(raw: unknown, path: string, ctx: ValidationContext): LayersDefinition['skips'] | undefined {
  if (raw === undefined) return false;
  if (typeof raw === 'boolean') return raw;
  if (isPlainObject(raw)) {
    const keys = Object.keys(raw);
    const d = raw.maxDistance;
    if (keys.length === 1 && typeof d === 'number' && Number.isInteger(d) && d >= 2) return { maxDistance: d };
    ctx.issues.add(path, 'as an object must be {"maxDistance": n} with an integer n >= 2 (layer i may be fed by layers i-n … i-2)');
    return undefined;
  }
  ctx.issues.add(path, `must be true, false or {"maxDistance": n} (got ${describe(raw)})`);
  return undefined;
}

function readOverride(raw: unknown, path: string, layer: number, ctx: ValidationContext): LayerOverride | undefined {
  if (!isPlainObject(raw)) {
    ctx.issues.add(path, `must be an object with types and/or skipsFrom (got ${describe(raw)})`);
    return undefined;
  }
  const before = ctx.issues.count;
  const out: { types?: LayerTypeDefinition[]; skipsFrom?: number[] } = {};
  for (const key of Object.keys(raw)) {
    if (key !== 'types' && key !== 'skipsFrom') ctx.issues.add(pointer(path, key), 'is not a per-layer setting (use types, skipsFrom)');
  }
  if (raw.types !== undefined) out.types = readTypes(raw.types, pointer(path, 'types'), ctx);
  if (raw.skipsFrom !== undefined) {
    const at = pointer(path, 'skipsFrom');
    const from = raw.skipsFrom;
    if (!Array.isArray(from)) {
      ctx.issues.add(at, `must be a list of earlier layer indices (got ${describe(from)})`);
    } else {
      from.forEach((j: unknown, k) => {
        if (typeof j !== 'number' || !Number.isInteger(j) || j < 0 || j > layer - 2) {
          const why = layer < 2 ? `layer ${layer} can have no skip inputs` : `must be a layer index from 0 to ${layer - 2}`;
          ctx.issues.add(pointer(at, k), `${why}; layer ${layer} is always fed by layer ${layer - 1} (got ${describe(j)})`);
        } else if (from.indexOf(j) !== k) {
          ctx.issues.add(pointer(at, k), `repeats layer ${j}`);
        }
      });
      if (ctx.issues.count === before) out.skipsFrom = [...(from as number[])].sort((a, b) => a - b);
    }
  }
  return ctx.issues.count === before ? out : undefined;
}

export function validateLayers(raw: unknown, path: string, ctx: ValidationContext): LayersDefinition | undefined {
  const { issues, limits } = ctx;
  if (!isPlainObject(raw)) {
    issues.add(path, `must be an object with count and types (got ${describe(raw)})`);
    return undefined;
  }
  const before = issues.count;
  for (const key of Object.keys(raw)) {
    if (!['count', 'types', 'skips', 'perLayer'].includes(key)) issues.add(pointer(path, key), 'is not a layers setting (use count, types, skips, perLayer)');
  }
  let count: number[] | undefined;
  if (raw.count === undefined) issues.add(path, 'needs count: a number of layers, a list of them, or a range');
  else count = readValues(raw.count, pointer(path, 'count'), { kind: 'int', min: 1, max: limits.maxLayers }, ctx) as number[] | undefined;
  const maxCount = count === undefined ? 0 : Math.max(...count);

  const types = raw.types === undefined ? undefined : readTypes(raw.types, pointer(path, 'types'), ctx);
  const skips = readSkips(raw.skips, pointer(path, 'skips'), ctx);

  const perLayer: Record<string, LayerOverride> = {};
  if (raw.perLayer !== undefined) {
    const at = pointer(path, 'perLayer');
    if (!isPlainObject(raw.perLayer)) {
      issues.add(at, `must be an object keyed by layer index (got ${describe(raw.perLayer)})`);
    } else {
      for (const [key, value] of Object.entries(raw.perLayer)) {
        const i = Number(key);
        if (!/^(0|[1-9][0-9]{0,3})$/.test(key) || (count !== undefined && i >= maxCount)) {
          issues.add(pointer(at, key), `must be a layer index from 0 to ${Math.max(0, maxCount - 1)} (at most ${maxCount} layers)`);
          continue;
        }
        const override = readOverride(value, pointer(at, key), i, ctx);
        if (override !== undefined) perLayer[key] = override;
      }
    }
  }
  if (raw.types === undefined && count !== undefined) {
    const uncovered = Array.from({ length: maxCount }, (_, i) => i).filter((i) => perLayer[String(i)]?.types === undefined);
    if (uncovered.length > 0) issues.add(path, `needs types (layer ${uncovered[0]} has no perLayer types)`);
  }
  if (issues.count !== before || count === undefined || skips === undefined) return undefined;
  return types === undefined ? { count, skips, perLayer } : { count, types, skips, perLayer };
}
