/**
 * Frozen keys: a key whose signing produced a signature that does not verify after every check passed is frozen
 * on this party until an operator lifts it (`mpc party unfreeze --key`). Something is wrong that no check
 * caught — a bug, a corrupted share, an attack the protocol does not see — and signing on as if nothing
 * happened could release a bad signature or leak more. The flag is plain JSON (no secret), so `mpc party
 * status` lists it.
 */
import { fromHex } from '../../protocols/common/bytes.js';
import { decodeJson, recordKey, recordPrefix } from './records.js';
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
    const k = recordKey.frozen(keyId);
    await this.vault.lock.run(k, async () => {
      if (await this.vault.has(k)) return;
      await this.vault.putJson(k, { reason, at: this.vault.now().toISOString() });
    });
  }

  /** Lifts the freeze of `keyId` (an operator's decision, never automatic); false when it was not frozen. */
  async unfreeze(keyId: Uint8Array): Promise<boolean> {
    const k = recordKey.frozen(keyId);
    return this.vault.lock.run(k, async () => {
      if (!(await this.vault.has(k))) return false;
      await this.vault.del(k);
      return true;
    });
  }

  /** Whether `keyId` is frozen. */
  isFrozen(keyId: Uint8Array): Promise<boolean> {
    return this.vault.has(recordKey.frozen(keyId));
  }

  /** Every frozen key, in keyId order. */
  async list(): Promise<FrozenKey[]> {
    const out: FrozenKey[] = [];
    for await (const [key, value] of this.vault.entries(recordPrefix.frozen)) {
      const j = decodeJson<{ reason: string; at: string }>(value, key);
      out.push({ keyId: fromHex(key.slice(recordPrefix.frozen.length)), reason: j.reason, at: j.at });
    }
    return out;
  }
}
