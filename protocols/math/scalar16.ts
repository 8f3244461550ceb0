/**
 * Constant-time arithmetic mod the group order n on 16-bit limbs, for the secret values of the vector OLE
 * where a secret bit selects a summand (Bob's β) or where a reduction mod n would otherwise be a BigInt
 * division: a scalar is 16 little-endian limbs of 16 bits in an Int32Array, accumulators carry a 17th limb.
 *
 * Why not BigInt: V8's BigInt operations take shortcuts on small values (multiplying by 0n or 1n costs a
 * tenth of a full product), so `β·ã` with β ∈ {0n, 1n} leaks β's Hamming weight, and the length of every
 * intermediate follows its value. Here every operation is a 32-bit integer operation written so that V8
 * compiles it without speculation checks that could branch on a value (products are `Math.imul`, sums are
 * truncated with `| 0`), a secret bit only ever becomes a mask (`−β` = 0 or all ones), and the sequence of
 * operations is the same for every value. Secrets allowed. Tested against BigInt in test/unit/scalar-limbs.test.ts.
 */

/** Limbs of a reduced scalar. */
export const SCALAR_LIMBS = 16;
/** Limbs of an accumulator (a 17th limb holds what lies at and above 2^256). */
export const ACC_LIMBS = 17;

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function limbsOf(x: bigint, count: number): Int32Array {
  const out = new Int32Array(count);
  for (let k = 0; k < count; k++) out[k] = Number((x >> BigInt(16 * k)) & 0xffffn);
  return out;
}

/** n in limbs. */
const N16 = limbsOf(N, SCALAR_LIMBS);
/** 2^256 − n (129 bits) in limbs: 2^256 ≡ this (mod n). */
const C16 = limbsOf((1n << 256n) - N, 9);

/** Writes the 8 big-endian 32-bit words at `words[off..]` (a SHA-256 digest) as 16 limbs at `out[at..]`. */
export function limbsOfWordsBE(words: Int32Array, off: number, out: Int32Array, at: number): void {
  for (let w = 0; w < 8; w++) {
    const v = words[off + w] as number;
    const k = at + 2 * (7 - w);
    out[k] = v & 0xffff;
    out[k + 1] = v >>> 16;
  }
}

/** Writes the 32 big-endian bytes at `bytes[off..]` as 16 limbs at `out[at..]`. */
export function limbsOfBytesBE(bytes: Uint8Array, off: number, out: Int32Array, at: number): void {
  for (let k = 0; k < SCALAR_LIMBS; k++) {
    const o = off + 30 - 2 * k;
    out[at + k] = ((bytes[o] as number) << 8) | (bytes[o + 1] as number);
  }
}

const SB = new Uint8Array(32);
const SBV = new DataView(SB.buffer);
/**
 * Writes a scalar x ∈ [0, 2^256) as 16 limbs at `out[at..]`. The bigint is split with the same four
 * fixed-width writes for every value (its running time follows only the number of 64-bit digits of x).
 */
export function limbsOfScalar(x: bigint, out: Int32Array, at: number): void {
  SBV.setBigUint64(0, x >> 192n, false);
  SBV.setBigUint64(8, x >> 128n, false);
  SBV.setBigUint64(16, x >> 64n, false);
  SBV.setBigUint64(24, x, false);
  limbsOfBytesBE(SB, 0, out, at);
  SB.fill(0);
}

/**
 * Carries the 17 limbs at `x[at..]` (each |limb| < 2^30, total value non-negative) so that limbs 0..15 lie in
 * [0, 2^16) and limb 16 holds the rest.
 */
export function carry(x: Int32Array, at: number): void {
  let c = 0;
  for (let k = 0; k < SCALAR_LIMBS; k++) {
    const v = ((x[at + k] as number) + c) | 0;
    x[at + k] = v & 0xffff;
    c = v >> 16; // arithmetic shift: floor division, also for a negative sum
  }
  x[at + SCALAR_LIMBS] = ((x[at + SCALAR_LIMBS] as number) + c) | 0;
}

/** Adds `hi·(2^256 − n)` into limbs 0..8 at `x[at..]` and carries (hi small and non-negative). */
function fold(x: Int32Array, at: number, hi: number): void {
  for (let k = 0; k < 9; k++) x[at + k] = ((x[at + k] as number) + Math.imul(hi, C16[k] as number)) | 0;
  x[at + SCALAR_LIMBS] = 0;
  carry(x, at);
}

/**
 * Reduces the accumulator at `x[at..]` (17 limbs, each |limb| < 2^30, value in [0, 2^270)) mod n into 16
 * canonical limbs at `out[outAt..]` (`x` is overwritten). Two folds of the bits above 2^256, then one masked
 * subtraction of n: the same operations for every value.
 */
export function reduce(x: Int32Array, at: number, out: Int32Array, outAt: number): void {
  carry(x, at);
  fold(x, at, x[at + SCALAR_LIMBS] as number); // value < 2^256 + 2^143
  fold(x, at, x[at + SCALAR_LIMBS] as number); // value < 2^256 (a second carry out is impossible)
  let borrow = 0;
  for (let k = 0; k < SCALAR_LIMBS; k++) {
    const d = ((x[at + k] as number) - (N16[k] as number) + borrow) | 0;
    T[k] = d & 0xffff;
    borrow = d >> 16; // 0 or −1
  }
  // borrow = −1 (all ones) when x < n: keep x; else take x − n
  for (let k = 0; k < SCALAR_LIMBS; k++) {
    out[outAt + k] = ((x[at + k] as number) & borrow) | ((T[k] as number) & ~borrow);
  }
}
const T = new Int32Array(SCALAR_LIMBS);

/** Writes 16 canonical limbs at `src[at..]` as 32 big-endian bytes at `out[off..]`. */
export function bytesOfLimbs(src: Int32Array, at: number, out: Uint8Array, off: number): void {
  for (let k = 0; k < SCALAR_LIMBS; k++) {
    const v = src[at + k] as number;
    const o = off + 30 - 2 * k;
    out[o] = (v >>> 8) & 0xff;
    out[o + 1] = v & 0xff;
  }
}

const PB = new DataView(new ArrayBuffer(40));
/**
 * The bigint of the 17 carried limbs at `src[at..]` (limbs 0..15 in [0, 2^16), limb 16 in [0, 2^16)), built
 * with the same five 64-bit reads, shifts and ors for every value.
 */
export function bigIntOfLimbs(src: Int32Array, at: number): bigint {
  for (let q = 0; q < 4; q++) {
    const k = at + 4 * q;
    PB.setUint32(32 - 8 * q, (((src[k + 3] as number) << 16) | (src[k + 2] as number)) >>> 0, false);
    PB.setUint32(36 - 8 * q, (((src[k + 1] as number) << 16) | (src[k] as number)) >>> 0, false);
  }
  PB.setUint32(0, 0, false);
  PB.setUint32(4, (src[at + 16] as number) >>> 0, false);
  const v =
    (PB.getBigUint64(0, false) << 256n) |
    (PB.getBigUint64(8, false) << 192n) |
    (PB.getBigUint64(16, false) << 128n) |
    (PB.getBigUint64(24, false) << 64n) |
    PB.getBigUint64(32, false);
  for (let i = 0; i < 40; i += 4) PB.setUint32(i, 0);
  return v;
}
