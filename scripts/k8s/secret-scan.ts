/**
 * Looks for secret values in the files of k8s/ that git would commit: keys (long hex or base64 runs), private
 * keys in PEM, credentials in URLs, Secret objects with data, and password/secret/key/token assignments with a
 * literal value (a value with a `/` is taken for a path, one with `$` for a variable). Secrets belong in the generated, ignored secrets/ folders only. A line that must hold such a
 * run and is not secret (a published checksum) says so with the marker `not-a-secret:` and why.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A file to scan, its path relative to the repository root. */
export interface ScannedFile {
  path: string;
  text: string;
}

/** One secret-looking literal. */
export interface SecretFinding {
  path: string;
  line: number;
  /** Which pattern matched (never the value itself). */
  kind: string;
}

/** Values that stand for a secret without being one (templates, placeholders, variables). */
const PLACEHOLDER =
  /^(%s|\.\.\.|…|password|secret|changeme|placeholder|<[^>]*>|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\(.*\))$/i;

/** A pattern; `value` picks the part to judge, `accept` says when it is not a secret after all. */
interface Pattern {
  kind: string;
  re: RegExp;
  value?: (m: RegExpExecArray) => string;
  accept?: (value: string) => boolean;
}

/** True when a value in a secret's place is a placeholder, a path or a variable, not a secret. */
const notSecret = (v: string) => PLACEHOLDER.test(v) || v.includes('/') || v.includes('$');

const PATTERNS: Pattern[] = [
  { kind: 'hex key', re: /(?<![0-9A-Za-z])[0-9a-fA-F]{32,}(?![0-9A-Za-z])/ },
  {
    kind: 'base64 blob',
    re: /(?<![A-Za-z0-9+/])(?=[A-Za-z0-9+/]*[0-9])(?=[A-Za-z0-9+/]*[A-Z])[A-Za-z0-9+/]{40,}={0,2}/,
    // random base64 has a `/` in 1 of 64 characters; a path (a/b/c/…) has many more
    value: (m) => m[0],
    accept: (v) => (v.match(/\//g)?.length ?? 0) > v.length / 16,
  },
  { kind: 'PEM private key', re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  {
    kind: 'credentials in a URL',
    re: /[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:([^\s@/]+)@/i,
    value: (m) => m[1]!,
    accept: notSecret,
  },
  {
    kind: 'secret assignment',
    re: /(?:password|passwd|secret|api[_-]?key|master[_-]?key|token)["']?\s*[:=]\s*["']?([^\s"'#]{8,})/i,
    value: (m) => m[1]!,
    accept: notSecret,
  },
];

/** Finds secret-looking literals in the given files. */
export function scanForSecrets(files: readonly ScannedFile[]): SecretFinding[] {
  const out: SecretFinding[] = [];
  for (const f of files) {
    const lines = f.text.split('\n');
    // A YAML Secret with inline data: the values themselves are committed.
    if (/\.ya?ml$/.test(f.path)) {
      for (const doc of f.text.split(/^---$/m)) {
        if (/^kind:\s*Secret\s*$/m.test(doc) && /^(data|stringData):\s*$/m.test(doc)) {
          const at = f.text.indexOf(doc);
          out.push({ path: f.path, line: f.text.slice(0, at).split('\n').length, kind: 'Secret with inline data' });
        }
      }
    }
    lines.forEach((text, i) => {
      if (text.includes('not-a-secret:')) return;
      for (const p of PATTERNS) {
        const m = p.re.exec(text);
        if (m === null) continue;
        if (p.value !== undefined && p.accept?.(p.value(m)) === true) continue;
        out.push({ path: f.path, line: i + 1, kind: p.kind });
      }
    });
  }
  return out;
}

/** The files under `folder` that git tracks or would add (untracked and not ignored), read from `repo`. */
export function committableFiles(repo: string, folder: string): ScannedFile[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', folder], {
    cwd: repo,
    encoding: 'utf8',
  });
  return listed
    .split('\0')
    .filter((p) => p !== '')
    .flatMap((path) => {
      try {
        return [{ path, text: readFileSync(join(repo, path), 'utf8') }];
      } catch {
        return []; // deleted in the work tree
      }
    });
}
