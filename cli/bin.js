#!/usr/bin/env node
// The `mpc` command (package.json "bin"). Production runs the compiled CLI in dist/ (npm run build, which npm
// install runs); development runs the TypeScript sources through tsx's loader. dist/ is used when it is there and
// not older than the sources, so that an edit is never shadowed by an old build; otherwise the sources run, with a
// note. Paths resolve from this file, so `mpc` works from any working directory.
import { existsSync, readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const compiled = new URL('dist/cli/index.js', root);
const stamp = new URL('dist/.build-stamp', root);
/** What the build compiles or copies (scripts/build.mjs); an edit to any of it makes dist/ stale. */
const SOURCES = ['protocols', 'src', 'coordinator', 'cli'];
const SOURCE_FILE = /\.(?:ts|mjs|sql)$/;

/** True when some source file under `dir` changed after `since` (ms). */
function changedSince(dir, since) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (changedSince(new URL(`${entry.name}/`, dir), since)) return true;
    } else if (SOURCE_FILE.test(entry.name) && statSync(new URL(entry.name, dir)).mtimeMs > since) {
      return true;
    }
  }
  return false;
}

function distIsCurrent() {
  if (!existsSync(compiled) || !existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  return !SOURCES.some((s) => {
    const dir = new URL(`${s}/`, root);
    return existsSync(dir) && changedSince(dir, built);
  });
}

if (distIsCurrent()) {
  await import(compiled.href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    console.error('mpc: no current build in dist/ and no tsx to run the sources: run npm install (or npm run build)');
    process.exit(70);
  }
  if (existsSync(compiled)) {
    console.error('mpc: dist/ is older than the sources; running the sources (npm run build refreshes dist/)');
  }
  register();
  await import('./index.ts');
}
