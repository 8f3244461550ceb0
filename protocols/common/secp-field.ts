/**
 * Constant-time arithmetic in the secp256k1 base field (p = 2^256 − 2^32 − 977) for the fast point code of
 * secp-point.ts and hash-to-curve.ts: field elements are 12 limbs of 22 bits held in a Float64Array (every
 * product and column sum stays below 2^53, so all arithmetic is exact). Every function runs the same operations
 * for every value (no branch, loop count or memory index depends on a limb), except the helpers marked as being
 * for constants, tests or public values. Tested against BigInt arithmetic in test/unit/secp-fast.test.ts.
 *
 * Why our own arithmetic: noble's BigInt field costs ~0.6 µs per multiplication on this class of machine; these
 * functions cost a small fraction of that.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToBigInt } from './bytes.js';

/**
 * A field element mod p = 2^256 − 2^32 − 977: 12 limbs of radix 2^22 in a Float64Array, value Σ l_i·2^(22i).
 * "Normalised" (what every function returns): limbs in [0, 2^23), value < 2^265, not necessarily < p. With
 * such inputs a product column is at most 12·2^46 < 2^50 and every intermediate is an exact integer in a double.
 */
export type Fe = Float64Array;

const R = 4194304; // 2^22
const RI = 1 / R;
const C0 = 250112; // 2^264 ≡ 2^40 + 977·2^8 (mod p): the low part
const C1 = 262144; // … and 2^40 = 2^18 · 2^22: the high part, one limb up
/** The field prime p. */
export const P_BIG: bigint = secp256k1.Point.Fp.ORDER;

/** A new zero field element. */
export function feNew(): Fe {
  return new Float64Array(12);
}

/** The field element of a bigint in [0, 2^266) (for constants and tests; not constant time). */
export function feFromBig(x: bigint): Fe {
  const o = feNew();
  let v = x;
  for (let i = 0; i < 11; i++) {
    o[i] = Number(v & 0x3fffffn);
    v >>= 22n;
  }
  o[11] = Number(v); // the top limb takes every remaining bit (2^10·p needs 24 of them)
  return o;
}

/** The canonical bigint value (< p) of a field element (for tests and public values). */
export function feToBig(a: Fe): bigint {
  const c = feNew();
  feCanon(c, a);
  let v = 0n;
  for (let i = 11; i >= 0; i--) v = (v << 22n) | BigInt(c[i] as number);
  return v;
}

const P_FE = feFromBig(P_BIG);
/** The field element 1 (read only). */
export const ONE: Fe = feFromBig(1n);
/** The field element 0 (read only). */
export const ZERO: Fe = feNew();

/** Carries an element with exact integer limbs (|l| < 2^45, value in [0, 2^270)) back to normalised form. */
function feNormalize(o: Fe): void {
  let c = 0;
  for (let i = 0; i < 11; i++) {
    const v = (o[i] as number) + c;
    c = Math.floor(v * RI);
    o[i] = v - c * R;
  }
  let v = (o[11] as number) + c;
  c = Math.floor(v * RI);
  o[11] = v - c * R;
  o[0] = (o[0] as number) + c * C0;
  o[1] = (o[1] as number) + c * C1;
  c = 0;
  for (let i = 0; i < 11; i++) {
    const u = (o[i] as number) + c;
    c = Math.floor(u * RI);
    o[i] = u - c * R;
  }
  v = (o[11] as number) + c;
  c = Math.floor(v * RI); // 0 or 1 here
  o[11] = v - c * R;
  o[0] = (o[0] as number) + c * C0;
  o[1] = (o[1] as number) + c * C1;
}

// fadd, fsub and fmulSmall are written out (one carry pass over locals, the carry out of the top limb folded
// back with 2^264 ≡ 2^40 + 250112): inputs normalised, so the value stays below 2^268, that carry is below 16
// and the result is normalised again.
/** `o = a + b`. */
export function fadd(o: Fe, a: Fe, b: Fe): void {
  let l0 = (a[0] as number) + (b[0] as number);
  let l1 = (a[1] as number) + (b[1] as number);
  let l2 = (a[2] as number) + (b[2] as number);
  let l3 = (a[3] as number) + (b[3] as number);
  let l4 = (a[4] as number) + (b[4] as number);
  let l5 = (a[5] as number) + (b[5] as number);
  let l6 = (a[6] as number) + (b[6] as number);
  let l7 = (a[7] as number) + (b[7] as number);
  let l8 = (a[8] as number) + (b[8] as number);
  let l9 = (a[9] as number) + (b[9] as number);
  let l10 = (a[10] as number) + (b[10] as number);
  let l11 = (a[11] as number) + (b[11] as number);
  let c = Math.floor(l0 * RI);
  l0 -= c * R;
  l1 += c;
  c = Math.floor(l1 * RI);
  l1 -= c * R;
  l2 += c;
  c = Math.floor(l2 * RI);
  l2 -= c * R;
  l3 += c;
  c = Math.floor(l3 * RI);
  l3 -= c * R;
  l4 += c;
  c = Math.floor(l4 * RI);
  l4 -= c * R;
  l5 += c;
  c = Math.floor(l5 * RI);
  l5 -= c * R;
  l6 += c;
  c = Math.floor(l6 * RI);
  l6 -= c * R;
  l7 += c;
  c = Math.floor(l7 * RI);
  l7 -= c * R;
  l8 += c;
  c = Math.floor(l8 * RI);
  l8 -= c * R;
  l9 += c;
  c = Math.floor(l9 * RI);
  l9 -= c * R;
  l10 += c;
  c = Math.floor(l10 * RI);
  l10 -= c * R;
  l11 += c;
  c = Math.floor(l11 * RI);
  l11 -= c * R;
  o[0] = l0 + c * C0;
  o[1] = l1 + c * C1;
  o[2] = l2;
  o[3] = l3;
  o[4] = l4;
  o[5] = l5;
  o[6] = l6;
  o[7] = l7;
  o[8] = l8;
  o[9] = l9;
  o[10] = l10;
  o[11] = l11;
}

/** `o = a − b` (adds 2^10·p, a multiple of p above every normalised value, so the total stays non-negative). */
export function fsub(o: Fe, a: Fe, b: Fe): void {
  let l0 = (a[0] as number) - (b[0] as number) + K0;
  let l1 = (a[1] as number) - (b[1] as number) + K1;
  let l2 = (a[2] as number) - (b[2] as number) + K2;
  let l3 = (a[3] as number) - (b[3] as number) + K3;
  let l4 = (a[4] as number) - (b[4] as number) + K4;
  let l5 = (a[5] as number) - (b[5] as number) + K5;
  let l6 = (a[6] as number) - (b[6] as number) + K6;
  let l7 = (a[7] as number) - (b[7] as number) + K7;
  let l8 = (a[8] as number) - (b[8] as number) + K8;
  let l9 = (a[9] as number) - (b[9] as number) + K9;
  let l10 = (a[10] as number) - (b[10] as number) + K10;
  let l11 = (a[11] as number) - (b[11] as number) + K11;
  let c = Math.floor(l0 * RI);
  l0 -= c * R;
  l1 += c;
  c = Math.floor(l1 * RI);
  l1 -= c * R;
  l2 += c;
  c = Math.floor(l2 * RI);
  l2 -= c * R;
  l3 += c;
  c = Math.floor(l3 * RI);
  l3 -= c * R;
  l4 += c;
  c = Math.floor(l4 * RI);
  l4 -= c * R;
  l5 += c;
  c = Math.floor(l5 * RI);
  l5 -= c * R;
  l6 += c;
  c = Math.floor(l6 * RI);
  l6 -= c * R;
  l7 += c;
  c = Math.floor(l7 * RI);
  l7 -= c * R;
  l8 += c;
  c = Math.floor(l8 * RI);
  l8 -= c * R;
  l9 += c;
  c = Math.floor(l9 * RI);
  l9 -= c * R;
  l10 += c;
  c = Math.floor(l10 * RI);
  l10 -= c * R;
  l11 += c;
  c = Math.floor(l11 * RI);
  l11 -= c * R;
  o[0] = l0 + c * C0;
  o[1] = l1 + c * C1;
  o[2] = l2;
  o[3] = l3;
  o[4] = l4;
  o[5] = l5;
  o[6] = l6;
  o[7] = l7;
  o[8] = l8;
  o[9] = l9;
  o[10] = l10;
  o[11] = l11;
}

/** `o = k·a` for a small non-negative integer k (≤ 8, so the value stays below 2^268). */
export function fmulSmall(o: Fe, a: Fe, k: number): void {
  let l0 = (a[0] as number) * k;
  let l1 = (a[1] as number) * k;
  let l2 = (a[2] as number) * k;
  let l3 = (a[3] as number) * k;
  let l4 = (a[4] as number) * k;
  let l5 = (a[5] as number) * k;
  let l6 = (a[6] as number) * k;
  let l7 = (a[7] as number) * k;
  let l8 = (a[8] as number) * k;
  let l9 = (a[9] as number) * k;
  let l10 = (a[10] as number) * k;
  let l11 = (a[11] as number) * k;
  let c = Math.floor(l0 * RI);
  l0 -= c * R;
  l1 += c;
  c = Math.floor(l1 * RI);
  l1 -= c * R;
  l2 += c;
  c = Math.floor(l2 * RI);
  l2 -= c * R;
  l3 += c;
  c = Math.floor(l3 * RI);
  l3 -= c * R;
  l4 += c;
  c = Math.floor(l4 * RI);
  l4 -= c * R;
  l5 += c;
  c = Math.floor(l5 * RI);
  l5 -= c * R;
  l6 += c;
  c = Math.floor(l6 * RI);
  l6 -= c * R;
  l7 += c;
  c = Math.floor(l7 * RI);
  l7 -= c * R;
  l8 += c;
  c = Math.floor(l8 * RI);
  l8 -= c * R;
  l9 += c;
  c = Math.floor(l9 * RI);
  l9 -= c * R;
  l10 += c;
  c = Math.floor(l10 * RI);
  l10 -= c * R;
  l11 += c;
  c = Math.floor(l11 * RI);
  l11 -= c * R;
  o[0] = l0 + c * C0;
  o[1] = l1 + c * C1;
  o[2] = l2;
  o[3] = l3;
  o[4] = l4;
  o[5] = l5;
  o[6] = l6;
  o[7] = l7;
  o[8] = l8;
  o[9] = l9;
  o[10] = l10;
  o[11] = l11;
}
const [K0, K1, K2, K3, K4, K5, K6, K7, K8, K9, K10, K11] = Array.from(feFromBig(P_BIG << 10n)) as [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

/** `o = flag ? b : a` for flag ∈ {0, 1}, by arithmetic (no branch on the flag). */
export function fselect(o: Fe, a: Fe, b: Fe, flag: number): void {
  for (let i = 0; i < 12; i++) {
    const x = a[i] as number;
    o[i] = x + flag * ((b[i] as number) - x);
  }
}

/** The canonical representative (< p) of `a`, limbs in [0, 2^22); the same operations for every value. */
export function feCanon(o: Fe, a: Fe): void {
  if (o !== a) o.set(a);
  feNormalize(o);
  for (let round = 0; round < 2; round++) {
    // fold the bits at and above 2^256 (bit 14 of limb 11): 2^256 ≡ 2^32 + 977 = 2^10·2^22 + 977
    let c = 0;
    for (let i = 0; i < 11; i++) {
      const v = (o[i] as number) + c;
      c = Math.floor(v * RI);
      o[i] = v - c * R;
    }
    const top = (o[11] as number) + c;
    const hi = Math.floor(top / 16384);
    o[11] = top - hi * 16384;
    o[0] = (o[0] as number) + hi * 977;
    o[1] = (o[1] as number) + hi * 1024;
  }
  // now value < 2^256 + 2^33 with limbs possibly one carry off: settle, then subtract p if value ≥ p
  let c = 0;
  for (let i = 0; i < 12; i++) {
    const v = (o[i] as number) + c;
    c = i < 11 ? Math.floor(v * RI) : 0;
    o[i] = v - c * R;
  }
  const t = SCR_CANON;
  c = 0;
  for (let i = 0; i < 12; i++) {
    const v = (o[i] as number) - (P_FE[i] as number) + c;
    c = i < 11 ? Math.floor(v * RI) : 0;
    t[i] = v - c * R;
  }
  const geP = +((t[11] as number) >= 0);
  fselect(o, o, t, geP);
}
const SCR_CANON = feNew();

/** 1 when `a ≡ 0 (mod p)`, else 0 (no early exit). */
export function feIsZero(a: Fe): number {
  const c = SCR_ISZ;
  feCanon(c, a);
  let acc = 0;
  for (let i = 0; i < 12; i++) acc |= c[i] as number;
  return +(acc === 0);
}
const SCR_ISZ = feNew();

/** 1 when `a ≡ b (mod p)`, else 0. */
export function feEq(a: Fe, b: Fe): number {
  const d = SCR_EQ;
  fsub(d, a, b);
  return feIsZero(d);
}
const SCR_EQ = feNew();

/** Parity (sgn0) of the canonical value. */
export function feParity(a: Fe): number {
  const c = SCR_PAR;
  feCanon(c, a);
  return (c[0] as number) & 1;
}
const SCR_PAR = feNew();

/** Writes the canonical value as 32 big-endian bytes at `out[off..off+32)`. */
export function feToBytes(a: Fe, out: Uint8Array, off: number): void {
  const c = SCR_TB;
  feCanon(c, a);
  let acc = 0;
  let nbits = 0;
  let k = 0;
  for (let i = 0; i < 12; i++) {
    acc |= (c[i] as number) << nbits; // nbits ≤ 7, limb < 2^22: fits in 29 bits
    nbits += 22;
    while (nbits >= 8 && k < 32) {
      out[off + 31 - k] = acc & 0xff;
      acc >>>= 8;
      nbits -= 8;
      k++;
    }
  }
}
const SCR_TB = feNew();

/** Reads 32 big-endian bytes (any value < 2^256) into `o`. */
export function feFromBytes(o: Fe, bytes: Uint8Array, off: number): void {
  let acc = 0;
  let nbits = 0;
  let limb = 0;
  for (let k = 0; k < 32; k++) {
    acc |= (bytes[off + 31 - k] as number) << nbits;
    nbits += 8;
    if (nbits >= 22) {
      o[limb++] = acc & 0x3fffff;
      acc >>>= 22;
      nbits -= 22;
    }
  }
  o[limb] = acc;
}

/** True when the 32 big-endian bytes at `off` encode a value < p (public inputs only). */
export function bytesBelowP(bytes: Uint8Array, off: number): boolean {
  return bytesToBigInt(bytes.subarray(off, off + 32)) < P_BIG;
}

// The two functions below are the schoolbook product written out in full (an unrolled loop is several times
// faster in V8 than an indexed one): 23 column sums a_i·b_j, carried to 24 limbs of 22 bits, the limbs at
// 2^264 and above folded down with 2^264 ≡ 2^40 + 250112 (mod p), carried again, folded once more.
/** `o = a·b` (o may alias a or b). */
export function fmul(o: Fe, a: Fe, b: Fe): void {
  const a0 = a[0] as number,
    a1 = a[1] as number,
    a2 = a[2] as number,
    a3 = a[3] as number,
    a4 = a[4] as number,
    a5 = a[5] as number,
    a6 = a[6] as number,
    a7 = a[7] as number,
    a8 = a[8] as number,
    a9 = a[9] as number,
    a10 = a[10] as number,
    a11 = a[11] as number;
  const b0 = b[0] as number,
    b1 = b[1] as number,
    b2 = b[2] as number,
    b3 = b[3] as number,
    b4 = b[4] as number,
    b5 = b[5] as number,
    b6 = b[6] as number,
    b7 = b[7] as number,
    b8 = b[8] as number,
    b9 = b[9] as number,
    b10 = b[10] as number,
    b11 = b[11] as number;
  let t0 = a0 * b0;
  let t1 = a0 * b1 + a1 * b0;
  let t2 = a0 * b2 + a1 * b1 + a2 * b0;
  let t3 = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
  let t4 = a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0;
  let t5 = a0 * b5 + a1 * b4 + a2 * b3 + a3 * b2 + a4 * b1 + a5 * b0;
  let t6 = a0 * b6 + a1 * b5 + a2 * b4 + a3 * b3 + a4 * b2 + a5 * b1 + a6 * b0;
  let t7 = a0 * b7 + a1 * b6 + a2 * b5 + a3 * b4 + a4 * b3 + a5 * b2 + a6 * b1 + a7 * b0;
  let t8 = a0 * b8 + a1 * b7 + a2 * b6 + a3 * b5 + a4 * b4 + a5 * b3 + a6 * b2 + a7 * b1 + a8 * b0;
  let t9 = a0 * b9 + a1 * b8 + a2 * b7 + a3 * b6 + a4 * b5 + a5 * b4 + a6 * b3 + a7 * b2 + a8 * b1 + a9 * b0;
  let t10 =
    a0 * b10 + a1 * b9 + a2 * b8 + a3 * b7 + a4 * b6 + a5 * b5 + a6 * b4 + a7 * b3 + a8 * b2 + a9 * b1 + a10 * b0;
  let t11 =
    a0 * b11 +
    a1 * b10 +
    a2 * b9 +
    a3 * b8 +
    a4 * b7 +
    a5 * b6 +
    a6 * b5 +
    a7 * b4 +
    a8 * b3 +
    a9 * b2 +
    a10 * b1 +
    a11 * b0;
  let t12 =
    a1 * b11 + a2 * b10 + a3 * b9 + a4 * b8 + a5 * b7 + a6 * b6 + a7 * b5 + a8 * b4 + a9 * b3 + a10 * b2 + a11 * b1;
  let t13 = a2 * b11 + a3 * b10 + a4 * b9 + a5 * b8 + a6 * b7 + a7 * b6 + a8 * b5 + a9 * b4 + a10 * b3 + a11 * b2;
  let t14 = a3 * b11 + a4 * b10 + a5 * b9 + a6 * b8 + a7 * b7 + a8 * b6 + a9 * b5 + a10 * b4 + a11 * b3;
  let t15 = a4 * b11 + a5 * b10 + a6 * b9 + a7 * b8 + a8 * b7 + a9 * b6 + a10 * b5 + a11 * b4;
  let t16 = a5 * b11 + a6 * b10 + a7 * b9 + a8 * b8 + a9 * b7 + a10 * b6 + a11 * b5;
  let t17 = a6 * b11 + a7 * b10 + a8 * b9 + a9 * b8 + a10 * b7 + a11 * b6;
  let t18 = a7 * b11 + a8 * b10 + a9 * b9 + a10 * b8 + a11 * b7;
  let t19 = a8 * b11 + a9 * b10 + a10 * b9 + a11 * b8;
  let t20 = a9 * b11 + a10 * b10 + a11 * b9;
  let t21 = a10 * b11 + a11 * b10;
  let t22 = a11 * b11;
  let c = 0;
  c = Math.floor(t0 * RI);
  t0 -= c * R;
  t1 += c;
  c = Math.floor(t1 * RI);
  t1 -= c * R;
  t2 += c;
  c = Math.floor(t2 * RI);
  t2 -= c * R;
  t3 += c;
  c = Math.floor(t3 * RI);
  t3 -= c * R;
  t4 += c;
  c = Math.floor(t4 * RI);
  t4 -= c * R;
  t5 += c;
  c = Math.floor(t5 * RI);
  t5 -= c * R;
  t6 += c;
  c = Math.floor(t6 * RI);
  t6 -= c * R;
  t7 += c;
  c = Math.floor(t7 * RI);
  t7 -= c * R;
  t8 += c;
  c = Math.floor(t8 * RI);
  t8 -= c * R;
  t9 += c;
  c = Math.floor(t9 * RI);
  t9 -= c * R;
  t10 += c;
  c = Math.floor(t10 * RI);
  t10 -= c * R;
  t11 += c;
  c = Math.floor(t11 * RI);
  t11 -= c * R;
  t12 += c;
  c = Math.floor(t12 * RI);
  t12 -= c * R;
  t13 += c;
  c = Math.floor(t13 * RI);
  t13 -= c * R;
  t14 += c;
  c = Math.floor(t14 * RI);
  t14 -= c * R;
  t15 += c;
  c = Math.floor(t15 * RI);
  t15 -= c * R;
  t16 += c;
  c = Math.floor(t16 * RI);
  t16 -= c * R;
  t17 += c;
  c = Math.floor(t17 * RI);
  t17 -= c * R;
  t18 += c;
  c = Math.floor(t18 * RI);
  t18 -= c * R;
  t19 += c;
  c = Math.floor(t19 * RI);
  t19 -= c * R;
  t20 += c;
  c = Math.floor(t20 * RI);
  t20 -= c * R;
  t21 += c;
  c = Math.floor(t21 * RI);
  t21 -= c * R;
  t22 += c;
  c = Math.floor(t22 * RI);
  t22 -= c * R;
  const t23 = c;
  let r0 = t0 + C0 * t12;
  let r1 = t1 + C0 * t13 + C1 * t12;
  let r2 = t2 + C0 * t14 + C1 * t13;
  let r3 = t3 + C0 * t15 + C1 * t14;
  let r4 = t4 + C0 * t16 + C1 * t15;
  let r5 = t5 + C0 * t17 + C1 * t16;
  let r6 = t6 + C0 * t18 + C1 * t17;
  let r7 = t7 + C0 * t19 + C1 * t18;
  let r8 = t8 + C0 * t20 + C1 * t19;
  let r9 = t9 + C0 * t21 + C1 * t20;
  let r10 = t10 + C0 * t22 + C1 * t21;
  let r11 = t11 + C0 * t23 + C1 * t22;
  let w = C1 * t23;
  c = Math.floor(r0 * RI);
  r0 -= c * R;
  r1 += c;
  c = Math.floor(r1 * RI);
  r1 -= c * R;
  r2 += c;
  c = Math.floor(r2 * RI);
  r2 -= c * R;
  r3 += c;
  c = Math.floor(r3 * RI);
  r3 -= c * R;
  r4 += c;
  c = Math.floor(r4 * RI);
  r4 -= c * R;
  r5 += c;
  c = Math.floor(r5 * RI);
  r5 -= c * R;
  r6 += c;
  c = Math.floor(r6 * RI);
  r6 -= c * R;
  r7 += c;
  c = Math.floor(r7 * RI);
  r7 -= c * R;
  r8 += c;
  c = Math.floor(r8 * RI);
  r8 -= c * R;
  r9 += c;
  c = Math.floor(r9 * RI);
  r9 -= c * R;
  r10 += c;
  c = Math.floor(r10 * RI);
  r10 -= c * R;
  r11 += c;
  c = Math.floor(r11 * RI);
  r11 -= c * R;
  w += c;
  const wh = Math.floor(w * RI);
  const wl = w - wh * R;
  r0 += wl * C0;
  r1 += wh * C0 + wl * C1;
  r2 += wh * C1;
  c = Math.floor(r0 * RI);
  r0 -= c * R;
  r1 += c;
  c = Math.floor(r1 * RI);
  r1 -= c * R;
  r2 += c;
  c = Math.floor(r2 * RI);
  r2 -= c * R;
  r3 += c;
  c = Math.floor(r3 * RI);
  r3 -= c * R;
  r4 += c;
  c = Math.floor(r4 * RI);
  r4 -= c * R;
  r5 += c;
  c = Math.floor(r5 * RI);
  r5 -= c * R;
  r6 += c;
  c = Math.floor(r6 * RI);
  r6 -= c * R;
  r7 += c;
  c = Math.floor(r7 * RI);
  r7 -= c * R;
  r8 += c;
  c = Math.floor(r8 * RI);
  r8 -= c * R;
  r9 += c;
  c = Math.floor(r9 * RI);
  r9 -= c * R;
  r10 += c;
  c = Math.floor(r10 * RI);
  r10 -= c * R;
  r11 += c;
  c = Math.floor(r11 * RI);
  r11 -= c * R;
  r0 += c * C0;
  r1 += c * C1;
  o[0] = r0;
  o[1] = r1;
  o[2] = r2;
  o[3] = r3;
  o[4] = r4;
  o[5] = r5;
  o[6] = r6;
  o[7] = r7;
  o[8] = r8;
  o[9] = r9;
  o[10] = r10;
  o[11] = r11;
}

/** `o = a²` (o may alias a). */
export function fsqr(o: Fe, a: Fe): void {
  const a0 = a[0] as number,
    a1 = a[1] as number,
    a2 = a[2] as number,
    a3 = a[3] as number,
    a4 = a[4] as number,
    a5 = a[5] as number,
    a6 = a[6] as number,
    a7 = a[7] as number,
    a8 = a[8] as number,
    a9 = a[9] as number,
    a10 = a[10] as number,
    a11 = a[11] as number;
  let t0 = a0 * a0;
  let t1 = 2 * a0 * a1;
  let t2 = 2 * a0 * a2 + a1 * a1;
  let t3 = 2 * a0 * a3 + 2 * a1 * a2;
  let t4 = 2 * a0 * a4 + 2 * a1 * a3 + a2 * a2;
  let t5 = 2 * a0 * a5 + 2 * a1 * a4 + 2 * a2 * a3;
  let t6 = 2 * a0 * a6 + 2 * a1 * a5 + 2 * a2 * a4 + a3 * a3;
  let t7 = 2 * a0 * a7 + 2 * a1 * a6 + 2 * a2 * a5 + 2 * a3 * a4;
  let t8 = 2 * a0 * a8 + 2 * a1 * a7 + 2 * a2 * a6 + 2 * a3 * a5 + a4 * a4;
  let t9 = 2 * a0 * a9 + 2 * a1 * a8 + 2 * a2 * a7 + 2 * a3 * a6 + 2 * a4 * a5;
  let t10 = 2 * a0 * a10 + 2 * a1 * a9 + 2 * a2 * a8 + 2 * a3 * a7 + 2 * a4 * a6 + a5 * a5;
  let t11 = 2 * a0 * a11 + 2 * a1 * a10 + 2 * a2 * a9 + 2 * a3 * a8 + 2 * a4 * a7 + 2 * a5 * a6;
  let t12 = 2 * a1 * a11 + 2 * a2 * a10 + 2 * a3 * a9 + 2 * a4 * a8 + 2 * a5 * a7 + a6 * a6;
  let t13 = 2 * a2 * a11 + 2 * a3 * a10 + 2 * a4 * a9 + 2 * a5 * a8 + 2 * a6 * a7;
  let t14 = 2 * a3 * a11 + 2 * a4 * a10 + 2 * a5 * a9 + 2 * a6 * a8 + a7 * a7;
  let t15 = 2 * a4 * a11 + 2 * a5 * a10 + 2 * a6 * a9 + 2 * a7 * a8;
  let t16 = 2 * a5 * a11 + 2 * a6 * a10 + 2 * a7 * a9 + a8 * a8;
  let t17 = 2 * a6 * a11 + 2 * a7 * a10 + 2 * a8 * a9;
  let t18 = 2 * a7 * a11 + 2 * a8 * a10 + a9 * a9;
  let t19 = 2 * a8 * a11 + 2 * a9 * a10;
  let t20 = 2 * a9 * a11 + a10 * a10;
  let t21 = 2 * a10 * a11;
  let t22 = a11 * a11;
  let c = 0;
  c = Math.floor(t0 * RI);
  t0 -= c * R;
  t1 += c;
  c = Math.floor(t1 * RI);
  t1 -= c * R;
  t2 += c;
  c = Math.floor(t2 * RI);
  t2 -= c * R;
  t3 += c;
  c = Math.floor(t3 * RI);
  t3 -= c * R;
  t4 += c;
  c = Math.floor(t4 * RI);
  t4 -= c * R;
  t5 += c;
  c = Math.floor(t5 * RI);
  t5 -= c * R;
  t6 += c;
  c = Math.floor(t6 * RI);
  t6 -= c * R;
  t7 += c;
  c = Math.floor(t7 * RI);
  t7 -= c * R;
  t8 += c;
  c = Math.floor(t8 * RI);
  t8 -= c * R;
  t9 += c;
  c = Math.floor(t9 * RI);
  t9 -= c * R;
  t10 += c;
  c = Math.floor(t10 * RI);
  t10 -= c * R;
  t11 += c;
  c = Math.floor(t11 * RI);
  t11 -= c * R;
  t12 += c;
  c = Math.floor(t12 * RI);
  t12 -= c * R;
  t13 += c;
  c = Math.floor(t13 * RI);
  t13 -= c * R;
  t14 += c;
  c = Math.floor(t14 * RI);
  t14 -= c * R;
  t15 += c;
  c = Math.floor(t15 * RI);
  t15 -= c * R;
  t16 += c;
  c = Math.floor(t16 * RI);
  t16 -= c * R;
  t17 += c;
  c = Math.floor(t17 * RI);
  t17 -= c * R;
  t18 += c;
  c = Math.floor(t18 * RI);
  t18 -= c * R;
  t19 += c;
  c = Math.floor(t19 * RI);
  t19 -= c * R;
  t20 += c;
  c = Math.floor(t20 * RI);
  t20 -= c * R;
  t21 += c;
  c = Math.floor(t21 * RI);
  t21 -= c * R;
  t22 += c;
  c = Math.floor(t22 * RI);
  t22 -= c * R;
  const t23 = c;
  let r0 = t0 + C0 * t12;
  let r1 = t1 + C0 * t13 + C1 * t12;
  let r2 = t2 + C0 * t14 + C1 * t13;
  let r3 = t3 + C0 * t15 + C1 * t14;
  let r4 = t4 + C0 * t16 + C1 * t15;
  let r5 = t5 + C0 * t17 + C1 * t16;
  let r6 = t6 + C0 * t18 + C1 * t17;
  let r7 = t7 + C0 * t19 + C1 * t18;
  let r8 = t8 + C0 * t20 + C1 * t19;
  let r9 = t9 + C0 * t21 + C1 * t20;
  let r10 = t10 + C0 * t22 + C1 * t21;
  let r11 = t11 + C0 * t23 + C1 * t22;
  let w = C1 * t23;
  c = Math.floor(r0 * RI);
  r0 -= c * R;
  r1 += c;
  c = Math.floor(r1 * RI);
  r1 -= c * R;
  r2 += c;
  c = Math.floor(r2 * RI);
  r2 -= c * R;
  r3 += c;
  c = Math.floor(r3 * RI);
  r3 -= c * R;
  r4 += c;
  c = Math.floor(r4 * RI);
  r4 -= c * R;
  r5 += c;
  c = Math.floor(r5 * RI);
  r5 -= c * R;
  r6 += c;
  c = Math.floor(r6 * RI);
  r6 -= c * R;
  r7 += c;
  c = Math.floor(r7 * RI);
  r7 -= c * R;
  r8 += c;
  c = Math.floor(r8 * RI);
  r8 -= c * R;
  r9 += c;
  c = Math.floor(r9 * RI);
  r9 -= c * R;
  r10 += c;
  c = Math.floor(r10 * RI);
  r10 -= c * R;
  r11 += c;
  c = Math.floor(r11 * RI);
  r11 -= c * R;
  w += c;
  const wh = Math.floor(w * RI);
  const wl = w - wh * R;
  r0 += wl * C0;
  r1 += wh * C0 + wl * C1;
  r2 += wh * C1;
  c = Math.floor(r0 * RI);
  r0 -= c * R;
  r1 += c;
  c = Math.floor(r1 * RI);
  r1 -= c * R;
  r2 += c;
  c = Math.floor(r2 * RI);
  r2 -= c * R;
  r3 += c;
  c = Math.floor(r3 * RI);
  r3 -= c * R;
  r4 += c;
  c = Math.floor(r4 * RI);
  r4 -= c * R;
  r5 += c;
  c = Math.floor(r5 * RI);
  r5 -= c * R;
  r6 += c;
  c = Math.floor(r6 * RI);
  r6 -= c * R;
  r7 += c;
  c = Math.floor(r7 * RI);
  r7 -= c * R;
  r8 += c;
  c = Math.floor(r8 * RI);
  r8 -= c * R;
  r9 += c;
  c = Math.floor(r9 * RI);
  r9 -= c * R;
  r10 += c;
  c = Math.floor(r10 * RI);
  r10 -= c * R;
  r11 += c;
  c = Math.floor(r11 * RI);
  r11 -= c * R;
  r0 += c * C0;
  r1 += c * C1;
  o[0] = r0;
  o[1] = r1;
  o[2] = r2;
  o[3] = r3;
  o[4] = r4;
  o[5] = r5;
  o[6] = r6;
  o[7] = r7;
  o[8] = r8;
  o[9] = r9;
  o[10] = r10;
  o[11] = r11;
}
// ---- end of generated code ----

/** `o = a^(2^n)`. */
export function fsqrN(o: Fe, a: Fe, n: number): void {
  if (o !== a) o.set(a);
  for (let i = 0; i < n; i++) fsqr(o, o);
}

const CH = Array.from({ length: 8 }, feNew);
/**
 * The common head of the exponentiation chains (libsecp256k1's addition chain): returns t = a^e with
 * e = (2^223 − 1)·2^23 + 2^22 − 1, and x2 = a^3 in `CH[1]`.
 */
function chainHead(a: Fe): Fe {
  const [t, x2, x3, x6, x22, x44, x88, tmp] = CH as [Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe];
  fsqr(tmp, a);
  fmul(x2, tmp, a);
  fsqr(tmp, x2);
  fmul(x3, tmp, a);
  fsqrN(tmp, x3, 3);
  fmul(x6, tmp, x3);
  fsqrN(tmp, x6, 3);
  fmul(tmp, tmp, x3); // x9
  fsqrN(tmp, tmp, 2);
  fmul(t, tmp, x2); // x11
  fsqrN(tmp, t, 11);
  fmul(x22, tmp, t);
  fsqrN(tmp, x22, 22);
  fmul(x44, tmp, x22);
  fsqrN(tmp, x44, 44);
  fmul(x88, tmp, x44);
  fsqrN(tmp, x88, 88);
  fmul(tmp, tmp, x88); // x176
  fsqrN(tmp, tmp, 44);
  fmul(tmp, tmp, x44); // x220
  fsqrN(tmp, tmp, 3);
  fmul(tmp, tmp, x3); // x223
  fsqrN(tmp, tmp, 23);
  fmul(t, tmp, x22);
  return t;
}

/** `o = a^((p−3)/4)` (the exponent of the SSWU square-root ratio). */
export function fpowP34(o: Fe, a: Fe): void {
  const t = chainHead(a);
  fsqrN(t, t, 5);
  fmul(t, t, a);
  fsqrN(t, t, 3);
  fmul(o, t, CH[1] as Fe);
}

/** `o = a^(p−2) = a⁻¹` (Fermat; a fixed chain of 255 squarings and 15 multiplications; 0 maps to 0). */
export function finv(o: Fe, a: Fe): void {
  const a0 = SCR_INV;
  a0.set(a);
  fpowP34(o, a0);
  fsqrN(o, o, 2);
  fmul(o, o, a0);
}
const SCR_INV = feNew();

/** `o = a^((p+1)/4)`, the square root of `a` when it has one. */
export function fsqrtCand(o: Fe, a: Fe): void {
  const t = chainHead(a);
  fsqrN(t, t, 6);
  fmul(t, t, CH[1] as Fe);
  fsqrN(o, t, 2);
}
