#!/usr/bin/env node
// `npm run build` (also run by `npm install` / `npm ci` through "prepare"): compiles protocols/, src/, coordinator/
// and cli/ with tsc into dist/, copies the files the code loads at run time that tsc does not emit (the PGlite
// worker, the SQL migrations), and stamps the build so that the `mpc` launcher (cli/bin.js) can tell a build older
// than the sources. Plain JavaScript, so that it runs before anything is compiled.
//
// Usage: node scripts/build.mjs [--out DIR]   (DIR must lie inside the repository, so that node_modules resolves)
//
// The output is assembled in a fresh directory beside DIR and swapped in whole, so that a failed build leaves the
// previous one intact. On a production install without devDependencies (npm ci --omit=dev) TypeScript is absent:
// the build is then skipped with a note, and dist/ must come from a build step that had them.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The folders compiled into the build (tests, benchmarks and scripts stay TypeScript run through tsx). */
const FOLDERS = ['protocols', 'src', 'coordinator', 'cli'];
/** Files the code loads at run time beside its modules, which tsc does not emit. */
const ASSET = /\.(?:mjs|sql)$/;
/** The build's stamp: its modification time is when the build started. */
const STAMP = '.build-stamp';

const outArg = process.argv.indexOf('--out');
const out = resolve(root, outArg >= 0 ? (process.argv[outArg + 1] ?? '') : 'dist');
if (relative(root, out).startsWith('..') || out === root) {
  console.error(`build: --out ${out} must be a folder inside ${root} (node_modules is found from there)`);
  process.exit(2);
}

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.error('build: skipped, TypeScript is not installed (a production install); dist/ must come from a build');
  process.exit(0);
}

const started = new Date();
const next = `${out}.next-${process.pid}`;
rmSync(next, { recursive: true, force: true });
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', next], {
  stdio: 'inherit',
  cwd: root,
});
if (compiled.status !== 0) {
  rmSync(next, { recursive: true, force: true });
  console.error('build: tsc failed; the previous build (if any) is unchanged');
  process.exit(compiled.status ?? 1);
}

/** Copies every asset under `dir` (relative to the root) into the same place in `next`. */
function copyAssets(dir) {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copyAssets(path);
    else if (ASSET.test(entry.name)) {
      mkdirSync(join(next, dir), { recursive: true });
      copyFileSync(join(root, path), join(next, path));
    }
  }
}
for (const folder of FOLDERS) copyAssets(folder);

const stamp = join(next, STAMP);
writeFileSync(stamp, `built ${started.toISOString()} from ${FOLDERS.join(', ')}\n`);
utimesSync(stamp, started, started);

const old = `${out}.old-${process.pid}`;
if (existsSync(out)) renameSync(out, old);
renameSync(next, out);
rmSync(old, { recursive: true, force: true });
console.log(`build: ${relative(root, out)}/ is ready (node ${relative(root, join(out, 'cli', 'index.js'))})`);
