/**
 * Enforces the "who may import whom" table of docs/architecture.md on every source file under protocols/,
 * src/, coordinator/ and cli/, and keeps clocks, ambient randomness and Node globals out of protocols/.
 *
 * Usage: `tsx scripts/check-imports.ts` (part of `npm run lint` and `npm run typecheck`).
 * Prints one line per violation (`file:line: message`) and exits 1, or prints one OK line.
 *
 * The core, {@link checkImports}, is a pure function over `{ path, text }` so that it can be unit-tested
 * without touching the file system.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A source file, its path relative to the repository root with `/` separators. */
export interface SourceFile {
  path: string;
  text: string;
}

/** One broken rule, located at a 1-based line. */
export interface Violation {
  path: string;
  line: number;
  message: string;
}

/** The folders whose imports are checked. */
export const CHECKED_FOLDERS = ['protocols', 'src', 'coordinator', 'cli'] as const;

/**
 * The rooms of the import table: a file belongs to the longest room its path starts with, so `src/runtime/`
 * (what every node process shares) is a room of its own inside `src/` (the party node).
 */
export const ROOMS = ['protocols', 'src/runtime', 'src', 'coordinator', 'cli'] as const;
type Folder = (typeof ROOMS)[number];

interface Rule {
  /** Repository folders that relative imports may reach (the folder itself is always allowed). */
  folders: readonly Folder[];
  /** `'any'`, or the only npm packages allowed. */
  packages: 'any' | readonly string[];
  /** Whether Node built-ins (`node:fs`, `fs`, ...) may be imported. */
  builtins: boolean;
  /** The row of docs/architecture.md the rule comes from, quoted in messages. */
  reason: string;
}

/** docs/architecture.md, "Folders and who may import whom". */
const RULES: Record<Folder, Rule> = {
  protocols: {
    folders: [],
    packages: ['@noble/curves', '@noble/hashes'],
    builtins: false,
    reason: 'protocols/ may import @noble/curves and @noble/hashes only; no Node built-ins, no I/O',
  },
  'src/runtime': {
    folders: ['protocols'],
    packages: 'any',
    builtins: true,
    reason:
      'src/runtime/ may import protocols/ and packages, not the party node (the rest of src/), coordinator/ or cli/',
  },
  src: {
    folders: ['protocols', 'src/runtime'],
    packages: 'any',
    builtins: true,
    reason: 'src/ (the party node) may import protocols/, src/runtime/ and packages, not coordinator/ or cli/',
  },
  coordinator: {
    folders: ['protocols', 'src/runtime'],
    packages: 'any',
    builtins: true,
    reason:
      'coordinator/ may import protocols/, src/runtime/ and packages, not the party node (the rest of src/) or cli/',
  },
  cli: {
    folders: ['src', 'src/runtime', 'coordinator', 'protocols'],
    packages: 'any',
    builtins: true,
    reason: 'cli/ may import src/, coordinator/ and protocols/',
  },
};

/** Code that protocols/ must not contain: everything it needs (randomness, time) is injected. */
const PROTOCOL_BANS: readonly { pattern: RegExp; what: string; why: string }[] = [
  { pattern: /\bMath\s*\.\s*random\b/, what: 'Math.random', why: 'randomness is injected' },
  { pattern: /\bcrypto\s*\.\s*getRandomValues\b/, what: 'crypto.getRandomValues', why: 'randomness is injected' },
  { pattern: /\bDate\s*\.\s*now\b/, what: 'Date.now', why: 'no clock' },
  { pattern: /\bnew\s+Date\b/, what: 'new Date', why: 'no clock' },
  { pattern: /\bperformance\s*\.\s*now\b/, what: 'performance.now', why: 'no clock' },
  { pattern: /\bprocess\s*\./, what: 'process.', why: 'no Node built-ins' },
  { pattern: /\brequire\s*\(/, what: 'require(', why: 'no Node built-ins; ESM imports of @noble/* only' },
];

const SOURCE_FILE = /\.(?:[cm]?ts|[cm]?js)$/;

const IMPORT_PATTERNS: readonly RegExp[] = [
  // import x from 'a'; import { x } from 'a'; import type { x } from 'a'; export * from 'a'; import 'a'
  /\b(?:import|export)\s+(?:type\s+)?(?:[\w$*{},\s]*?\s*from\s*)?(['"])([^'"\n]+)\1/g,
  // import('a'), require('a'), import x = require('a')
  /\b(?:import|require)\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g,
];

/** Checks every file whose path lies under a checked folder; other files are ignored. */
export function checkImports(files: readonly SourceFile[]): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    const folder = folderOf(file.path);
    if (folder === undefined || !SOURCE_FILE.test(file.path)) continue;
    const code = blankComments(file.text);
    for (const { spec, index } of importsOf(code)) {
      const problem = importProblem(folder, file.path, spec);
      if (problem !== undefined) {
        violations.push({
          path: file.path,
          line: lineAt(code, index),
          message: `${folder}/ may not import '${spec}' (docs/architecture.md: ${problem})`,
        });
      }
    }
    if (folder === 'protocols') {
      const bare = blankStrings(code);
      for (const { pattern, what, why } of PROTOCOL_BANS) {
        const global = new RegExp(pattern.source, 'g');
        for (const match of bare.matchAll(global)) {
          violations.push({
            path: file.path,
            line: lineAt(bare, match.index ?? 0),
            message: `protocols/ may not use '${what}' (docs/architecture.md: ${why})`,
          });
        }
      }
    }
  }
  return violations.sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line);
}

/** Why `folder` may not import `spec` from `path`, or undefined when the import is allowed. */
function importProblem(folder: Folder, path: string, spec: string): string | undefined {
  const rule = RULES[folder];
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const target = posix.normalize(posix.join(posix.dirname(path), spec));
    const targetFolder = folderOf(target);
    if (target.startsWith('../') || target.startsWith('/')) return `${rule.reason}; this leaves the repository`;
    if (targetFolder === folder) return undefined;
    return (rule.folders as readonly string[]).includes(targetFolder ?? '') ? undefined : rule.reason;
  }
  if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0] ?? '')) {
    return rule.builtins ? undefined : rule.reason;
  }
  if (rule.packages === 'any') return undefined;
  return rule.packages.includes(packageName(spec)) ? undefined : rule.reason;
}

/** `@scope/name/sub.js` → `@scope/name`; `name/sub.js` → `name`. */
function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec);
}

/** The room of a repository path: the first (and so longest) room in {@link ROOMS} that is a prefix of it. */
function folderOf(path: string): Folder | undefined {
  return ROOMS.find((room) => path === room || path.startsWith(`${room}/`));
}

function importsOf(code: string): { spec: string; index: number }[] {
  const found: { spec: string; index: number }[] = [];
  for (const pattern of IMPORT_PATTERNS) {
    for (const match of code.matchAll(pattern)) {
      const spec = match[2] ?? '';
      // Report the line of the specifier, which for a multi-line import is the `from` line.
      found.push({ spec, index: (match.index ?? 0) + match[0].lastIndexOf(spec) });
    }
  }
  return found.sort((a, b) => a.index - b.index);
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Replaces comments by spaces (keeping newlines, so offsets and line numbers stay valid), and, when
 * `strings` is set, the contents of string and template literals too. A small scanner rather than a
 * regular expression, so that `'http://x'` is not mistaken for a comment.
 */
function blank(text: string, strings: boolean): string {
  const out = text.split('');
  const wipe = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (out[i] !== '\n') out[i] = ' ';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      wipe(i, stop);
      i = stop;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      wipe(i, stop);
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c && (c === '`' || text[j] !== '\n')) j += text[j] === '\\' ? 2 : 1;
      if (strings) wipe(i + 1, j);
      i = j + 1;
    } else {
      i++;
    }
  }
  return out.join('');
}

const blankComments = (text: string) => blank(text, false);
const blankStrings = (text: string) => blank(text, true);

/** Every checked source file under `root`, with repository-relative paths. */
export function readSources(root: string): SourceFile[] {
  const files: SourceFile[] = [];
  for (const folder of CHECKED_FOLDERS) {
    let entries: string[];
    try {
      entries = readdirSync(posix.join(root, folder), { recursive: true, encoding: 'utf8' });
    } catch {
      continue; // a folder that does not exist yet has nothing to check
    }
    for (const entry of entries) {
      const path = `${folder}/${entry.split('\\').join('/')}`;
      if (!SOURCE_FILE.test(path) || path.includes('/node_modules/')) continue;
      files.push({ path, text: readFileSync(posix.join(root, path), 'utf8') });
    }
  }
  return files;
}

function main(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const files = readSources(root);
  const violations = checkImports(files);
  for (const v of violations) console.log(`${v.path}:${v.line}: ${v.message}`);
  if (violations.length > 0) {
    console.log(`check-imports: ${violations.length} violation(s) in ${files.length} files`);
    process.exitCode = 1;
  } else {
    console.log(`check-imports: OK, ${files.length} files checked (${CHECKED_FOLDERS.join('/, ')}/)`);
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();
