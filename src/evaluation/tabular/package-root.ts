/**
 * The shipped NAS-Bench-201 table lives in `resources/` at the package root. This code
 * runs both from `src/` (ts tooling) and from `dist/src/` (compiled), at different depths,
 * so the root is found by walking up to the nearest package.json instead of a fixed `../..`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function packageRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
}

/** NAS-Bench-201, all 15,625 cells, 12-epoch accuracies (see resources/nb201/NOTICE.md). */
export function defaultTablePath(): string {
  return join(packageRoot(), 'resources', 'nb201', 'nb201-12epoch.csv.gz');
}
