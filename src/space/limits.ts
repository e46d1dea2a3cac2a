import type { SpaceError } from './errors.js';

/**
 * Hard bounds on what a definition may ask for. They exist so that no document, however
 * hostile, makes compilation spin or allocate without bound: every loop in the compiler is
 * bounded by one of these before it starts.
 */
export interface SpaceLimits {
  /** Approximate serialised size of the document, in characters, measured while walking it. */
  readonly maxDocumentSize: number;
  /** Nesting depth of objects and arrays. */
  readonly maxDepth: number;
  readonly maxDecisions: number;
  readonly maxChoices: number;
  readonly maxLayers: number;
  readonly maxCellNodes: number;
}

export const DEFAULT_LIMITS: SpaceLimits = Object.freeze({
  maxDocumentSize: 256 * 1024,
  maxDepth: 24,
  maxDecisions: 4096,
  maxChoices: 256,
  maxLayers: 64,
  maxCellNodes: 12,
});

/** Appends one reference token to a JSON pointer (RFC 6901 escaping). */
export function pointer(base: string, token: string | number): string {
  return `${base}/${String(token).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Confirms that `value` is a plain JSON tree within the size and depth limits. The walk
 * stops as soon as the size budget is spent, so a cyclic, deep or enormous object costs at
 * most `maxDocumentSize` steps; later stages may then trust the tree and recurse freely.
 */
export function checkJsonTree(value: unknown, limits: SpaceLimits): SpaceError[] {
  const errors: SpaceError[] = [];
  let budget = limits.maxDocumentSize;
  const overBudget = (): boolean => budget < 0;

  const walk = (node: unknown, path: string, depth: number): void => {
    if (overBudget() || errors.length >= 20) return;
    if (depth > limits.maxDepth) {
      errors.push({ path, message: `nested deeper than the limit of ${limits.maxDepth} levels` });
      budget = Math.min(budget, -1);
      return;
    }
    switch (typeof node) {
      case 'string':
        budget -= node.length + 2;
        return;
      case 'boolean':
        budget -= 5;
        return;
      case 'number':
        budget -= 8;
        if (!Number.isFinite(node)) errors.push({ path, message: 'is not a finite number (JSON has no NaN or Infinity)' });
        return;
      case 'object':
        break;
      default:
        errors.push({ path, message: `is a ${typeof node}, which JSON cannot hold` });
        return;
    }
    if (node === null) {
      budget -= 4;
      return;
    }
    if (Array.isArray(node)) {
      budget -= 2 + node.length;
      if (overBudget()) return;
      for (let i = 0; i < node.length && !overBudget(); i++) walk(node[i], pointer(path, i), depth + 1);
      return;
    }
    if (!isPlainObject(node)) {
      errors.push({ path, message: 'is not a plain JSON object' });
      return;
    }
    const keys = Object.keys(node);
    budget -= 2 + keys.length;
    for (const key of keys) {
      if (overBudget()) return;
      budget -= key.length + 3;
      walk(node[key], pointer(path, key), depth + 1);
    }
  };

  walk(value, '', 0);
  if (budget < 0 && !errors.some((e) => e.message.startsWith('nested deeper'))) {
    errors.push({ path: '', message: `the document is larger than the limit of ${limits.maxDocumentSize} characters` });
  }
  return errors;
}
