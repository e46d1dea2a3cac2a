/**
 * A stable identity for architectures: a canonical JSON form (fixed key order, only the
 * fields the kind and layer type define, skips and edges sorted) and a hash of it, so the
 * same network with the same hyperparameters is recognised whichever space produced it.
 */
import { createHash } from 'node:crypto';
import { LAYER_PARAMS } from './definition.js';
import type { Architecture, ArchitectureHyperparameters, ChoiceValue } from './types.js';

function canonicalHyperparameters(hp: ArchitectureHyperparameters): [string, ChoiceValue][] {
  const all: [string, ChoiceValue][] = [];
  if (hp.learningRate !== undefined) all.push(['learningRate', hp.learningRate]);
  if (hp.batchSize !== undefined) all.push(['batchSize', hp.batchSize]);
  if (hp.optimizer !== undefined) all.push(['optimizer', hp.optimizer]);
  for (const [name, value] of Object.entries(hp.custom ?? {})) all.push([name, value]);
  return all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The stable JSON form of an architecture (also what `fingerprint` hashes). */
export function canonicalArchitecture(arch: Architecture): string {
  const hyperparameters = canonicalHyperparameters(arch.hyperparameters ?? {});
  if (arch.kind === 'cell') {
    const edges = [...arch.edges].sort((a, b) => a.to - b.to || a.from - b.from).map((e) => [e.from, e.to, e.op]);
    const { stemChannels, channels, cellsPerStack } = arch.skeleton;
    return JSON.stringify({ kind: 'cell', nodes: arch.nodes, edges, skeleton: { stemChannels, channels, cellsPerStack }, hyperparameters });
  }
  const layers = arch.layers.map((layer) => {
    const settings = layer as unknown as Readonly<Record<string, unknown>>;
    const fields: unknown[] = [layer.type];
    for (const [name] of LAYER_PARAMS[layer.type] ?? []) fields.push(settings[name]);
    fields.push([...layer.skips].sort((a, b) => a - b));
    return fields;
  });
  return JSON.stringify({ kind: 'layers', layers, hyperparameters });
}

/** 128 bits of SHA-256 over the canonical form, as 32 hex digits. */
export function fingerprint(arch: Architecture): string {
  return createHash('sha256').update(canonicalArchitecture(arch)).digest('hex').slice(0, 32);
}

/** ` ; learningRate=0.01 batchSize=64` — appended to labels when a space searches hyperparameters. */
export function hyperparameterLabel(hp: ArchitectureHyperparameters): string {
  const parts: string[] = [];
  if (hp.learningRate !== undefined) parts.push(`learningRate=${hp.learningRate}`);
  if (hp.batchSize !== undefined) parts.push(`batchSize=${hp.batchSize}`);
  if (hp.optimizer !== undefined) parts.push(`optimizer=${hp.optimizer}`);
  for (const [name, value] of Object.entries(hp.custom ?? {})) parts.push(`${name}=${String(value)}`);
  return parts.length > 0 ? ` ; ${parts.join(' ')}` : '';
}
