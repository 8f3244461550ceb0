/**
 * The LevelDB directory under the store's record kinds: plain and sealed reads and writes, each write fsynced,
 * multi-record updates in one atomic batch, and a per-name lock for read-check-write steps. A sealed value is
 * AES-256-GCM under the at-rest sub-key of the master key with its record key as AAD (sealed.ts), so a value
 * copied under another key does not open. The record kinds (share-store.ts, pair-states.ts, presignatures.ts)
 * build on it; none of them touches LevelDB directly.
 */
import type { KeyObject } from 'node:crypto';
import type { Level } from 'level';
import { KeyedLock } from './keyed-lock.js';
import { decodeJson, encodeJson, prefixRange } from './records.js';
import { open, seal } from './sealed.js';

/** Every write is fsynced: losing an accepted session id or a fresh share on power loss is not acceptable. */
const SYNC = { sync: true } as const;

/** One write of a batch. */
export type Op = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };

/** Sealed and plain records in one LevelDB directory. */
export class Vault {
  /** Serialises read-check-write steps per name within this process (LevelDB has no compare-and-set). */
  readonly lock = new KeyedLock();

  constructor(
    private readonly db: Level<string, Uint8Array>,
    private readonly atRest: KeyObject,
    /** Clock for the timestamps in plaintext records. */
    readonly now: () => Date,
  ) {}

  /** The directory of the database. */
  get location(): string {
    return this.db.location;
  }

  /** The raw value under `key`, or undefined. */
  get(key: string): Promise<Uint8Array | undefined> {
    return this.db.get(key);
  }

  /** The raw values under `keys`, in order (undefined where none), read in one call. */
  getMany(keys: string[]): Promise<(Uint8Array | undefined)[]> {
    return this.db.getMany(keys);
  }

  /** True when `key` holds a value. */
  async has(key: string): Promise<boolean> {
    return (await this.db.get(key)) !== undefined;
  }

  /** Writes `value` under `key`, fsynced. */
  put(key: string, value: Uint8Array): Promise<void> {
    return this.db.put(key, value, SYNC);
  }

  /** Deletes `key`, fsynced. */
  del(key: string): Promise<void> {
    return this.db.del(key, SYNC);
  }

  /** Applies `ops` atomically, fsynced. */
  batch(ops: Op[]): Promise<void> {
    return this.db.batch(ops, SYNC);
  }

  /** `plaintext` sealed for `key`. */
  seal(key: string, plaintext: Uint8Array): Uint8Array {
    return seal(this.atRest, context(key), plaintext);
  }

  /** Opens a value sealed for `key`; `DECRYPT_FAILED` names `what` (never its content). */
  open(key: string, value: Uint8Array, what: string): Uint8Array {
    return open(this.atRest, context(key), value, what);
  }

  /** The opened value under `key`, or undefined. */
  async getSealed(key: string, what: string): Promise<Uint8Array | undefined> {
    const value = await this.db.get(key);
    return value === undefined ? undefined : this.open(key, value, what);
  }

  /** The plaintext JSON record under `key`, or undefined; `CORRUPT_RECORD` when it does not parse. */
  async getJson<T>(key: string): Promise<(T & { v: number }) | undefined> {
    const value = await this.db.get(key);
    return value === undefined ? undefined : decodeJson<T>(value, key);
  }

  /** Writes a plaintext JSON record (never call it with secret values). */
  putJson(key: string, value: object): Promise<void> {
    return this.put(key, encodeJson(value));
  }

  /**
   * Raises a flag — a plaintext `{reason, at}` record (a ban, a burn, a freeze) — under `key`, unless it is
   * raised already (the first reason stays). Resolves once it is on disk; true when newly raised.
   */
  raise(key: string, reason: string): Promise<boolean> {
    return this.lock.run(key, async () => {
      if (await this.has(key)) return false;
      await this.putJson(key, { reason, at: this.now().toISOString() });
      return true;
    });
  }

  /** Lowers the flag under `key` (an operator's decision); true when it was raised. */
  lower(key: string): Promise<boolean> {
    return this.lock.run(key, async () => {
      if (!(await this.has(key))) return false;
      await this.del(key);
      return true;
    });
  }

  /** Every flag whose key starts with `prefix`, with the rest of its key, in key order. */
  async flags(prefix: string): Promise<{ rest: string; reason: string; at: string }[]> {
    const out: { rest: string; reason: string; at: string }[] = [];
    for await (const [key, value] of this.entries(prefix)) {
      const { reason, at } = decodeJson<{ reason: string; at: string }>(value, key);
      out.push({ rest: key.slice(prefix.length), reason, at });
    }
    return out;
  }

  /** Every entry whose key starts with `prefix`, in key order. */
  entries(prefix: string): AsyncIterable<[string, Uint8Array]> {
    return this.db.iterator(prefixRange(prefix));
  }

  /** Every key that starts with `prefix`, in key order. */
  keys(prefix: string): AsyncIterable<string> {
    return this.db.keys(prefixRange(prefix));
  }

  /** Closes the database. */
  close(): Promise<void> {
    return this.db.close();
  }
}

/** The AAD context of a record: its key's UTF-8 bytes. */
function context(key: string): Uint8Array {
  return new TextEncoder().encode(key);
}
