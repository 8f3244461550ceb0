/**
 * GF(2^128) with the reduction polynomial x^128 + x^7 + x^2 + x + 1 (the OT-extension check field).
 *
 * Bit order, fixed once for the whole engine: a 16-byte block is a little-endian polynomial — bit j of byte i
 * (value `(b[i] >> j) & 1`) is the coefficient of x^(8i+j). In memory an element is 4 Uint32 words, word w
 * holding the coefficients of x^(32w) .. x^(32w+31), bit b of the word being x^(32w+b); this is exactly the
 * little-endian reading of the 16 bytes, so the two views agree byte for byte.
 *
 * Multiplication is constant time in both operands: every bit of the multiplicand selects a row through a
 * mask, never through a branch or a secret-indexed table lookup (the OT check multiplies secret columns by the
 * public χ, so cache-timing tables would leak). For a fixed χ used many times, {@link gfPowerTable} precomputes
 * χ·x^b for b = 0..127 once, and {@link gfMulAcc} then costs 128 masked XORs of 4 words.
 */
import { wordsOfBytes } from '../common/bytes.js';

/** Words in one field element. */
export const GF_WORDS = 4;
/** Bytes in one field element. */
export const GF_BYTES = 16;

/** The low word of x^128 mod the polynomial: x^7 + x^2 + x + 1. */
const REDUCTION = 0x87;

/** Reads a 16-byte block (little-endian polynomial) into 4 words. */
export function gfFromBytes(bytes: Uint8Array, offset = 0): Uint32Array {
  if (offset < 0 || offset + GF_BYTES > bytes.length) throw new RangeError('gfFromBytes: need 16 bytes');
  return wordsOfBytes(bytes.subarray(offset, offset + GF_BYTES));
}

/** Writes 4 words as a 16-byte block (little-endian polynomial). */
export function gfToBytes(a: Uint32Array, aOff = 0): Uint8Array {
  const out = new Uint8Array(GF_BYTES);
  for (let w = 0; w < GF_WORDS; w++) {
    const v = a[aOff + w] as number;
    out[4 * w] = v & 0xff;
    out[4 * w + 1] = (v >>> 8) & 0xff;
    out[4 * w + 2] = (v >>> 16) & 0xff;
    out[4 * w + 3] = v >>> 24;
  }
  return out;
}

/** a·x in place (shift up one bit, fold the carry out of x^127 back with a mask, no branch). */
export function gfMulXInPlace(a: Uint32Array, off = 0): void {
  const a0 = a[off] as number;
  const a1 = a[off + 1] as number;
  const a2 = a[off + 2] as number;
  const a3 = a[off + 3] as number;
  const carry = -(a3 >>> 31); // all ones iff the x^127 coefficient is set
  a[off] = (a0 << 1) ^ (carry & REDUCTION);
  a[off + 1] = (a1 << 1) | (a0 >>> 31);
  a[off + 2] = (a2 << 1) | (a1 >>> 31);
  a[off + 3] = (a3 << 1) | (a2 >>> 31);
}

/**
 * The table of `c·x^b` for b = 0..127 (512 words, row b at words 4b..4b+3). Building it costs 128 shifts; it
 * pays off as soon as `c` multiplies more than one element.
 */
export function gfPowerTable(c: Uint32Array, cOff = 0): Uint32Array {
  const table = new Uint32Array(128 * GF_WORDS);
  const cur = c.slice(cOff, cOff + GF_WORDS);
  for (let b = 0; b < 128; b++) {
    table.set(cur, b * GF_WORDS);
    gfMulXInPlace(cur);
  }
  return table;
}

/**
 * `acc ^= c·y` where `table = gfPowerTable(c)` and `y` is the 4 words at `src[srcOff..]`. Constant time in `y`:
 * each bit of y becomes an all-zeros/all-ones mask over the matching table row.
 */
export function gfMulAcc(table: Uint32Array, src: Uint32Array, srcOff: number, acc: Uint32Array, accOff: number): void {
  let r0 = acc[accOff] as number;
  let r1 = acc[accOff + 1] as number;
  let r2 = acc[accOff + 2] as number;
  let r3 = acc[accOff + 3] as number;
  for (let w = 0; w < GF_WORDS; w++) {
    const y = src[srcOff + w] as number;
    let t = w * 128; // row (32w) starts at word 4·32w
    for (let b = 0; b < 32; b++, t += 4) {
      const m = -((y >>> b) & 1);
      r0 ^= m & (table[t] as number);
      r1 ^= m & (table[t + 1] as number);
      r2 ^= m & (table[t + 2] as number);
      r3 ^= m & (table[t + 3] as number);
    }
  }
  acc[accOff] = r0;
  acc[accOff + 1] = r1;
  acc[accOff + 2] = r2;
  acc[accOff + 3] = r3;
}

/** a·b in GF(2^128) (constant time in both). */
export function gfMul(a: Uint32Array, b: Uint32Array): Uint32Array {
  const acc = new Uint32Array(GF_WORDS);
  gfMulAcc(gfPowerTable(a), b, 0, acc, 0);
  return acc;
}

/** a ⊕ b (field addition). */
export function gfAdd(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(GF_WORDS);
  for (let w = 0; w < GF_WORDS; w++) out[w] = (a[w] as number) ^ (b[w] as number);
  return out;
}
