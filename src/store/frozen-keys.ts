/**
 * Frozen keys: a key whose signing produced a signature that does not verify after every check passed is frozen
 * on this party until an operator lifts it (`mpc party unfreeze --key`). Something is wrong that no check
 * caught — a bug, a corrupted share, an attack the protocol does not see — and signing on as if nothing
 * happened could release a bad signature or leak more. The flag is plain JSON (no secret), so `mpc party
 * status` lists it.
 */
import { fromHex, toHex } from '../../protocols/common/bytes.js';
import { recordKey, recordPrefix } from './records.js';
import type { Vault } from './vault.js';

/** A frozen key. */
export interface FrozenKey {
  readonly keyId: Uint8Array;
  /** Why it was frozen (the failed session and check). */
  readonly reason: string;
  /** ISO 8601. */
  readonly at: string;
}

/**
 * The frozen keys of one store; reached as `store.frozenKeys`. Every record asks {@link isFrozen}, so the flags
 * are read once and kept in memory: this instance is their only writer while the store is open (the store's
 * directory lock keeps every other process out).
 */
export class FrozenKeys {
  /** The frozen key ids (hex), read at the first question. */
  private cache: Promise<Set<string>> | undefined;

  constructor(private readonly vault: Vault) {}

  /** Freezes `keyId` (idempotent: the first reason stays); resolves once the flag is on disk. */
  async freeze(keyId: Uint8Array, reason: string): Promise<void> {
    await this.vault.raise(recordKey.frozen(keyId), reason);
    (await this.frozen()).add(toHex(keyId));
  }

  /** Lifts the freeze of `keyId` (an operator's decision, never automatic); false when it was not frozen. */
  async unfreeze(keyId: Uint8Array): Promise<boolean> {
    const lowered = await this.vault.lower(recordKey.frozen(keyId));
    (await this.frozen()).delete(toHex(keyId));
    return lowered;
  }

  /** Whether `keyId` is frozen (from memory after the first call). */
  async isFrozen(keyId: Uint8Array): Promise<boolean> {
    recordKey.frozen(keyId); // refuses an empty key id, as the flag's record key does
    return (await this.frozen()).has(toHex(keyId));
  }

  private frozen(): Promise<Set<string>> {
    if (!this.cache) {
      const loading = this.vault.flags(recordPrefix.frozen).then((flags) => new Set(flags.map((f) => f.rest)));
      loading.catch(() => {
        if (this.cache === loading) this.cache = undefined; // a failed read is retried at the next question
      });
      this.cache = loading;
    }
    return this.cache;
  }

  /** Every frozen key, in keyId order. */
  async list(): Promise<FrozenKey[]> {
    const flags = await this.vault.flags(recordPrefix.frozen);
    return flags.map(({ rest, reason, at }) => ({ keyId: fromHex(rest), reason, at }));
  }
}
