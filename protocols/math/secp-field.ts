/**
 * The secp256k1 base field (p = 2^256 − 2^32 − 977) for the public-data point code of secp-point.ts and
 * hash-to-curve.ts: field elements are 12 limbs of 22 bits held in a Float64Array (every product and column
 * sum stays below 2^53, so all arithmetic is exact). The unrolled kernels (add, subtract, multiply, square)
 * are generated: secp-field-kernels.gen.ts. Tested against BigInt arithmetic in test/unit/secp-public.test.ts.
 *
 * PUBLIC VALUES ONLY. The operation sequence does not depend on the values, but the carries use `Math.floor`,
 * which V8 compiles with a branch when a result is zero, so the running time depends (slightly) on the data:
 * the review measured it on the former secret-scalar code. Secret scalars go through libsecp256k1 (the suite's
 * curve backend). Why our own field at all: noble's BigInt field costs ~0.6 µs per multiplication here, these
 * functions a fraction of that, and hash to curve and point decoding need thousands of them per pair setup.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToBigInt } from '../common/bytes.js';
import { fmul, fsqr, fsub } from './secp-field-kernels.gen.js';

/**
 * A field element mod p = 2^256 − 2^32 − 977: 12 limbs of radix 2^22 in a Float64Array, value Σ l_i·2^(22i).
 * "Normalised" (what every function returns): limbs in [0, 2^23), value < 2^265, not necessarily < p. With
 * such inputs a product column is at most 12·2^46 < 2^50 and every intermediate is an exact integer in a double.
 */
export type Fe = Float64Array;

export { fadd, fmul, fmulSmall, fsqr, fsub } from './secp-field-kernels.gen.js';

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
