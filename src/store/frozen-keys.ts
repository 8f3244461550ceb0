/**
 * Frozen keys: a key whose signing produced a signature that does not verify after every check passed is frozen
 * on this party until an operator lifts it (`mpc party unfreeze --key`). Something is wrong that no check
 * caught — a bug, a corrupted share, an attack the protocol does not see — and signing on as if nothing
 * happened could release a bad signature or leak more. The flag is plain JSON (no secret), so `mpc party
 * status` lists it.
 */
import { fromHex } from '../../protocols/common/bytes.js';
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

/** The frozen keys of one store; reached as `store.frozenKeys`. */
export class FrozenKeys {
  constructor(private readonly vault: Vault) {}

  /** Freezes `keyId` (idempotent: the first reason stays); resolves once the flag is on disk. */
  async freeze(keyId: Uint8Array, reason: string): Promise<void> {
    await this.vault.raise(recordKey.frozen(keyId), reason);
  }

  /** Lifts the freeze of `keyId` (an operator's decision, never automatic); false when it was not frozen. */
  async unfreeze(keyId: Uint8Array): Promise<boolean> {
    return this.vault.lower(recordKey.frozen(keyId));
  }

  /** Whether `keyId` is frozen. */
  async isFrozen(keyId: Uint8Array): Promise<boolean> {
    return this.vault.has(recordKey.frozen(keyId));
  }

  /** Every frozen key, in keyId order. */
  async list(): Promise<FrozenKey[]> {
    const flags = await this.vault.flags(recordPrefix.frozen);
    return flags.map(({ rest, reason, at }) => ({ keyId: fromHex(rest), reason, at }));
  }
}
