/**
 * A delegate party's "user share": its key share sealed under the delegate wrapping key and handed to the caller
 * instead of being stored. The blob leaves the node and comes back for each signing, so it is self-contained
 * (the sealed format carries its version and nonce) and bound to its key and party index: the AAD context is
 * `len(keyId) (2 bytes) ‖ keyId ‖ index (1 byte)`, length-prefixed so no two (keyId, index) pairs collide.
 */
import type { KeyObject } from 'node:crypto';
import { equalBytes } from '../../protocols/common/bytes.js';
import { decodeKeyShare, encodeKeyShare, type KeyShare } from '../../protocols/dkls23/key-share.js';
import { curveBackend } from '../runtime/curve-backend.js';
import type { MasterKey } from '../runtime/master-key.js';
import { StoreError } from './errors.js';
import { open, seal } from './sealed.js';

/** The AAD context of a user share. */
export function userShareContext(keyId: Uint8Array, index: number): Uint8Array {
  if (keyId.length === 0 || keyId.length > 0xffff) throw new StoreError('INVALID_ARGUMENT', 'keyId length');
  if (!Number.isInteger(index) || index < 1 || index > 255) throw new StoreError('INVALID_ARGUMENT', 'party index');
  const out = new Uint8Array(2 + keyId.length + 1);
  out[0] = keyId.length >>> 8;
  out[1] = keyId.length & 0xff;
  out.set(keyId, 2);
  out[2 + keyId.length] = index;
  return out;
}

/** Seals and opens user shares with the delegate wrapping key (an HKDF sub-key of the master key). */
export class UserShareSealer {
  private readonly key: KeyObject;

  /** @param master the node's master key; only its delegate-wrap sub-key is kept */
  constructor(master: MasterKey) {
    this.key = master.subKey('delegateWrap');
  }

  /** Seals `share` for the caller to keep; bound to the share's own keyId and index. */
  seal(share: KeyShare): Uint8Array {
    const plain = encodeKeyShare(share);
    try {
      return seal(this.key, userShareContext(share.keyId, share.index), plain);
    } finally {
      plain.fill(0); // the encoding holds the secret share; do not leave it for the garbage collector
    }
  }

  /**
   * Opens a blob from {@link seal} for one session, in memory only. Throws {@link StoreError} `DECRYPT_FAILED`
   * if it was sealed by another node's key, for another key or index, or was altered.
   */
  open(blob: Uint8Array, keyId: Uint8Array, index: number): KeyShare {
    const plain = open(this.key, userShareContext(keyId, index), blob, 'user share');
    let share: KeyShare;
    try {
      share = decodeKeyShare(plain, curveBackend());
    } catch (e) {
      throw new StoreError('CORRUPT_RECORD', 'user share decrypted but does not decode', { cause: e });
    } finally {
      plain.fill(0);
    }
    // Authentication already binds keyId and index; checking the decoded fields too costs nothing.
    if (!equalBytes(share.keyId, keyId) || share.index !== index) {
      throw new StoreError('CORRUPT_RECORD', 'user share belongs to another key or party index');
    }
    return share;
  }
}
