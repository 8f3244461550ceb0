/**
 * Presignatures in the party store, sealed, each usable for one signature: taking one deletes it and records
 * it as used in one atomic batch, so it can never be stored or taken again. A presignature is stored under its
 * key and a handle — the session id of the presign session that made it, which the online signing's record
 * names — with the peer id of each of its signers: it is given out only to a signing by exactly that signer set.
 */
import { equalBytes, fromHex, toHex } from '../../protocols/common/bytes.js';
import type { Presignature } from '../../protocols/dkls23/sign.js';
import { StoreError } from './errors.js';
import { decodePresignature, encodePresignature } from './presignature-codec.js';
import { encodeJson, recordKey, recordPrefix } from './records.js';
import type { Vault } from './vault.js';

/** One signer of a presignature: its key-share index and its peer id. */
export interface PresignatureSigner {
  readonly index: number;
  readonly peerId: Uint8Array;
}

type Stored = ReturnType<typeof decodePresignature>;
type BatchOp = Parameters<Vault['batch']>[0][number];

/**
 * The taken presignature, when `signers` are exactly those it was made with; else its secrets are wiped and
 * `PRESIGNATURE_SIGNERS` is thrown.
 */
function checkSigners(id: Uint8Array, { presignature, peers }: Stored, signers: readonly PresignatureSigner[]) {
  const same =
    signers.length === presignature.signers.length &&
    presignature.signers.every((index, k) => {
      const s = signers.find((x) => x.index === index);
      return s !== undefined && equalBytes(s.peerId, peers[k] as Uint8Array);
    });
  if (same) return presignature;
  presignature.phi = 0n;
  presignature.u = 0n;
  presignature.v = 0n;
  presignature.used = true;
  throw new StoreError(
    'PRESIGNATURE_SIGNERS',
    `presignature ${toHex(id)} was made by signers ${presignature.signers.join(',')} with other peers or indices than this signing's`,
  );
}

/** The presignatures of one store; reached as `store.presignatures`. */
export class Presignatures {
  constructor(private readonly vault: Vault) {}

  /**
   * Stores an unused presignature of `keyId` under `id` (the presign session id) with its signers (one per
   * index of `presig.signers`); refuses one already stored or already taken.
   */
  async put(
    keyId: Uint8Array,
    id: Uint8Array,
    presig: Presignature,
    signers: readonly PresignatureSigner[],
  ): Promise<void> {
    const peers = presig.signers.map((i) => signers.find((s) => s.index === i)?.peerId ?? new Uint8Array(0));
    if (signers.length !== presig.signers.length) {
      throw new StoreError('INVALID_ARGUMENT', 'the signers do not match the presignature');
    }
    const k = recordKey.presig(keyId, id);
    const usedKey = recordKey.presigUsed(keyId, id);
    const plain = encodePresignature(presig, peers);
    try {
      await this.vault.lock.run(`presig/${toHex(keyId)}`, async () => {
        if (await this.vault.has(usedKey)) {
          throw new StoreError('PRESIGNATURE_USED', `presignature ${toHex(id)} was already used`);
        }
        if (await this.vault.has(k)) {
          throw new StoreError('ALREADY_EXISTS', `presignature ${toHex(id)} is already stored`);
        }
        await this.vault.put(k, this.vault.seal(k, plain));
      });
    } finally {
      plain.fill(0);
    }
  }

  /**
   * Takes a presignature for its one use by `signers`: deletes it and records it as used in one batch, then
   * checks that `signers` are exactly the ones it was made with (indices and peer ids) and returns it. Throws
   * `PRESIGNATURE_USED` if it was taken before, `NOT_FOUND` if it never existed, `PRESIGNATURE_SIGNERS` if
   * the signer set differs (the presignature is used up all the same: it is never offered again).
   */
  async take(keyId: Uint8Array, id: Uint8Array, signers: readonly PresignatureSigner[]): Promise<Presignature> {
    const stored = await this.vault.lock.run(`presig/${toHex(keyId)}`, () => this.consume(keyId, id, []));
    return checkSigners(id, stored, signers);
  }

  /**
   * {@link take} for the signing of session `sessionId`, and that session id marked used for the key in the same
   * fsynced batch (one disk write on the online path instead of two). Throws `SESSION_REPLAYED` when the session
   * id was accepted before (nothing changes), else as {@link take} (`NOT_FOUND` and `PRESIGNATURE_USED` change
   * nothing; `PRESIGNATURE_SIGNERS` leaves the session id marked and the presignature used up).
   */
  async takeForSession(
    keyId: Uint8Array,
    sessionId: Uint8Array,
    id: Uint8Array,
    signers: readonly PresignatureSigner[],
  ): Promise<Presignature> {
    const mark = recordKey.session(keyId, sessionId);
    // always the session-id lock first, then the presignature lock (markSessionUsed takes only the first)
    const stored = await this.vault.lock.run(`sid/${toHex(keyId)}`, () =>
      this.vault.lock.run(`presig/${toHex(keyId)}`, async () => {
        // the mark and the presignature in one read: this is on every pooled signing's path
        const [marked, sealed] = await this.vault.getMany([mark, recordKey.presig(keyId, id)]);
        if (marked !== undefined) {
          throw new StoreError(
            'SESSION_REPLAYED',
            `session ${toHex(sessionId)} was already used for key ${toHex(keyId)}`,
          );
        }
        return this.consume(
          keyId,
          id,
          [{ type: 'put', key: mark, value: encodeJson({ at: this.vault.now().toISOString() }) }],
          { sealed },
        );
      }),
    );
    return checkSigners(id, stored, signers);
  }

  /**
   * Reads (unless the caller `read` its sealed value already), deletes and marks used the presignature `id`, with
   * `ops` in one batch (the caller holds the lock).
   */
  private async consume(
    keyId: Uint8Array,
    id: Uint8Array,
    ops: readonly BatchOp[],
    read?: { sealed: Uint8Array | undefined },
  ): Promise<Stored> {
    const k = recordKey.presig(keyId, id);
    const usedKey = recordKey.presigUsed(keyId, id);
    const what = `presignature ${toHex(id)}`;
    const sealed = read ? read.sealed : await this.vault.get(k);
    const plain = sealed === undefined ? undefined : this.vault.open(k, sealed, what);
    if (plain === undefined) {
      if (await this.vault.has(usedKey)) {
        throw new StoreError('PRESIGNATURE_USED', `presignature ${toHex(id)} was already used`);
      }
      throw new StoreError('NOT_FOUND', `no presignature ${toHex(id)} for key ${toHex(keyId)}`);
    }
    let stored: Stored;
    try {
      stored = decodePresignature(plain);
    } catch (e) {
      throw new StoreError('CORRUPT_RECORD', `presignature ${toHex(id)} does not decode`, { cause: e });
    } finally {
      plain.fill(0);
    }
    await this.vault.batch([
      ...ops,
      { type: 'del', key: k },
      { type: 'put', key: usedKey, value: encodeJson({ at: this.vault.now().toISOString() }) },
    ]);
    return stored;
  }

  /** The handles (presign session ids) of the stored (untaken) presignatures of `keyId`. */
  async list(keyId: Uint8Array): Promise<Uint8Array[]> {
    const prefix = recordPrefix.presig(keyId);
    const out: Uint8Array[] = [];
    for await (const key of this.vault.keys(prefix)) out.push(fromHex(key.slice(prefix.length)));
    return out;
  }
}
