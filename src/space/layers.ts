/** The layers shape compiled: its decisions, exact size, and the action ↔ architecture maps. */
import type { LayerParam, LayersDefinition, LayerType } from './definition.js';
import { LAYER_PARAMS } from './definition.js';
import type { Condition, DecisionList } from './decision-list.js';
import { under } from './decision-list.js';
import { pointer } from './limits.js';
import type { Actions, Activation, ChoiceValue, LayerNode, LayerOp } from './types.js';

interface ParamPlan {
  readonly name: LayerParam;
  readonly values: readonly ChoiceValue[];
  readonly decision?: number;
}

interface TypePlan {
  readonly type: LayerType;
  readonly params: readonly ParamPlan[];
}

interface LayerPlan {
  readonly types: readonly TypePlan[];
  readonly typeDecision?: number;
  /** Earlier layers (ascending) that may feed this one, each with its on/off decision. */
  readonly skipSources: readonly number[];
  readonly skipDecisions: readonly number[];
}

export interface LayersPlan {
  readonly counts: readonly number[];
  readonly countDecision?: number;
  readonly layers: readonly LayerPlan[];
}

function skipSources(def: LayersDefinition, i: number): number[] {
  const explicit = def.perLayer[String(i)]?.skipsFrom;
  if (explicit !== undefined) return [...explicit];
  if (def.skips === false) return [];
  const lowest = def.skips === true ? 0 : Math.max(0, i - def.skips.maxDistance);
  const out: number[] = [];
  for (let j = lowest; j <= i - 2; j++) out.push(j);
  return out;
}

export function compileLayers(def: LayersDefinition, list: DecisionList): LayersPlan {
  const counts = def.count;
  const countDecision = list.choose('layers.count', 'count', counts, undefined, '/layers/count');
  const maxCount = Math.max(...counts);
  const layers: LayerPlan[] = [];
  for (let i = 0; i < maxCount; i++) {
    const present = counts.flatMap((n, c) => (n > i ? [c] : []));
    const layerCondition: Condition = present.length === counts.length || countDecision === undefined ? undefined : [{ decision: countDecision, oneOf: present }];
    const override = def.perLayer[String(i)]?.types;
    const typesPath = override === undefined ? '/layers/types' : `/layers/perLayer/${i}/types`;
    const typeDefs = override ?? def.types ?? [];
    const typeDecision = list.choose(`layers.${i}.type`, 'type', typeDefs.map((t) => t.type), layerCondition, typesPath);
    const types = typeDefs.map((t, ti): TypePlan => {
      const condition = under(layerCondition, typeDecision, [ti]);
      const params = LAYER_PARAMS[t.type].map(([name]): ParamPlan => {
        const values = t[name] ?? [];
        const decision = list.choose(`layers.${i}.${t.type}.${name}`, name, values, condition, pointer(pointer(typesPath, ti), name));
        return decision === undefined ? { name, values } : { name, values, decision };
      });
      return { type: t.type, params };
    });
    const sources = skipSources(def, i);
    const skipDecisions = sources.map((j) => list.choose(`layers.${i}.skip.${j}`, 'skip', [false, true], layerCondition, '/layers/skips') as number);
    layers.push(typeDecision === undefined ? { types, skipSources: sources, skipDecisions } : { types, typeDecision, skipSources: sources, skipDecisions });
  }
  return countDecision === undefined ? { counts, layers } : { counts, countDecision, layers };
}

/** Σ over layer counts n of Π_{i<n} (Σ_types Π_settings |choices|) · 2^(skip sources of i); no enumeration. */
export function layersCardinality(plan: LayersPlan): bigint {
  const perLayer = plan.layers.map(
    (layer) =>
      layer.types.reduce((sum, t) => sum + t.params.reduce((prod, p) => prod * BigInt(p.values.length), 1n), 0n) << BigInt(layer.skipSources.length),
  );
  const prefix: bigint[] = [1n];
  for (const c of perLayer) prefix.push(prefix[prefix.length - 1] * c);
  return plan.counts.reduce((sum, n) => sum + prefix[n], 0n);
}

function pick<T>(values: readonly T[], decision: number | undefined, actions: Actions): T {
  return values[decision === undefined ? 0 : actions[decision]];
}

function buildOp(type: LayerType, setting: (name: LayerParam) => ChoiceValue): LayerOp {
  const n = (name: LayerParam): number => setting(name) as number;
  const activation = (): Activation => setting('activation') as Activation;
  switch (type) {
    case 'conv2d':
      return { type, filters: n('filters'), kernelSize: n('kernelSize'), stride: n('stride'), activation: activation() };
    case 'depthwiseConv2d':
      return { type, kernelSize: n('kernelSize'), stride: n('stride'), depthMultiplier: n('depthMultiplier'), activation: activation() };
    case 'maxPool':
    case 'avgPool':
      return { type, poolSize: n('poolSize'), stride: n('stride') };
    case 'dense':
      return { type, units: n('units'), activation: activation() };
    case 'dropout':
      return { type, rate: n('rate') };
    case 'identity':
      return { type };
  }
}

export function decodeLayers(plan: LayersPlan, actions: Actions): LayerNode[] {
  const count = pick(plan.counts, plan.countDecision, actions);
  const out: LayerNode[] = [];
  for (let i = 0; i < count; i++) {
    const layer = plan.layers[i];
    const t = pick(layer.types, layer.typeDecision, actions);
    const op = buildOp(t.type, (name) => {
      const p = t.params.find((q) => q.name === name) as ParamPlan;
      return pick(p.values, p.decision, actions);
    });
    const skips = layer.skipSources.filter((_, k) => actions[layer.skipDecisions[k]] === 1);
    out.push({ ...op, skips });
  }
  return out;
}

/** Writes the actions for `layers` into `actions`; returns why they do not fit the space, if they do not. */
export function encodeLayers(plan: LayersPlan, layers: readonly LayerNode[], actions: number[]): string | undefined {
  const c = plan.counts.indexOf(layers.length);
  if (c < 0) return `${layers.length} layers is not one of the counts ${plan.counts.join(', ')}`;
  if (plan.countDecision !== undefined) actions[plan.countDecision] = c;
  for (let i = 0; i < layers.length; i++) {
    const layer = plan.layers[i];
    const node = layers[i];
    const ti = layer.types.findIndex((t) => t.type === node.type);
    if (ti < 0) return `layer ${i}: type ${String(node.type)} is not allowed there`;
    if (layer.typeDecision !== undefined) actions[layer.typeDecision] = ti;
    const settings = node as unknown as Readonly<Record<string, unknown>>;
    for (const p of layer.types[ti].params) {
      const k = p.values.indexOf(settings[p.name] as ChoiceValue);
      if (k < 0) return `layer ${i}: ${p.name} = ${String(settings[p.name])} is not one of its choices`;
      if (p.decision !== undefined) actions[p.decision] = k;
    }
    const skips = Array.isArray(node.skips) ? node.skips : [];
    for (const j of skips) {
      if (!layer.skipSources.includes(j)) return `layer ${i}: a skip from layer ${j} is not allowed`;
    }
    layer.skipSources.forEach((j, k) => {
      actions[layer.skipDecisions[k]] = skips.includes(j) ? 1 : 0;
    });
  }
  return undefined;
}

export function layerLabel(node: LayerNode): string {
  let s: string;
  switch (node.type) {
    case 'conv2d':
      s = `conv2d(${node.filters},${node.kernelSize}x${node.kernelSize},s${node.stride},${node.activation})`;
      break;
    case 'depthwiseConv2d':
      s = `dwconv(${node.kernelSize}x${node.kernelSize},s${node.stride},x${node.depthMultiplier},${node.activation})`;
      break;
    case 'maxPool':
    case 'avgPool':
      s = `${node.type}(${node.poolSize}x${node.poolSize},s${node.stride})`;
      break;
    case 'dense':
      s = `dense(${node.units},${node.activation})`;
      break;
    case 'dropout':
      s = `dropout(${node.rate})`;
      break;
    case 'identity':
      s = 'identity';
      break;
  }
  return node.skips.length > 0 ? `${s}+[${node.skips.join(',')}]` : s;
}
