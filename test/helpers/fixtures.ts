import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package root, from dist/test/helpers. */
export const ROOT = join(__dirname, '..', '..', '..');
/** The CLI compiled beside these tests (dist/src/cli.js, or the output directory they were built into). */
export const CLI = join(__dirname, '..', '..', 'src', 'cli.js');

export function example(name: string): unknown {
  return JSON.parse(readFileSync(join(ROOT, 'examples', name), 'utf8'));
}

export const NB201_SPACE = (): unknown => example('nb201-cell.json');
