import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './evaluation/tabular/package-root.js';

let cached: string | undefined;

/** This build's version, from its package.json (model cards and `graphnas --version` state it). */
export function graphnasVersion(): string {
  cached ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return cached;
}
