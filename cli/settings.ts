/**
 * Reading the settings of a start command: each is a flag, most also an environment variable (the flag wins).
 * Every value is checked here, before the command creates anything, and a bad one is a {@link ConfigError}
 * `BAD_CONFIG` (exit 3) whose one line names the flag, the variable, the value and what would be valid.
 */
import { readFileSync } from 'node:fs';
import { multiaddr } from '@multiformats/multiaddr';
import { ConfigError } from '../src/runtime/errors.js';

/** A setting as the operator knows it: its flag and, when it has one, its environment variable. */
export interface Setting {
  /** The flag without dashes, e.g. `port`. */
  readonly flag: string;
  /** The environment variable, e.g. `PORT`. */
  readonly env?: string;
}

/** `--port (env PORT)`, how messages name a setting. */
export function settingName(s: Setting): string {
  return s.env ? `--${s.flag} (env ${s.env})` : `--${s.flag}`;
}

/** The configuration error for a bad value of `s`. */
export function badSetting(s: Setting, value: unknown, problem: string): ConfigError {
  // a flag's number as typed; yargs turns a non-number into NaN
  const shown =
    typeof value === 'number' ? (Number.isNaN(value) ? 'NaN (not a number)' : String(value)) : JSON.stringify(value);
  return new ConfigError('BAD_CONFIG', `invalid ${settingName(s)} ${shown}: ${problem}`);
}

/** The flag's value when given, else the environment's (undefined or empty: not set). */
export function raw<T>(s: Setting, flagValue: T | undefined, env: NodeJS.ProcessEnv): T | string | undefined {
  if (flagValue !== undefined) return flagValue;
  const v = s.env === undefined ? undefined : env[s.env];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** An integer setting in `min..max` (a flag's number or a variable's decimal digits), `fallback` when unset. */
export function intSetting(
  s: Setting,
  flagValue: number | undefined,
  env: NodeJS.ProcessEnv,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = raw(s, flagValue, env);
  if (v === undefined) return fallback;
  const n = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw badSetting(s, v, `must be an integer ${min}..${max}`);
  return n;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/** A yes/no setting: the flag, or the variable as 1/true/yes/on or 0/false/no/off. */
export function boolSetting(s: Setting, flagValue: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  const v = raw(s, flagValue, env);
  if (v === undefined) return false;
  if (typeof v === 'boolean') return v;
  const t = v.toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  throw badSetting(s, v, 'must be 1, true, yes, on or 0, false, no, off');
}

/** Splits a comma- or whitespace-separated list, dropping empties. */
export function splitList(v: string | undefined): string[] {
  return (v ?? '').split(/[\s,]+/).filter((x) => x.length > 0);
}

/** A list setting: the flag's values (each may itself be a list) or the variable's list. */
export function listSetting(s: Setting, flagValues: readonly unknown[] | undefined, env: NodeJS.ProcessEnv): string[] {
  if (flagValues !== undefined && flagValues.length > 0) return flagValues.flatMap((v) => splitList(String(v)));
  return splitList(s.env === undefined ? undefined : env[s.env]);
}

/** Checks that each entry is a multiaddr with a TCP port, e.g. `/ip4/127.0.0.1/tcp/7000`. */
export function checkListenAddrs(s: Setting, addrs: readonly string[]): string[] {
  if (addrs.length === 0) throw badSetting(s, '', 'at least one multiaddr is needed, e.g. /ip4/127.0.0.1/tcp/7000');
  for (const a of addrs) {
    let tcp = false;
    try {
      tcp = multiaddr(a)
        .getComponents()
        .some((c) => c.name === 'tcp');
    } catch {
      // not a multiaddr at all: same answer
    }
    if (!tcp) throw badSetting(s, a, 'must be a multiaddr with a TCP port, such as /ip4/127.0.0.1/tcp/7000');
  }
  return [...addrs];
}

/**
 * The secret variables: each `X` may instead be given as `X_FILE`, the path of a file holding the value (a
 * mounted Kubernetes or Docker secret), so that the value need not sit in the process environment.
 */
export const SECRET_VARIABLES = [
  'CRYPTO_MASTER_KEY',
  'MPC_API_KEY',
  'MPC_POOL_SECRET',
  'MPC_DELEGATE_POOL_SECRET',
  'MPC_JOIN_TOKEN',
  'DATABASE_URL',
] as const;

const isSet = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

/**
 * `env` with every secret variable given as `X_FILE` read into `X` (one trailing newline dropped, as `echo` and
 * editors leave one). Giving both `X` and `X_FILE` is a `BAD_CONFIG` naming both (which one was meant is not
 * ours to guess); an unreadable file is a `BAD_CONFIG` naming the variable, the path and the reason. The
 * value itself is never echoed.
 */
export function withSecretFiles(
  env: NodeJS.ProcessEnv,
  names: readonly string[] = SECRET_VARIABLES,
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const name of names) {
    const path = env[`${name}_FILE`];
    if (!isSet(path)) continue;
    if (isSet(env[name]))
      throw new ConfigError(
        'BAD_CONFIG',
        `both ${name} and ${name}_FILE are set: give the value one way only (unset one of them)`,
      );
    let text: string;
    try {
      text = read(path.trim());
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'unknown error';
      throw new ConfigError('BAD_CONFIG', `cannot read ${name}_FILE ${path.trim()} (${code})`);
    }
    const value = text.replace(/\r?\n$/, '');
    if (value.trim() === '') throw new ConfigError('BAD_CONFIG', `${name}_FILE ${path.trim()} is empty`);
    out[name] = value;
  }
  return out;
}

/**
 * The master key file: `--master-key-file`, else `CRYPTO_MASTER_KEY_FILE` (the key loader then reads it and
 * checks its mode, as for the flag). `CRYPTO_MASTER_KEY` and `CRYPTO_MASTER_KEY_FILE` both set is a
 * `BAD_CONFIG`, like every other secret variable given twice.
 */
export function masterKeyFile(flagValue: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = env.CRYPTO_MASTER_KEY_FILE?.trim() || undefined;
  if (fromEnv !== undefined && isSet(env.CRYPTO_MASTER_KEY))
    throw new ConfigError(
      'BAD_CONFIG',
      'both CRYPTO_MASTER_KEY and CRYPTO_MASTER_KEY_FILE are set: give the value one way only (unset one of them)',
    );
  return flagValue || fromEnv;
}
