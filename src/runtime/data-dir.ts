/**
 * A node's data directory holds its identity and (party) its sealed key shares or (coordinator) its embedded
 * database: only the node's own user may enter it. {@link checkDataDir} validates a directory before anything is
 * created (part of validating a configuration); {@link secureDataDir} creates it 0700 and tightens what is in
 * it to 0700 (directories) and 0600 (files). A directory others may read is refused unless the operator says
 * it is meant to be shared (`--allow-shared-dir`, e.g. for a backup agent's group), and then it is left as is.
 */
import { accessSync, chmodSync, constants, lstatSync, mkdirSync, readdirSync, type Stats, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from './errors.js';

/** How a data directory may be used. */
export interface DataDirPolicy {
  /** Accept a directory that group or others may access, and leave its modes alone. @default false */
  allowShared?: boolean;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ENOTDIR: a file stands where a parent directory should; the caller names it
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new ConfigError('BAD_CONFIG', `cannot use the data directory ${path} (${(e as Error).message})`);
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks, creating nothing, that `dir` can be this node's data directory: an existing one must be a directory
 * this user can write, with no group or other permission bits (unless `allowShared`); a missing one must be
 * creatable (its nearest existing ancestor a writable directory). Throws {@link ConfigError} (`BAD_CONFIG`, or
 * `SHARED_DATA_DIR` naming the chmod and the flag) otherwise.
 */
export function checkDataDir(dir: string, policy: DataDirPolicy = {}): void {
  const path = resolve(dir);
  const st = statOrUndefined(path);
  if (st === undefined) {
    let parent = dirname(path);
    let pst = statOrUndefined(parent);
    while (pst === undefined && dirname(parent) !== parent) {
      parent = dirname(parent);
      pst = statOrUndefined(parent);
    }
    if (pst === undefined || !pst.isDirectory() || !writable(parent)) {
      throw new ConfigError(
        'BAD_CONFIG',
        `cannot create the data directory ${path}: ${parent} is not a directory this user can write; choose another --data-dir`,
      );
    }
    return;
  }
  if (!st.isDirectory()) {
    throw new ConfigError('BAD_CONFIG', `the data directory ${path} is not a directory; choose another --data-dir`);
  }
  if (!writable(path)) {
    throw new ConfigError(
      'BAD_CONFIG',
      `the data directory ${path} is not writable by this user; fix its owner or choose another --data-dir`,
    );
  }
  const mode = st.mode & 0o777;
  if (!policy.allowShared && process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new ConfigError(
      'SHARED_DATA_DIR',
      `the data directory ${path} has mode 0${mode.toString(8)}: other users can reach the node's identity and data; run chmod 700 ${path}, or pass --allow-shared-dir if it is shared on purpose`,
    );
  }
}

/**
 * Creates `dir` (0700) if missing and, unless `allowShared`, sets every directory in it to 0700 and takes the
 * group and other bits off every file (symbolic links are not followed). Returns how many modes it changed.
 */
export function secureDataDir(dir: string, policy: DataDirPolicy = {}): number {
  const path = resolve(dir);
  mkdirSync(path, { recursive: true, mode: 0o700 });
  if (policy.allowShared || process.platform === 'win32') return 0;
  return tighten(path, lstatSync(path));
}

function tighten(path: string, st: Stats): number {
  if (st.isSymbolicLink()) return 0;
  // a directory becomes 0700; a file keeps its owner bits (0600 as the node writes them) and loses the rest
  const mode = st.mode & 0o777;
  const want = st.isDirectory() ? 0o700 : mode & 0o700;
  let changed = 0;
  if (mode !== want && (st.isDirectory() || st.isFile())) {
    chmodSync(path, want);
    changed++;
  }
  if (st.isDirectory()) {
    for (const name of readdirSync(path)) {
      const child = join(path, name);
      let cst: Stats;
      try {
        cst = lstatSync(child);
      } catch {
        continue; // removed meanwhile (a lock file, a temporary file)
      }
      changed += tighten(child, cst);
    }
  }
  return changed;
}
