/**
 * The node's master key: 32 bytes given as exactly 64 hex characters in `CRYPTO_MASTER_KEY` or in a key file
 * (`--master-key-file`). Nothing is encrypted under it directly; each purpose gets its own HKDF-SHA256 sub-key,
 * so a key wrapping user shares that leave the node is never the key that encrypts the node's own disk.
 */
import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from './errors.js';

/** Length of the master key in bytes. */
export const MASTER_KEY_BYTES = 32;

/** Name of the environment variable that may hold the master key. */
export const MASTER_KEY_ENV = 'CRYPTO_MASTER_KEY';

/** How to make a master key; part of every "no / bad master key" message. */
export const MASTER_KEY_HOWTO =
  "Make one with `openssl rand -hex 32` (or `node -e \"console.log(require('crypto').randomBytes(32).toString('hex'))\"`), " +
  `then set ${MASTER_KEY_ENV} to it or write it to a file readable only by the node (chmod 600) and pass --master-key-file. ` +
  'Keep a backup: without it the stored key shares cannot be decrypted.';

/** HKDF `info` labels, one per purpose; distinct so that no two purposes share a key. */
export const SUBKEY_LABELS = {
  /** Encrypts the values in the node's LevelDB. */
  atRest: 'mpc-custody/party-store/at-rest/v1',
  /** Wraps a delegate party's user share, which leaves the node and comes back. */
  delegateWrap: 'mpc-custody/party-store/delegate-wrap/v1',
  /** Seals the coordinator's libp2p identity file (the CLI derives it; the coordinator never sees the master key). */
  coordinatorIdentity: 'mpc-custody/coordinator/identity/v1',
} as const;

/** Purposes that have a sub-key. */
export type SubKeyPurpose = keyof typeof SUBKEY_LABELS;

/** Fixed HKDF salt: the master key is already uniform, the salt only separates this scheme from any other use. */
const HKDF_SALT = new TextEncoder().encode('mpc-custody master key salt v1');

/**
 * The 32-byte master key. Its bytes are held in a private field and never printed: `toString`, `toJSON` and
 * `util.inspect` all show a placeholder, so logging a config object cannot leak the key.
 */
export class MasterKey {
  readonly #bytes: Uint8Array;

  /** @param bytes exactly 32 bytes (copied) */
  constructor(bytes: Uint8Array) {
    if (bytes.length !== MASTER_KEY_BYTES) {
      throw new ConfigError('BAD_MASTER_KEY', `master key must be ${MASTER_KEY_BYTES} bytes, got ${bytes.length}`);
    }
    if (bytes.every((b) => b === 0)) {
      // An all-zero key is a placeholder someone forgot to replace, not a secret.
      throw new ConfigError('BAD_MASTER_KEY', `master key is all zeros. ${MASTER_KEY_HOWTO}`);
    }
    this.#bytes = bytes.slice();
  }

  /** Parses 64 hex characters (surrounding whitespace, e.g. a file's trailing newline, is ignored). */
  static fromHex(text: string, where: string): MasterKey {
    const hex = text.trim();
    // Report length and alphabet only: echoing even part of a wrong key could leak a real one.
    if (hex.length !== MASTER_KEY_BYTES * 2) {
      throw new ConfigError(
        'BAD_MASTER_KEY',
        `${where}: master key must be exactly ${MASTER_KEY_BYTES * 2} hex characters, got ${hex.length}. ${MASTER_KEY_HOWTO}`,
      );
    }
    if (!/^[0-9a-fA-F]+$/.test(hex)) {
      throw new ConfigError(
        'BAD_MASTER_KEY',
        `${where}: master key contains characters other than 0-9 and a-f. ${MASTER_KEY_HOWTO}`,
      );
    }
    return new MasterKey(Uint8Array.from(Buffer.from(hex, 'hex')));
  }

  /** The sub-key for `purpose`: HKDF-SHA256(master, salt, label) as a 32-byte AES key object. */
  subKey(purpose: SubKeyPurpose): KeyObject {
    const okm = hkdfSync('sha256', this.#bytes, HKDF_SALT, SUBKEY_LABELS[purpose], 32);
    return createSecretKey(new Uint8Array(okm));
  }

  /** A placeholder; the key is never rendered. */
  toString(): string {
    return '[MasterKey]';
  }

  /** A placeholder; the key is never serialised. */
  toJSON(): string {
    return '[MasterKey]';
  }

  /** A placeholder for `console.log` / `util.inspect`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[MasterKey]';
  }
}

/** Where to look for the master key. */
export interface MasterKeySource {
  /** The environment to read `CRYPTO_MASTER_KEY` from (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Path given by `--master-key-file`; wins over the environment when both are set. */
  keyFile?: string | undefined;
}

/** A loaded master key and what the operator should know about how it was found. */
export interface LoadedMasterKey {
  readonly key: MasterKey;
  /** Where the key came from. */
  readonly source: 'env' | 'file';
  /** Warnings for the operator (loose file mode, both sources set); never contain key material. */
  readonly notes: readonly string[];
}

/**
 * Loads the master key from `--master-key-file` or `CRYPTO_MASTER_KEY`. Throws {@link ConfigError}
 * `NO_MASTER_KEY` when neither is set (the node must refuse to start) and `BAD_MASTER_KEY` when the value is
 * malformed; both messages say how to make a key.
 */
export function loadMasterKey(source: MasterKeySource = {}): LoadedMasterKey {
  const env = source.env ?? process.env;
  const fromEnv = env[MASTER_KEY_ENV];
  const envSet = fromEnv !== undefined && fromEnv.trim() !== '';
  const notes: string[] = [];

  if (source.keyFile !== undefined && source.keyFile !== '') {
    if (envSet) notes.push(`both --master-key-file and ${MASTER_KEY_ENV} are set; using the file`);
    return { key: readKeyFile(source.keyFile, notes), source: 'file', notes };
  }
  if (envSet) return { key: MasterKey.fromHex(fromEnv, MASTER_KEY_ENV), source: 'env', notes };
  throw new ConfigError(
    'NO_MASTER_KEY',
    `no master key: set ${MASTER_KEY_ENV} (64 hex characters) or pass --master-key-file. ${MASTER_KEY_HOWTO}`,
  );
}

/** Reads and parses a key file, adding a note when group or others may read it. */
function readKeyFile(path: string, notes: string[]): MasterKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unknown error';
    const errCode = code === 'ENOENT' ? 'NO_MASTER_KEY' : 'BAD_MASTER_KEY';
    throw new ConfigError(errCode, `cannot read master key file ${path} (${code}). ${MASTER_KEY_HOWTO}`);
  }
  // Permission bits mean nothing on Windows; elsewhere anything beyond 0600 lets other users read the key.
  if (process.platform !== 'win32') {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      notes.push(
        `master key file ${path} has mode 0${mode.toString(8)}; other users may read it, run: chmod 600 ${path}`,
      );
    }
  }
  return MasterKey.fromHex(text, `master key file ${path}`);
}
