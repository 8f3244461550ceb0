/**
 * The OT-extension PRG: `PRG(k_i, msid, i)` = the first 80 bytes (640 bits, one per extended OT) of
 * `H(k_i, i, 0) ‖ H(k_i, i, 1) ‖ H(k_i, i, 2)`, with H the fixed-layout tagged SHA-256 of
 * math/midstate-sha256.ts under the tag `kos-prg` and this multiplication's `msid`.
 *
 * Security rests on SHA-256 behaving as a random oracle on these inputs (keyed by a 32-byte base-OT key that
 * never leaves the pair state): the same assumption the KOS proof makes of its PRG. Keys are secret; the hash
 * is constant time.
 */

import { sha256 } from '@noble/hashes/sha2.js';
import { ascii, bytesOfWords } from '../common/bytes.js';
import { tag } from '../common/hash.js';
import { MidstateSha256, readBe } from '../math/midstate-sha256.js';

/** `T` of the PRG: SHA-256 of its tag. */
export const PRG_TAG_HASH: Uint8Array = sha256(ascii(tag('kos-prg')));
/** Output bytes of {@link prg}: 640 bits, one per extended OT. */
export const PRG_BYTES = 80;
/** Little-endian words of one PRG output. */
export const PRG_WORDS = 20;

/**
 * The PRG for all `count` keys of one side: `PRG(k_i, msid, i)` as 20 little-endian words per key into
 * `out[20·i ..]`. `keys` holds the 32-byte keys back to back.
 */
export function prgAll(msid: Uint8Array, keys: Uint8Array, count: number, out: Uint32Array): void {
  const h = new MidstateSha256(PRG_TAG_HASH, msid);
  const field = new Int32Array(8);
  for (let i = 0; i < count; i++) {
    readBe(keys, 32 * i, field, 0, 8);
    h.setFieldWords(field, 0);
    const o = PRG_WORDS * i;
    h.digestLe(i, 0, out, o, 8);
    h.digestLe(i, 1, out, o + 8, 8);
    h.digestLe(i, 2, out, o + 16, 4);
  }
  field.fill(0);
}

/** `PRG(key, msid, index)` as 80 bytes (reference form; the protocol uses {@link prgAll}). */
export function prg(key: Uint8Array, msid: Uint8Array, index: number): Uint8Array {
  if (key.length !== 32) throw new RangeError('prg: key must be 32 bytes');
  const words = new Uint32Array(PRG_WORDS * (index + 1));
  const keys = new Uint8Array(32 * (index + 1));
  keys.set(key, 32 * index);
  prgAll(msid, keys, index + 1, words);
  return bytesOfWords(words.subarray(PRG_WORDS * index));
}
