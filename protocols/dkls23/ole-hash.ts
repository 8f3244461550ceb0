/**
 * The hashes of the vector OLE (docs/protocol.md, "The two-party multiplication"), on the fixed-layout tagged SHA-256 of
 * math/midstate-sha256.ts under this multiplication's `msid`:
 * - the pads `Hs(msid, j, row) = (H_hs(row, j, 0), H_hs(row, j, 1), H_hs(row, j, 2))`, three 256-bit values
 *   per OT row (rows are secret: OT outputs);
 * - the gadget `g_j = H_gadget(0^32, j, 0) mod n` (public).
 *
 * 32-byte outputs used mod n (instead of 64 bytes reduced): for v uniform in [0, 2^256), `v mod n` is at
 * statistical distance (2^256 − n)/2^256 < 2^129/2^256 = 2^-127 from uniform on [0, n), because
 * n > 2^256 − 2^129 for secp256k1. Over the 3 × 512 pads of one multiplication the total distance is below
 * 2^-116, and below 2^-114 with the gadget included — far under the statistical security the protocol needs
 * (see protocols/README.md). The pads are not reduced here: callers use them only in arithmetic mod n.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { ascii } from '../common/bytes.js';
import { CURVE_ORDER } from '../common/curve.js';
import { tag } from '../common/hash.js';
import { MidstateSha256, readBe } from '../math/midstate-sha256.js';
import { limbsOfWordsBE as limbs16OfWordsBE, SCALAR_LIMBS } from '../math/scalar16.js';
import { LIMBS, limbsOfWordsBE as limbs22OfWordsBE } from '../math/scalar22.js';

/** `T` of the pads. */
export const HS_TAG_HASH: Uint8Array = sha256(ascii(tag('ole-hs')));
/** `T` of the gadget. */
export const GADGET_TAG_HASH: Uint8Array = sha256(ascii(tag('ole-gadget')));
/** 32-bit words of the three pads of one row. */
export const PAD_WORDS_PER_ROW = 24;

/**
 * The pads of rows 0..count−1: for row j, `Hs(msid, j, row_j ⊕ mask)` as 3 digests of 8 big-endian words
 * into `out[24j ..]`. Rows are 8 little-endian words each (the hashed 32 bytes are their memory bytes); `mask`
 * is 8 words (zeros, or Δ for Alice's second pad). The same code runs for every row and mask.
 */
export function hsRows(msid: Uint8Array, rows: Uint32Array, count: number, mask: Uint32Array, out: Int32Array): void {
  const h = new MidstateSha256(HS_TAG_HASH, msid);
  for (let j = 0; j < count; j++) {
    h.setFieldLeXor(rows, 8 * j, mask, 0);
    const o = PAD_WORDS_PER_ROW * j;
    h.digestWords(j, 0, out, o);
    h.digestWords(j, 1, out, o + 8);
    h.digestWords(j, 2, out, o + 16);
  }
}

/** `Hs(msid, j, row)` for one 32-byte row as three integers (reference form; the protocol uses {@link hsRows}). */
export function hs(msid: Uint8Array, j: number, row: Uint8Array): [bigint, bigint, bigint] {
  if (row.length !== 32) throw new RangeError('hs: row must be 32 bytes');
  const h = new MidstateSha256(HS_TAG_HASH, msid);
  const field = new Int32Array(8);
  readBe(row, 0, field, 0, 8);
  h.setFieldWords(field, 0);
  return [h.digestBigInt(j, 0), h.digestBigInt(j, 1), h.digestBigInt(j, 2)];
}

/** The gadget of one multiplication, as limbs for the two kinds of arithmetic that use it. */
export interface Gadget {
  /** g_0..g_{count−1} (each in [0, n)) as 16 limbs of 16 bits each ({@link SCALAR_LIMBS}), for masked sums. */
  readonly limbs16: Int32Array;
  /** The same values as 12 limbs of 22 bits each (math/scalar22.ts), for products. */
  readonly limbs22: Float64Array;
}

const N_WORDS = Int32Array.from([
  0xffffffff, 0xffffffff, 0xffffffff, 0xfffffffe, 0xbaaedce6, 0xaf48a03b, 0xbfd25e8c, 0xd0364141,
]);

/** Whether the 8 big-endian words at `w[off..]` encode a value ≥ n (public data: early exit is fine). */
function wordsAtLeastN(w: Int32Array, off: number): boolean {
  for (let i = 0; i < 8; i++) {
    const a = (w[off + i] as number) >>> 0;
    const b = (N_WORDS[i] as number) >>> 0;
    if (a !== b) return a > b;
  }
  return true;
}

/**
 * The gadget vector `g_j = H_gadget(0^32, j, 0) mod n`, j < count. Public and fresh per `msid`; Bob's input
 * `b = Σ β_j·g_j` is then within statistical distance 2^-128 of uniform (leftover hash lemma, 512 random bits
 * compressed to 256). Written into `out` when given (fresh arrays by default).
 */
export function gadget(
  msid: Uint8Array,
  count: number,
  out: Gadget = { limbs16: new Int32Array(count * SCALAR_LIMBS), limbs22: new Float64Array(count * LIMBS) },
): Gadget {
  const { limbs16, limbs22 } = out;
  if (limbs16.length !== count * SCALAR_LIMBS || limbs22.length !== count * LIMBS) {
    throw new RangeError('gadget: output lengths');
  }
  const h = new MidstateSha256(GADGET_TAG_HASH, msid);
  const words = new Int32Array(8);
  const l22 = new Int32Array(LIMBS);
  for (let j = 0; j < count; j++) {
    h.digestWords(j, 0, words, 0);
    if (wordsAtLeastN(words, 0)) {
      // probability 2^-128 per element: reduce with bigints (public data)
      const d = [...words].reduce((acc, w) => (acc << 32n) | BigInt(w >>> 0), 0n) - CURVE_ORDER;
      for (let i = 0; i < 8; i++) words[i] = Number((d >> BigInt(32 * (7 - i))) & 0xffffffffn);
    }
    limbs16OfWordsBE(words, 0, limbs16, j * SCALAR_LIMBS);
    limbs22OfWordsBE(words, 0, l22, 0);
    for (let k = 0; k < LIMBS; k++) limbs22[j * LIMBS + k] = l22[k] as number;
  }
  return out;
}
