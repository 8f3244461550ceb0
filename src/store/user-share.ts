/**
 * A delegate party's "user share": its key share sealed under the delegate wrapping key and handed to the caller
 * instead of being stored. The blob leaves the node and comes back for each signing, so it is self-contained
 * (the sealed format carries its version and nonce) and bound to what it is a share of: the AAD context is
 * `len(accountId) (2) ‖ accountId ‖ len(keyId) (2) ‖ keyId ‖ index (1) ‖ publicKey (33, compressed)`, length-
 * prefixed so that no two bindings collide. A share of another account, index or key, or one altered or cut
 * short, does not open.
 */
import type { KeyObject } from 'node:crypto';
import { equalBytes } from '../../protocols/common/bytes.js';
import { decodeKeyShare, encodeKeyShare, type KeyShare } from '../../protocols/dkls23/key-share.js';
import { curveBackend } from '../runtime/curve-backend.js';
import type { MasterKey } from '../runtime/master-key.js';
import { StoreError } from './errors.js';
import { open, seal } from './sealed.js';

/** What a user share is bound to. */
export interface UserShareBinding {
  /** The coordinator's account id (printable ASCII). */
  readonly accountId: string;
  /** The key id of the key share. */
  readonly keyId: Uint8Array;
  /** The key index of the share, 1..255. */
  readonly index: number;
  /** The key's compressed public key (33 bytes). */
  readonly publicKey: Uint8Array;
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** The AAD context of a user share; throws `INVALID_ARGUMENT` for a binding out of bounds. */
export function userShareContext(b: UserShareBinding): Uint8Array {
  if (!/^[\x21-\x7e]{1,255}$/.test(b.accountId)) throw new StoreError('INVALID_ARGUMENT', 'accountId');
  if (b.keyId.length === 0 || b.keyId.length > 0xffff) throw new StoreError('INVALID_ARGUMENT', 'keyId length');
  if (!Number.isInteger(b.index) || b.index < 1 || b.index > 255)
    throw new StoreError('INVALID_ARGUMENT', 'party index');
  if (b.publicKey.length !== 33) throw new StoreError('INVALID_ARGUMENT', 'publicKey must be 33 bytes');
  const account = ascii(b.accountId);
  const out = new Uint8Array(2 + account.length + 2 + b.keyId.length + 1 + 33);
  let at = 0;
  for (const field of [account, b.keyId]) {
    out[at] = field.length >>> 8;
    out[at + 1] = field.length & 0xff;
    out.set(field, at + 2);
    at += 2 + field.length;
  }
  out[at] = b.index;
  out.set(b.publicKey, at + 1);
  return out;
}

/** The binding of `share` for `accountId`. */
export function bindingOf(share: KeyShare, accountId: string): UserShareBinding {
  return { accountId, keyId: share.keyId, index: share.index, publicKey: share.publicKey.toBytes(true) };
}

/** Seals and opens user shares with the delegate wrapping key (an HKDF sub-key of the master key). */
export class UserShareSealer {
  private readonly key: KeyObject;

  /** @param master the node's master key; only its delegate-wrap sub-key is kept */
  constructor(master: MasterKey) {
    this.key = master.subKey('delegateWrap');
  }

  /** Seals `share` for the caller to keep, bound to `accountId` and the share's own key id, index and key. */
  seal(share: KeyShare, accountId: string): Uint8Array {
    const plain = encodeKeyShare(share);
    try {
      return seal(this.key, userShareContext(bindingOf(share, accountId)), plain);
    } finally {
      plain.fill(0); // the encoding holds the secret share; do not leave it for the garbage collector
    }
  }

  /**
   * Opens a blob from {@link seal} for one session, in memory only. Throws {@link StoreError} `DECRYPT_FAILED`
   * if it was sealed under another master key, for another account, key, index or public key, or was altered
   * or cut short.
   */
  open(blob: Uint8Array, binding: UserShareBinding): KeyShare {
    const plain = open(this.key, userShareContext(binding), blob, 'user share');
    let share: KeyShare;
    try {
      share = decodeKeyShare(plain, curveBackend());
    } catch (e) {
      throw new StoreError('CORRUPT_RECORD', 'user share decrypted but does not decode', { cause: e });
    } finally {
      plain.fill(0);
    }
    // Authentication already binds these; checking the decoded fields too costs nothing.
    if (
      !equalBytes(share.keyId, binding.keyId) ||
      share.index !== binding.index ||
      !equalBytes(share.publicKey.toBytes(true), binding.publicKey)
    ) {
      throw new StoreError('CORRUPT_RECORD', 'user share belongs to another key or party index');
    }
    return share;
  }
}
