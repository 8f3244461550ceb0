/**
 * The package this code belongs to: its root folder and version. Found by walking up from this file to the
 * nearest `package.json` of `mpc-custody`, so the answer is the same when the code runs from its sources and
 * when it runs compiled from `dist/`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `name` in the root package.json. */
const PACKAGE_NAME = 'mpc-custody';

let found: { root: string; version: string } | undefined;

function find(): { root: string; version: string } {
  if (found) return found;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === PACKAGE_NAME) {
        found = { root: dir, version: pkg.version ?? '0.0.0' };
        return found;
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json of ${PACKAGE_NAME} above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The package's root folder (where package.json, node_modules and, once built, dist/ are). */
export function packageRoot(): string {
  return find().root;
}

/** The package's version (package.json). */
export function packageVersion(): string {
  return find().version;
}
