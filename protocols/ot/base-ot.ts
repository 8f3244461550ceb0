/**
 * Masny–Rindal "endemic" base OT on secp256k1 (256 instances per orientation), used once per node pair by
 * pair setup, together with the fast field and point arithmetic that makes it affordable in JavaScript.
 *
 * Protocol (DKLS23.md, "Pair setup"), for instance k with receiver bit b:
 * - sender (future Bob): secret e, sends E = e·G once for all instances;
 * - receiver (future Alice): random Y_{1−b} = r·G and scalar a, Y_b = a·G − HtC(sid, k, b, Y_{1−b}); sends
 *   (Y_0, Y_1) and keeps key_b = H("ot-key", sid, k, b, Y_0, Y_1, E, a·E);
 * - sender: M_c = Y_c + HtC(sid, k, c, Y_{1−c}), key_c = H("ot-key", sid, k, c, Y_0, Y_1, E, e·M_c).
 * Then M_b = a·G and e·M_b = a·E, while M_{1−b} = r·G + HtC(sid, k, 1−b, Y_b) carries a random-oracle point
 * whose discrete log nobody knows, so key_{1−b} is a CDH value the receiver cannot compute.
 *
 * Why one `e` for both branches and all 256 instances is sound (as in libOTe's batched Masny–Rindal): the
 * receiver's knowledge of M_c's discrete log is what decides whether it can compute e·M_c. For every (k, c)
 * the point M_c contains HtC(sid, k, c, Y_{1−c}), a fresh random-oracle point bound to the instance k, the
 * branch c and the other point, so a malicious receiver cannot make two M's share a known relation (it would
 * have to invert the random oracle), and each e·M_{1−b} is a CDH instance (E, M_{1−b}) on its own. The key hash
 * binds (sid, k, c, Y_0, Y_1, E): the same CDH value can never serve as the key of another instance, another
 * branch or another session — that binding is what makes reusing `e` sound.
 *
 * Why our own arithmetic: noble's BigInt field costs ~0.6 µs per multiplication on this class of machine and
 * its per-point ladders build fresh tables; a plain implementation costs several seconds per pair. Here
 * field elements are 12 limbs of 22 bits held in float64 (every product and column sum stays below 2^53, so
 * all arithmetic is exact), point multiplications by secret scalars use fixed windows with masked table scans
 * (the same operations for every scalar, no secret-dependent branch or memory index), and Jacobian results are
 * turned affine in batches with one inversion (Montgomery's trick). Everything is tested against noble.
 *
 * Limits of "constant time" here, stated plainly: secret scalars are split into 4-bit digits once with BigInt
 * (as noble does), and JavaScript gives no guarantee about the machine code; within those limits no secret
 * (e, a, r, the choice bits) decides a branch, a loop count or a memory index. Branches that remain are on
 * public data (the peer's points) or on events of probability ~2^-250 (an isogeny pole, a hash-to-curve sum
 * hitting Q0 = ±Q1, a·G = ±HtC), which fall back to noble or fail.
 */
import { _splitEndoScalar } from '@noble/curves/abstract/weierstrass.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ascii, bigIntToBytes, bytesToBigInt, u32be } from '../common/bytes.js';
import { CURVE_ORDER, POINT_BYTES, type Point, randomScalar } from '../common/curve.js';
import { assertArg, DecodeError, ProtocolError } from '../common/errors.js';
import { frame, hashToCurve, tag, taggedHashWith } from '../common/hash.js';
import type { Rng, Sha256 } from '../common/suite.js';

/** Number of base OTs per orientation (κ); equals BASE_OT_COUNT of the pair state. */
export const OT_COUNT = 256;
/** Bytes of one base-OT key. */
export const OT_KEY_BYTES_BASE = 32;
/** Bytes of the receiver's message: (Y_0 ‖ Y_1) per instance, compressed points. */
export const RECEIVER_MESSAGE_BYTES = OT_COUNT * 2 * POINT_BYTES;
/** Domain-separation tag of the hash-to-curve points of the base OT. */
export const H2C_TAG = tag('base-ot-h2c');
/** Tag of the key derivation of the base OT. */
export const KEY_TAG = tag('ot-key');

// ───────────────────────────── field arithmetic mod p ─────────────────────────────

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
const P_BIG: bigint = secp256k1.Point.Fp.ORDER;

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
const ONE = feFromBig(1n);

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
function bytesBelowP(bytes: Uint8Array, off: number): boolean {
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
function fsqrN(o: Fe, a: Fe, n: number): void {
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

// ───────────────────────────── points ─────────────────────────────

/** A point in Jacobian coordinates: (x, y) = (X/Z², Y/Z³); Z = 0 is the identity. */
export interface Jac {
  readonly x: Fe;
  readonly y: Fe;
  readonly z: Fe;
}

/** A new Jacobian point (all zero: callers fill it). */
export function jacNew(): Jac {
  return { x: feNew(), y: feNew(), z: feNew() };
}

const JT = Array.from({ length: 12 }, feNew);
// Named scratch elements: plain bindings, not array destructuring, in the hot point formulas.
const JT0 = JT[0] as Fe;
const JT1 = JT[1] as Fe;
const JT2 = JT[2] as Fe;
const JT3 = JT[3] as Fe;
const JT4 = JT[4] as Fe;
const JT5 = JT[5] as Fe;
const JT6 = JT[6] as Fe;
const JT7 = JT[7] as Fe;
const JT8 = JT[8] as Fe;
const JT9 = JT[9] as Fe;
const JT10 = JT[10] as Fe;
const JT11 = JT[11] as Fe;

/** `o = 2·p` (dbl-2009-l, a = 0); o may alias p. The identity (Z = 0) maps to Z = 0. */
export function jdbl(o: Jac, p: Jac): void {
  const A = JT0,
    B = JT1,
    C = JT2,
    D = JT3,
    E = JT4,
    F = JT5,
    T = JT6;
  fmul(T, p.y, p.z);
  fsqr(A, p.x);
  fsqr(B, p.y);
  fsqr(C, B);
  fadd(D, p.x, B);
  fsqr(D, D);
  fsub(D, D, A);
  fsub(D, D, C);
  fmulSmall(D, D, 2);
  fmulSmall(E, A, 3);
  fsqr(F, E);
  fmulSmall(o.z, T, 2);
  fmulSmall(T, D, 2);
  fsub(o.x, F, T);
  fsub(T, D, o.x);
  fmul(T, E, T);
  fmulSmall(C, C, 8);
  fsub(o.y, T, C);
}

/**
 * `o = p + (qx, qy)` with the second point affine (madd-2007-bl); o may alias p. Wrong (not an exception) when
 * p is the identity or p = ±q: callers either prove those cases impossible or select around them.
 */
export function jmadd(o: Jac, p: Jac, qx: Fe, qy: Fe): void {
  const Z1Z1 = JT0,
    U2 = JT1,
    S2 = JT2,
    H = JT3,
    HH = JT4,
    I = JT5,
    J = JT6,
    r = JT7,
    V = JT8,
    T = JT9;
  fsqr(Z1Z1, p.z);
  fmul(U2, qx, Z1Z1);
  fmul(S2, qy, p.z);
  fmul(S2, S2, Z1Z1);
  fsub(H, U2, p.x);
  fsqr(HH, H);
  fmulSmall(I, HH, 4);
  fmul(J, H, I);
  fsub(r, S2, p.y);
  fmulSmall(r, r, 2);
  fmul(V, p.x, I);
  fmul(T, p.z, H);
  fmulSmall(o.z, T, 2);
  fmul(T, p.y, J);
  fmulSmall(T, T, 2); // 2·Y1·J, before o.y may overwrite p.y
  fsqr(U2, r);
  fsub(U2, U2, J);
  fmulSmall(S2, V, 2);
  fsub(o.x, U2, S2);
  fsub(V, V, o.x);
  fmul(V, r, V);
  fsub(o.y, V, T);
}

/**
 * `o = p + q` (add-2007-bl); o may alias p or q. Returns 1 when the formula does not apply (p = ±q, or either
 * is the identity), 0 otherwise; callers handle that case (it has negligible probability on secret data).
 */
export function jadd(o: Jac, p: Jac, q: Jac): number {
  const Z1Z1 = JT0,
    Z2Z2 = JT1,
    U1 = JT2,
    U2 = JT3,
    S1 = JT4,
    S2 = JT5,
    H = JT6,
    I = JT7,
    J = JT8,
    r = JT9,
    V = JT10,
    T = JT11;
  fsqr(Z1Z1, p.z);
  fsqr(Z2Z2, q.z);
  fmul(U1, p.x, Z2Z2);
  fmul(U2, q.x, Z1Z1);
  fmul(S1, p.y, q.z);
  fmul(S1, S1, Z2Z2);
  fmul(S2, q.y, p.z);
  fmul(S2, S2, Z1Z1);
  fsub(H, U2, U1);
  fmulSmall(I, H, 2);
  fsqr(I, I);
  fmul(J, H, I);
  fsub(r, S2, S1);
  fmulSmall(r, r, 2);
  fmul(V, U1, I);
  fmul(T, p.z, q.z);
  fmul(T, T, H);
  const bad = feIsZero(T); // H = 0 (p = ±q) or a zero Z
  fmulSmall(o.z, T, 2);
  fsqr(T, r);
  fsub(T, T, J);
  fmulSmall(U2, V, 2);
  fsub(o.x, T, U2);
  fsub(V, V, o.x);
  fmul(V, r, V);
  fmul(S1, S1, J);
  fmulSmall(S1, S1, 2);
  fsub(o.y, V, S1);
  return bad;
}

/** Copies Jacobian point `i` of a flat array (stride 36: X, Y, Z) into `o`. */
function loadJac(o: Jac, flat: Float64Array, i: number): void {
  const b = i * 36;
  o.x.set(flat.subarray(b, b + 12));
  o.y.set(flat.subarray(b + 12, b + 24));
  o.z.set(flat.subarray(b + 24, b + 36));
}

/** Stores `p` as Jacobian point `i` of a flat array (stride 36). */
function storeJac(flat: Float64Array, i: number, p: Jac): void {
  const b = i * 36;
  flat.set(p.x, b);
  flat.set(p.y, b + 12);
  flat.set(p.z, b + 24);
}

/** Copies `n` limbs from `src[so..]` into `dst`. */
function loadFe(dst: Fe, src: Float64Array, so: number): void {
  for (let i = 0; i < 12; i++) dst[i] = src[so + i] as number;
}

const BN = Array.from({ length: 6 }, feNew);
/**
 * Affine coordinates of `n` Jacobian points (flat, stride 36, none the identity) into `dst` (stride 24: x, y)
 * starting at point `dstIndex`, with one inversion for all (Montgomery's trick).
 */
export function batchToAffine(src: Float64Array, n: number, dst: Float64Array, dstIndex = 0): void {
  if (n === 0) return;
  const prefix = new Float64Array(n * 12);
  const [acc, inv, z, zi, zi2, t] = BN as [Fe, Fe, Fe, Fe, Fe, Fe];
  acc.set(ONE);
  for (let i = 0; i < n; i++) {
    loadFe(z, src, i * 36 + 24);
    fmul(acc, acc, z);
    prefix.set(acc, i * 12);
  }
  finv(inv, acc);
  for (let i = n - 1; i >= 0; i--) {
    if (i > 0) {
      loadFe(t, prefix, (i - 1) * 12);
      fmul(zi, inv, t);
      loadFe(z, src, i * 36 + 24);
      fmul(inv, inv, z);
    } else zi.set(inv);
    fsqr(zi2, zi);
    loadFe(t, src, i * 36);
    fmul(t, t, zi2);
    dst.set(t, (dstIndex + i) * 24);
    fmul(zi2, zi2, zi);
    loadFe(t, src, i * 36 + 12);
    fmul(t, t, zi2);
    dst.set(t, (dstIndex + i) * 24 + 12);
  }
}

const ENC = [feNew(), feNew()];
/** Writes affine point `i` of a flat array (stride 24) as 33 compressed bytes at `out[off..]`. */
export function encodeAffine(aff: Float64Array, i: number, out: Uint8Array, off: number): void {
  const [x, y] = ENC as [Fe, Fe];
  loadFe(x, aff, i * 24);
  loadFe(y, aff, i * 24 + 12);
  out[off] = 2 + feParity(y);
  feToBytes(x, out, off + 1);
}

const B7 = feFromBig(7n);
const DEC = [feNew(), feNew(), feNew()];
/**
 * Decodes a 33-byte compressed point at `bytes[off..]` into affine point `i` of `dst` (stride 24), with the
 * checks of `decodePoint`: prefix 2 or 3, x < p, on the curve (the identity has no such encoding). Throws
 * {@link DecodeError}. Branches only on public data.
 */
export function decodeAffine(bytes: Uint8Array, off: number, dst: Float64Array, i: number): void {
  if (off + POINT_BYTES > bytes.length) throw new DecodeError('point: truncated');
  const prefix = bytes[off] as number;
  if (prefix !== 2 && prefix !== 3) throw new DecodeError('point: not a compressed encoding');
  if (!bytesBelowP(bytes, off + 1)) throw new DecodeError('point: not on the curve (x >= p)');
  const [x, rhs, y] = DEC as [Fe, Fe, Fe];
  feFromBytes(x, bytes, off + 1);
  fsqr(rhs, x);
  fmul(rhs, rhs, x);
  fadd(rhs, rhs, B7);
  fsqrtCand(y, rhs);
  const y2 = JT[0] as Fe;
  fsqr(y2, y);
  if (!feEq(y2, rhs)) throw new DecodeError('point: not on the curve');
  if (feParity(y) !== (prefix & 1)) fsub(y, ZERO, y);
  dst.set(x, i * 24);
  dst.set(y, i * 24 + 12);
}
const ZERO = feNew();

/** A noble point as an affine pair into `dst` (stride 24) at index `i`. */
function nobleToAffine(p: Point, dst: Float64Array, i: number): void {
  const a = p.toAffine();
  dst.set(feFromBig(a.x), i * 24);
  dst.set(feFromBig(a.y), i * 24 + 12);
}

/** The noble point of affine point `i` of a flat array (for tests and fallbacks). */
export function affineToNoble(aff: Float64Array, i: number): Point {
  const x = JT[0] as Fe;
  const y = JT[1] as Fe;
  loadFe(x, aff, i * 24);
  loadFe(y, aff, i * 24 + 12);
  return secp256k1.Point.fromAffine({ x: feToBig(x), y: feToBig(y) });
}

/** The noble point of a Jacobian point (for tests). */
export function jacToNoble(p: Jac): Point {
  const flat = new Float64Array(36);
  storeJac(flat, 0, p);
  if (feIsZero(p.z)) return secp256k1.Point.ZERO;
  const aff = new Float64Array(24);
  batchToAffine(flat, 1, aff);
  return affineToNoble(aff, 0);
}

/** A Jacobian point from a noble point (Z = 1). */
export function jacFromNoble(p: Point): Jac {
  const o = jacNew();
  const aff = new Float64Array(24);
  nobleToAffine(p, aff, 0);
  loadFe(o.x, aff, 0);
  loadFe(o.y, aff, 12);
  o.z.set(ONE);
  return o;
}

// ─────────────── multiplication by secret scalars: fixed 4-bit windows, masked table scans ───────────────

/** The 64 little-endian 4-bit digits of a scalar in [0, n). */
export function scalarDigits(x: bigint): Uint8Array {
  const b = bigIntToBytes(x, 32);
  const d = new Uint8Array(64);
  for (let i = 0; i < 32; i++) {
    const v = b[31 - i] as number;
    d[2 * i] = v & 15;
    d[2 * i + 1] = v >> 4;
  }
  return d;
}

/**
 * Reads entry `d` (0..15) of the 16-entry affine table at `table[base..]` into (qx, qy) by scanning all 16
 * entries with arithmetic masks: the memory accesses and operations do not depend on `d`.
 */
function lookup(qx: Fe, qy: Fe, table: Float64Array, base: number, d: number): void {
  const m = LKM;
  for (let j = 0; j < 16; j++) m[j] = (((d ^ j) - 1) >>> 31) & 1; // 1 iff d = j
  for (let i = 0; i < 24; i++) {
    let s = 0;
    for (let j = 0; j < 16; j++) s += (m[j] as number) * (table[base + j * 24 + i] as number);
    if (i < 12) qx[i] = s;
    else qy[i - 12] = s;
  }
}
const LKM = new Float64Array(16);

const SEL = jacNew();
/**
 * `acc += d·(table point)` where (qx, qy) is that point (affine) and d its digit: computes the sum always and
 * selects, by masks, the sum, the point itself (when acc is the identity) or acc unchanged (d = 0). Returns the
 * new identity flag of acc.
 */
function addSelect(acc: Jac, inf: number, qx: Fe, qy: Fe, d: number): number {
  jmadd(SEL, acc, qx, qy);
  const dz = ((d - 1) >>> 31) & 1; // 1 iff d = 0 (d ∈ 0..15)
  for (let i = 0; i < 12; i++) {
    const sx = SEL.x[i] as number;
    const cx = sx + inf * ((qx[i] as number) - sx);
    const ax = acc.x[i] as number;
    acc.x[i] = cx + dz * (ax - cx);
    const sy = SEL.y[i] as number;
    const cy = sy + inf * ((qy[i] as number) - sy);
    const ay = acc.y[i] as number;
    acc.y[i] = cy + dz * (ay - cy);
    const sz = SEL.z[i] as number;
    const cz = sz + inf * ((ONE[i] as number) - sz);
    const az = acc.z[i] as number;
    acc.z[i] = cz + dz * (az - cz);
  }
  return inf * dz;
}

/**
 * A comb table for fixed-base multiplication by `base`: for window i = 0..63 and digit d = 1..15 the affine
 * point d·16^i·base at stride 24 (entry 0 of each window is a placeholder that is never selected).
 */
export function combTable(base: Point): Float64Array {
  const jac = new Float64Array(64 * 16 * 36);
  let p = jacFromNoble(base);
  const t = jacNew();
  for (let w = 0; w < 64; w++) {
    const b = w * 16;
    storeJac(jac, b + 1, p);
    jdbl(t, p);
    storeJac(jac, b + 2, t);
    for (let d = 3; d < 16; d++) {
      // d·P = (d−1)·P + P with 2 ≤ d−1 < 15 < n: never the doubling or the identity case
      jadd(t, t, p);
      storeJac(jac, b + d, t);
    }
    storeJac(jac, b, p); // placeholder: a valid point, masked out when d = 0
    const next = jacNew();
    jdbl(next, p);
    jdbl(next, next);
    jdbl(next, next);
    jdbl(next, next); // 16·P: the next window's base
    p = next;
  }
  const aff = new Float64Array(64 * 16 * 24);
  batchToAffine(jac, 64 * 16, aff);
  return aff;
}

const CQ = [feNew(), feNew()];
/**
 * `x·base` for a secret scalar x in [1, n) from a comb table: 64 mixed additions, one masked lookup each.
 * The adds never hit p = ±q: the running sum is (Σ_{i<w} d_i 16^i)·base with the sum < 16^w ≤ d_w 16^w, and
 * both sides stay below n.
 */
export function combMul(o: Jac, table: Float64Array, digits: Uint8Array): void {
  const [qx, qy] = CQ as [Fe, Fe];
  o.x.fill(0);
  o.y.fill(0);
  o.z.fill(0);
  let inf = 1;
  for (let w = 0; w < 64; w++) {
    const d = digits[w] as number;
    lookup(qx, qy, table, w * 16 * 24, d);
    inf = addSelect(o, inf, qx, qy, d);
  }
}

/**
 * `x·M` for a secret scalar x in [1, n) and the 16-entry affine table of M at `table[base..]` (entry d = d·M,
 * entry 0 a placeholder): 64 windows of 4 doublings and one masked lookup-and-add. The add never hits the
 * exceptional case: before window w the sum is A·M with A = 16·⌊x/16^(w+1)⌋ ≥ 16 > d and A + d ≤ x < n.
 */
export function ladderMul(o: Jac, table: Float64Array, base: number, digits: Uint8Array): void {
  const [qx, qy] = CQ as [Fe, Fe];
  o.x.fill(0);
  o.y.fill(0);
  o.z.fill(0);
  let inf = 1;
  for (let w = 63; w >= 0; w--) {
    jdbl(o, o);
    jdbl(o, o);
    jdbl(o, o);
    jdbl(o, o);
    const d = digits[w] as number;
    lookup(qx, qy, table, base, d);
    inf = addSelect(o, inf, qx, qy, d);
  }
}

/** The GLV endomorphism of secp256k1: λ·(x, y) = (β·x, y), with the reduced basis noble uses to split scalars. */
const GLV_BETA = feFromBig(0x7ae96a2b657c07106e64479eac3434e99cf0497512f58995c1396c28719501een);
const GLV_BASIS: [[bigint, bigint], [bigint, bigint]] = [
  [0x3086d221a7d46bcde86c90e49284eb15n, -0xe4437ed6010e88286f547fa90abfe4c3n],
  [0x114ca50f7a8e2f3f657c1108d9d44cfd8n, 0x3086d221a7d46bcde86c90e49284eb15n],
];
/** λ with λ·P = (β·x, y) for every P (checked by the tests). */
export const GLV_LAMBDA = 0x5363ad4cc05c30e0a5261c028812645a122e22ea20816678df02967c1b23bd72n;

/** A scalar split as x ≡ (−1)^neg1·k1 + (−1)^neg2·k2·λ (mod n), with k1, k2 < 2^128, as 4-bit digits. */
export interface GlvDigits {
  /** The 32 little-endian digits of k1. */
  readonly d1: Uint8Array;
  /** The 32 little-endian digits of k2. */
  readonly d2: Uint8Array;
  /** 1 when k1 enters negated. */
  readonly neg1: number;
  /** 1 when k2 enters negated. */
  readonly neg2: number;
}

/** Splits a secret scalar x ∈ [1, n) for {@link ladderMulGlv} (BigInt arithmetic, once per scalar). */
export function glvDigits(x: bigint): GlvDigits {
  const s = _splitEndoScalar(x, GLV_BASIS, CURVE_ORDER);
  return {
    d1: scalarDigits(s.k1).subarray(0, 32),
    d2: scalarDigits(s.k2).subarray(0, 32),
    neg1: +s.k1neg,
    neg2: +s.k2neg,
  };
}

const GQ = [feNew(), feNew(), feNew()];
/**
 * `x·M` as in {@link ladderMul} but with the GLV split x = ±k1 ± k2·λ: 32 windows of 4 doublings and two
 * masked lookup-and-adds (d1 from M's table, d2 from the same table mapped by λ: x·β, and both signs applied by
 * masked negation), so half the doublings for the same table. The running sum is (A + Bλ)·M with A, B < 2^128;
 * an exceptional add (A + Bλ ≡ ±d or ±dλ) needs e to lie on one of ~2^18 points of a lattice of determinant n,
 * probability below 2^-200 for a uniformly random secret e.
 */
export function ladderMulGlv(o: Jac, table: Float64Array, base: number, g: GlvDigits): void {
  const [qx, qy, t] = GQ as [Fe, Fe, Fe];
  o.x.fill(0);
  o.y.fill(0);
  o.z.fill(0);
  let inf = 1;
  for (let w = 31; w >= 0; w--) {
    jdbl(o, o);
    jdbl(o, o);
    jdbl(o, o);
    jdbl(o, o);
    const d1 = g.d1[w] as number;
    lookup(qx, qy, table, base, d1);
    fsub(t, ZERO, qy);
    fselect(qy, qy, t, g.neg1);
    inf = addSelect(o, inf, qx, qy, d1);
    const d2 = g.d2[w] as number;
    lookup(qx, qy, table, base, d2);
    fmul(qx, qx, GLV_BETA);
    fsub(t, ZERO, qy);
    fselect(qy, qy, t, g.neg2);
    inf = addSelect(o, inf, qx, qy, d2);
  }
}

/**
 * Fills the 16-entry ladder tables (affine, stride 24, 16 entries per point) of `n` affine points `pts`
 * (stride 24): entry d = d·M for d = 1..15, entry 0 = M as a placeholder. One batch inversion for all.
 */
export function ladderTables(pts: Float64Array, n: number): Float64Array {
  const jac = new Float64Array(n * 16 * 36);
  const m = jacNew();
  const t = jacNew();
  for (let k = 0; k < n; k++) {
    loadFe(m.x, pts, k * 24);
    loadFe(m.y, pts, k * 24 + 12);
    m.z.set(ONE);
    const b = k * 16;
    storeJac(jac, b, m);
    storeJac(jac, b + 1, m);
    jdbl(t, m);
    storeJac(jac, b + 2, t);
    for (let d = 3; d < 16; d++) {
      jmadd(t, t, m.x, m.y); // (d−1)·M + M, 2 ≤ d−1 ≤ 14: never ±M
      storeJac(jac, b + d, t);
    }
  }
  const aff = new Float64Array(n * 16 * 24);
  batchToAffine(jac, n * 16, aff);
  return aff;
}

// ───────────────────────────── hash to curve (RFC 9380, secp256k1_XMD:SHA-256_SSWU_RO_) ─────────────────────────────

const ISO_A = feFromBig(0x3f8731abdd661adca08a5558f0f5d272e953d363cb6f0e5d405447c01a444533n);
const ISO_B = feFromBig(1771n);
const SSWU_Z = feFromBig(P_BIG - 11n);
const SQRT_MINUS_Z = feFromBig(secp256k1.Point.Fp.sqrt(11n));
// RFC 9380 Appendix E.1: the 3-isogeny E' → secp256k1, coefficients in ascending degree (denominators monic).
const ISO_XN = [
  0x8e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38daaaaa8c7n,
  0x7d3d4c80bc321d5b9f315cea7fd44c5d595d2fc0bf63b92dfff1044f17c6581n,
  0x534c328d23f234e6e2a413deca25caece4506144037c40314ecbd0b53d9dd262n,
  0x8e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38daaaaa88cn,
].map(feFromBig) as [Fe, Fe, Fe, Fe];
const ISO_XD = [
  0xd35771193d94918a9ca34ccbb7b640dd86cd409542f8487d9fe6b745781eb49bn,
  0xedadc6f64383dc1df7c4b2d51b54225406d36b641f5e41bbc52a56612a8c6d14n,
].map(feFromBig) as [Fe, Fe];
const ISO_YN = [
  0x4bda12f684bda12f684bda12f684bda12f684bda12f684bda12f684b8e38e23cn,
  0xc75e0c32d5cb7c0fa9d0a54b12a0a6d5647ab046d686da6fdffc90fc201d71a3n,
  0x29a6194691f91a73715209ef6512e576722830a201be2018a765e85a9ecee931n,
  0x2f684bda12f684bda12f684bda12f684bda12f684bda12f684bda12f38e38d84n,
].map(feFromBig) as [Fe, Fe, Fe, Fe];
const ISO_YD = [
  0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffff93bn,
  0x7a06534bb8bdb49fd5e9e6632722c2989467c1bfc8e8d978dfb425d2685c2573n,
  0x6484aa716545ca2cf3a70c3fa8fe337e0a3d21162f0d6299a7bf8192bfd2a76fn,
].map(feFromBig) as [Fe, Fe, Fe];

const SW = Array.from({ length: 10 }, feNew);
/**
 * Simplified SWU onto the isogenous curve E' (RFC 9380 §6.6.2, straight-line version of Appendix F.2 with the
 * q ≡ 3 mod 4 square-root ratio): returns x as the fraction xn/xd and y. Every step runs for every input; the
 * conditional moves are masked selections.
 */
function sswu(xn: Fe, xd: Fe, y: Fe, u: Fe): void {
  const [tv1, tv2, tv3, tv4, tv5, tv6, y1, y2, t, isq] = SW as [Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe];
  fsqr(tv1, u);
  fmul(tv1, SSWU_Z, tv1);
  fsqr(tv2, tv1);
  fadd(tv2, tv2, tv1);
  fadd(tv3, tv2, ONE);
  fmul(tv3, tv3, ISO_B);
  fsub(t, ZERO, tv2);
  fselect(tv4, t, SSWU_Z, feIsZero(tv2));
  fmul(tv4, ISO_A, tv4);
  fsqr(tv2, tv3);
  fsqr(tv6, tv4);
  fmul(tv5, ISO_A, tv6);
  fadd(tv2, tv2, tv5);
  fmul(tv2, tv2, tv3);
  fmul(tv6, tv6, tv4);
  fmul(tv5, tv6, ISO_B);
  fadd(tv2, tv2, tv5); // gx1 numerator; tv6 its denominator
  fmul(xn, tv1, tv3);
  // sqrt_ratio(tv2, tv6)
  fsqr(t, tv6);
  fmul(isq, tv2, tv6); // u·v
  fmul(t, t, isq); // u·v³
  fpowP34(y1, t);
  fmul(y1, y1, isq);
  fmul(y2, y1, SQRT_MINUS_Z);
  fsqr(t, y1);
  fmul(t, t, tv6);
  const isQR = feEq(t, tv2);
  fselect(y1, y2, y1, isQR);
  fmul(y, tv1, u);
  fmul(y, y, y1);
  fselect(xn, xn, tv3, isQR);
  fselect(y, y, y1, isQR);
  const e1 = +(feParity(u) === feParity(y));
  fsub(t, ZERO, y);
  fselect(y, t, y, e1);
  xd.set(tv4);
}

const IS = Array.from({ length: 12 }, feNew);
/**
 * The 3-isogeny applied to (xn/xd, y), written homogeneously so no inversion is needed, with the result in
 * Jacobian form: Z = xDen·yDen, X = xNum·xDen·yDen², Y = y·yNum·yDen²·xDen³.
 */
function isoMap(o: Jac, xn: Fe, xd: Fe, y: Fe): void {
  const [X2, X3, D2, D3, XD2, X2D, xN, xD, yN, yD, t, u] = IS as [Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe];
  fsqr(X2, xn);
  fmul(X3, X2, xn);
  fsqr(D2, xd);
  fmul(D3, D2, xd);
  fmul(XD2, xn, D2);
  fmul(X2D, X2, xd);
  // xNum = k13·X³ + k12·X²D + k11·XD² + k10·D³
  fmul(xN, ISO_XN[3], X3);
  fmul(t, ISO_XN[2], X2D);
  fadd(xN, xN, t);
  fmul(t, ISO_XN[1], XD2);
  fadd(xN, xN, t);
  fmul(t, ISO_XN[0], D3);
  fadd(xN, xN, t);
  // xDen = (X² + k21·XD + k20·D²)·D = X²D + k21·XD² + k20·D³
  fmul(xD, ISO_XD[1], XD2);
  fadd(xD, xD, X2D);
  fmul(t, ISO_XD[0], D3);
  fadd(xD, xD, t);
  // yNum = k33·X³ + k32·X²D + k31·XD² + k30·D³
  fmul(yN, ISO_YN[3], X3);
  fmul(t, ISO_YN[2], X2D);
  fadd(yN, yN, t);
  fmul(t, ISO_YN[1], XD2);
  fadd(yN, yN, t);
  fmul(t, ISO_YN[0], D3);
  fadd(yN, yN, t);
  // yDen = X³ + k42·X²D + k41·XD² + k40·D³
  fmul(yD, ISO_YD[2], X2D);
  fadd(yD, yD, X3);
  fmul(t, ISO_YD[1], XD2);
  fadd(yD, yD, t);
  fmul(t, ISO_YD[0], D3);
  fadd(yD, yD, t);
  fmul(o.z, xD, yD);
  fsqr(u, yD); // yDen²
  fmul(t, xN, xD);
  fmul(o.x, t, u);
  fsqr(t, xD);
  fmul(t, t, xD); // xDen³
  fmul(t, t, u);
  fmul(t, t, yN);
  fmul(o.y, t, y);
}

/**
 * RFC 9380 expand_message_xmd with SHA-256 to 96 bytes, reduced to the two field elements (u0, u1) of
 * hash_to_field (L = 48 bytes each). Written out because noble's generic version costs ~50 SHA-256 calls' time.
 */
export function hashToFieldPair(msg: Uint8Array, dst: Uint8Array, sha: Sha256): [bigint, bigint] {
  assertArg(dst.length <= 255, 'hashToFieldPair: DST longer than 255 bytes');
  const dstPrime = new Uint8Array(dst.length + 1);
  dstPrime.set(dst);
  dstPrime[dst.length] = dst.length;
  const m = new Uint8Array(64 + msg.length + 3 + dstPrime.length);
  m.set(msg, 64);
  m[64 + msg.length] = 0;
  m[64 + msg.length + 1] = 96; // I2OSP(96, 2)
  m[64 + msg.length + 2] = 0; // I2OSP(0, 1)
  m.set(dstPrime, 64 + msg.length + 3);
  const b0 = sha(m);
  const blk = new Uint8Array(32 + 1 + dstPrime.length);
  blk.set(dstPrime, 33);
  const uniform = new Uint8Array(96);
  let prev: Uint8Array = new Uint8Array(32);
  for (let i = 1; i <= 3; i++) {
    for (let j = 0; j < 32; j++) blk[j] = (b0[j] as number) ^ (prev[j] as number); // b_0 ⊕ b_{i−1} (b_0 ⊕ 0 for i = 1)
    blk[32] = i;
    prev = sha(blk);
    uniform.set(prev, 32 * (i - 1));
  }
  return [bytesToBigInt(uniform.subarray(0, 48)) % P_BIG, bytesToBigInt(uniform.subarray(48, 96)) % P_BIG];
}

const HX = [feNew(), feNew(), feNew(), feNew()];
const HQ = [jacNew(), jacNew()];
/**
 * Hash to curve exactly as `hashToCurve(tagName, ...parts)` of common/hash.ts (RFC 9380 random-oracle
 * encoding), into Jacobian point `i` of `out` (stride 36). Same operations for every input except in cases of
 * negligible probability (an isogeny pole or Q0 = ±Q1), which fall back to noble.
 */
export function hashToCurveJac(
  tagName: string,
  parts: Uint8Array[],
  out: Float64Array,
  i: number,
  sha: Sha256 = sha256,
): void {
  const [u0, u1] = hashToFieldPair(frame('', parts), ascii(tagName), sha);
  const [xn, xd, y, u] = HX as [Fe, Fe, Fe, Fe];
  const [q0, q1] = HQ as [Jac, Jac];
  u.set(feFromBig(u0));
  sswu(xn, xd, y, u);
  isoMap(q0, xn, xd, y);
  u.set(feFromBig(u1));
  sswu(xn, xd, y, u);
  isoMap(q1, xn, xd, y);
  const bad = jadd(q0, q0, q1);
  if (bad) {
    // Reached with probability ~2^-250 per input (isogeny pole or Q0 = ±Q1): take the reference path.
    storeJac(out, i, jacFromNoble(hashToCurve(tagName, ...parts)));
    return;
  }
  storeJac(out, i, q0);
}

// ───────────────────────────── the base OT ─────────────────────────────

let gTable: Float64Array | undefined;
/** The comb table of G, built on first use (~0.1 s) and shared by every run in the process. */
function gComb(): Float64Array {
  gTable ??= combTable(secp256k1.Point.BASE);
  return gTable;
}

/**
 * The session id of one orientation: the pair-setup psid bound to who is sender and who is receiver, so the
 * two orientations of a pair setup never share a hash input (a node cannot reflect its peer's points back).
 */
export function orientationSid(psid: Uint8Array, senderNodeId: Uint8Array, receiverNodeId: Uint8Array): Uint8Array {
  return taggedHashWith(sha256, tag('base-ot-sid'), psid, senderNodeId, receiverNodeId);
}

/** The hash input of `HtC(sid, k, c, Y_{1−c})`. */
function h2cParts(sid: Uint8Array, k: number, c: number, yOther: Uint8Array): Uint8Array[] {
  return [sid, u32be(k), Uint8Array.of(c), yOther];
}

/**
 * `HtC(sid, k, c, Y_{1−c})` through the reference implementation of common/hash.ts (RFC 9380, tag
 * `base-ot-h2c`): the point the sender adds to `Y_c`. Used by tests and as the definition the fast path matches.
 */
export function otHashPoint(sid: Uint8Array, k: number, c: number, yOther: Uint8Array): Point {
  return hashToCurve(H2C_TAG, ...h2cParts(sid, k, c, yOther));
}

/** `key_c = H("ot-key", sid, k, c, Y_0, Y_1, E, P)` with the shared point P (e·M_c or a·E). */
export function otKey(
  sha: Sha256,
  sid: Uint8Array,
  k: number,
  c: number,
  y0: Uint8Array,
  y1: Uint8Array,
  E: Uint8Array,
  shared: Uint8Array,
): Uint8Array {
  return taggedHashWith(sha, KEY_TAG, sid, u32be(k), Uint8Array.of(c), y0, y1, E, shared);
}

/** The sender's secret scalar e and its public point E = e·G (one per orientation, for all 256 instances). */
export interface OtSender {
  /** The secret scalar e ∈ [1, n). */
  readonly e: bigint;
  /** E = e·G, 33 bytes compressed. */
  readonly E: Uint8Array;
}

/** Draws the sender's e and E = e·G. */
export function otSenderSetup(rng: Rng): OtSender {
  const e = randomScalar(rng);
  const o = jacNew();
  combMul(o, gComb(), scalarDigits(e));
  const flat = new Float64Array(36);
  storeJac(flat, 0, o);
  const aff = new Float64Array(24);
  batchToAffine(flat, 1, aff);
  const E = new Uint8Array(POINT_BYTES);
  encodeAffine(aff, 0, E, 0);
  return { e, E };
}

/** What the receiver keeps and sends. */
export interface OtReceiverResult {
  /** The message to the sender: (Y_0 ‖ Y_1) for k = 0..255, 33-byte compressed points. */
  readonly message: Uint8Array;
  /** key_{b_k} for k = 0..255, 32 bytes each. */
  readonly keys: Uint8Array;
}

/**
 * The receiver's side of all 256 instances with choice bits `choices` (bit k = `(choices[k>>3] >> (k&7)) & 1`)
 * against the sender point `E` (33 bytes, already decoded and checked not to be the identity). Nothing branches
 * on a choice bit: b enters only hash inputs and masked selections of which point is Y_0.
 */
export function otReceive(
  sid: Uint8Array,
  E: Uint8Array,
  choices: Uint8Array,
  rng: Rng,
  sha: Sha256,
): OtReceiverResult {
  assertArg(choices.length === OT_COUNT / 8, 'otReceive: choices must be 32 bytes');
  assertArg(E.length === POINT_BYTES, 'otReceive: E must be a 33-byte point');
  const Ept = secp256k1.Point.fromBytes(E);
  assertArg(!Ept.is0(), 'otReceive: E is the identity');
  const eTable = combTable(Ept);
  const g = gComb();
  const n = OT_COUNT;
  const rJac = new Float64Array(n * 36);
  const aJac = new Float64Array(n * 36);
  const outJac = new Float64Array(2 * n * 36); // Y_b for k < n, a·E for k ≥ n
  const p = jacNew();
  for (let k = 0; k < n; k++) {
    const r = randomScalar(rng);
    const a = randomScalar(rng);
    combMul(p, g, scalarDigits(r));
    storeJac(rJac, k, p);
    const ad = scalarDigits(a);
    combMul(p, g, ad);
    storeJac(aJac, k, p);
    combMul(p, eTable, ad);
    storeJac(outJac, n + k, p);
  }
  const rAff = new Float64Array(n * 24);
  batchToAffine(rJac, n, rAff);
  const rBytes = new Uint8Array(n * POINT_BYTES);
  for (let k = 0; k < n; k++) encodeAffine(rAff, k, rBytes, k * POINT_BYTES);
  const hJac = new Float64Array(36);
  const h = jacNew();
  const bits = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const b = ((choices[k >> 3] as number) >> (k & 7)) & 1;
    bits[k] = b;
    hashToCurveJac(H2C_TAG, h2cParts(sid, k, b, rBytes.subarray(k * POINT_BYTES, (k + 1) * POINT_BYTES)), hJac, 0, sha);
    loadJac(h, hJac, 0);
    fsub(h.y, ZERO, h.y); // −HtC(…)
    loadJac(p, aJac, k);
    // a·G = ±HtC(…) has probability ~2^-256 (a is fresh and uniform); treat it as a failure of the rng.
    if (jadd(p, p, h)) throw new ProtocolError('INVALID_ARGUMENT', 'otReceive: degenerate randomness');
    storeJac(outJac, k, p);
  }
  const outAff = new Float64Array(2 * n * 24);
  batchToAffine(outJac, 2 * n, outAff);
  const message = new Uint8Array(RECEIVER_MESSAGE_BYTES);
  const keys = new Uint8Array(n * OT_KEY_BYTES_BASE);
  const yb = new Uint8Array(POINT_BYTES);
  const shared = new Uint8Array(POINT_BYTES);
  for (let k = 0; k < n; k++) {
    encodeAffine(outAff, k, yb, 0);
    encodeAffine(outAff, n + k, shared, 0);
    const b = bits[k] as number;
    const mask = -b & 0xff; // 0xff when b = 1
    const y0 = message.subarray(2 * k * POINT_BYTES, (2 * k + 1) * POINT_BYTES);
    const y1 = message.subarray((2 * k + 1) * POINT_BYTES, (2 * k + 2) * POINT_BYTES);
    for (let i = 0; i < POINT_BYTES; i++) {
      const rv = rBytes[k * POINT_BYTES + i] as number;
      const bv = yb[i] as number;
      y0[i] = (rv & mask) | (bv & ~mask); // b = 1: Y_0 = r·G; b = 0: Y_0 = Y_b
      y1[i] = (bv & mask) | (rv & ~mask);
    }
    keys.set(otKey(sha, sid, k, b, y0, y1, E, shared), k * OT_KEY_BYTES_BASE);
  }
  return { message, keys };
}

/** The receiver's points as the sender decoded them: the raw message and the affine points (index 2k + c). */
export interface ReceiverPoints {
  /** The message bytes (Y_0 ‖ Y_1 per instance). */
  readonly bytes: Uint8Array;
  /** Affine coordinates, stride 24, point 2k + c = Y_c of instance k. */
  readonly aff: Float64Array;
}

/**
 * Strictly decodes the receiver's message: exactly 256 × 2 compressed points, each on the curve (the identity
 * has no compressed encoding). Throws {@link DecodeError}.
 */
export function decodeReceiverMessage(bytes: Uint8Array): ReceiverPoints {
  if (bytes.length !== RECEIVER_MESSAGE_BYTES) {
    throw new DecodeError(`base-OT message: expected ${RECEIVER_MESSAGE_BYTES} bytes, got ${bytes.length}`);
  }
  const aff = new Float64Array(2 * OT_COUNT * 24);
  for (let i = 0; i < 2 * OT_COUNT; i++) decodeAffine(bytes, i * POINT_BYTES, aff, i);
  return { bytes: bytes.slice(), aff };
}

/** Both keys of every instance. */
export interface OtSenderResult {
  /** key_0 for k = 0..255, 32 bytes each. */
  readonly keys0: Uint8Array;
  /** key_1 for k = 0..255, 32 bytes each. */
  readonly keys1: Uint8Array;
}

/**
 * The sender's side: M_c = Y_c + HtC(sid, k, c, Y_{1−c}) and key_c = H(…, e·M_c) for every k and c. Throws
 * `IDENTITY_POINT` (without culprit; the caller names the peer) when some M_c is the identity, which only a
 * malicious receiver can cause. Multiplications by e use the fixed-window GLV ladder (no secret-dependent branch).
 */
export function otSend(sid: Uint8Array, sender: OtSender, pts: ReceiverPoints, sha: Sha256): OtSenderResult {
  const n = OT_COUNT;
  const mJac = new Float64Array(2 * n * 36);
  const hJac = new Float64Array(36);
  const h = jacNew();
  const y = jacNew();
  for (let k = 0; k < n; k++) {
    for (let c = 0; c < 2; c++) {
      const other = 2 * k + (1 - c);
      const yOther = pts.bytes.subarray(other * POINT_BYTES, (other + 1) * POINT_BYTES);
      hashToCurveJac(H2C_TAG, h2cParts(sid, k, c, yOther), hJac, 0, sha);
      loadJac(h, hJac, 0);
      loadFe(y.x, pts.aff, (2 * k + c) * 24);
      loadFe(y.y, pts.aff, (2 * k + c) * 24 + 12);
      y.z.set(ONE);
      if (jadd(y, y, h)) {
        // Y_c = ±HtC(…): public data chosen by the receiver; redo with noble's complete formulas.
        const m = affineToNoble(pts.aff, 2 * k + c).add(jacToNoble(h));
        if (m.is0()) throw new ProtocolError('IDENTITY_POINT', `base OT ${k}: M_${c} is the identity`);
        storeJac(mJac, 2 * k + c, jacFromNoble(m));
      } else storeJac(mJac, 2 * k + c, y);
    }
  }
  const mAff = new Float64Array(2 * n * 24);
  batchToAffine(mJac, 2 * n, mAff);
  const tables = ladderTables(mAff, 2 * n);
  const digits = glvDigits(sender.e);
  const sJac = new Float64Array(2 * n * 36);
  const p = jacNew();
  for (let i = 0; i < 2 * n; i++) {
    ladderMulGlv(p, tables, i * 16 * 24, digits);
    storeJac(sJac, i, p);
  }
  const sAff = new Float64Array(2 * n * 24);
  batchToAffine(sJac, 2 * n, sAff);
  const keys0 = new Uint8Array(n * OT_KEY_BYTES_BASE);
  const keys1 = new Uint8Array(n * OT_KEY_BYTES_BASE);
  const shared = new Uint8Array(POINT_BYTES);
  for (let k = 0; k < n; k++) {
    const y0 = pts.bytes.subarray(2 * k * POINT_BYTES, (2 * k + 1) * POINT_BYTES);
    const y1 = pts.bytes.subarray((2 * k + 1) * POINT_BYTES, (2 * k + 2) * POINT_BYTES);
    encodeAffine(sAff, 2 * k, shared, 0);
    keys0.set(otKey(sha, sid, k, 0, y0, y1, sender.E, shared), k * OT_KEY_BYTES_BASE);
    encodeAffine(sAff, 2 * k + 1, shared, 0);
    keys1.set(otKey(sha, sid, k, 1, y0, y1, sender.E, shared), k * OT_KEY_BYTES_BASE);
  }
  return { keys0, keys1 };
}
