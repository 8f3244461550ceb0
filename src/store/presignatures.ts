/**
 * Presignatures in the party store, sealed, each usable for one signature: taking one deletes it and records
 * it as used in one atomic batch, so it can never be stored or taken again.
 */
import { fromHex, toHex } from '../../protocols/common/bytes.js';
import type { Presignature } from '../../protocols/dkls23/sign.js';
import { StoreError } from './errors.js';
import { decodePresignature, encodePresignature } from './presignature-codec.js';
import { encodeJson, recordKey, recordPrefix } from './records.js';
import type { Vault } from './vault.js';

/** The presignatures of one store; reached as `store.presignatures`. */
export class Presignatures {
  constructor(private readonly vault: Vault) {}

  /** Stores an unused presignature of `keyId`; refuses one already stored or already taken. */
  async put(keyId: Uint8Array, presig: Presignature): Promise<void> {
    const k = recordKey.presig(keyId, presig.ssid);
    const usedKey = recordKey.presigUsed(keyId, presig.ssid);
    const plain = encodePresignature(presig);
    try {
      await this.vault.lock.run(`presig/${toHex(keyId)}`, async () => {
        if (await this.vault.has(usedKey)) {
          throw new StoreError('PRESIGNATURE_USED', `presignature ${toHex(presig.ssid)} was already used`);
        }
        if (await this.vault.has(k)) {
          throw new StoreError('ALREADY_EXISTS', `presignature ${toHex(presig.ssid)} is already stored`);
        }
        await this.vault.put(k, this.vault.seal(k, plain));
      });
    } finally {
      plain.fill(0);
    }
  }

  /**
   * Takes a presignature for its one use: deletes it and records it as used in one batch before returning it.
   * Throws `PRESIGNATURE_USED` if it was taken before, `NOT_FOUND` if it never existed.
   */
  async take(keyId: Uint8Array, ssid: Uint8Array): Promise<Presignature> {
    const k = recordKey.presig(keyId, ssid);
    const usedKey = recordKey.presigUsed(keyId, ssid);
    return this.vault.lock.run(`presig/${toHex(keyId)}`, async () => {
      const plain = await this.vault.getSealed(k, `presignature ${toHex(ssid)}`);
      if (plain === undefined) {
        if (await this.vault.has(usedKey)) {
          throw new StoreError('PRESIGNATURE_USED', `presignature ${toHex(ssid)} was already used`);
        }
        throw new StoreError('NOT_FOUND', `no presignature ${toHex(ssid)} for key ${toHex(keyId)}`);
      }
      let presig: Presignature;
      try {
        presig = decodePresignature(plain);
      } catch (e) {
        throw new StoreError('CORRUPT_RECORD', `presignature ${toHex(ssid)} does not decode`, { cause: e });
      } finally {
        plain.fill(0);
      }
      await this.vault.batch([
        { type: 'del', key: k },
        { type: 'put', key: usedKey, value: encodeJson({ at: this.vault.now().toISOString() }) },
      ]);
      return presig;
    });
  }

  /** The ssids of the stored (untaken) presignatures of `keyId`. */
  async list(keyId: Uint8Array): Promise<Uint8Array[]> {
    const prefix = recordPrefix.presig(keyId);
    const out: Uint8Array[] = [];
    for await (const key of this.vault.keys(prefix)) out.push(fromHex(key.slice(prefix.length)));
    return out;
  }
}
