/**
 * secp256k1 points for PUBLIC VALUES ONLY, on the float-limb field of secp-field.ts: Jacobian addition, batch
 * conversion to affine (one inversion for many points, Montgomery's trick), strict decoding and encoding of
 * compressed points, and conversions to and from noble's points. Used by hash to curve, by the base OT on the
 * peer's points and the hash-to-curve points, and by `decodePoint` for every point a peer sends. No secret
 * scalar and no secret-derived point ever enters this file: those go through libsecp256k1 (the suite's curve
 * backend). Tested against noble in test/unit/secp-public.test.ts.
 *
 * This module imports nothing from common/curve.ts (curve.ts imports it).
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { DecodeError } from '../common/errors.js';
import {
  bytesBelowP,
  type Fe,
  fadd,
  feEq,
  feFromBig,
  feFromBytes,
  feIsZero,
  feNew,
  feParity,
  feToBig,
  feToBytes,
  finv,
  fmul,
  fmulSmall,
  fsqr,
  fsqrtCand,
  fsub,
  ONE,
  ZERO,
} from './secp-field.js';

/** A noble secp256k1 point (the interchange type of curve.ts). */
type Point = InstanceType<typeof secp256k1.Point>;
/** Bytes of a compressed point. */
const POINT_BYTES = 33;

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

/**
 * `o = p + q` (add-2007-bl); o may alias p or q. Returns 1 when the formula does not apply (p = ±q, or either
 * is the identity), 0 otherwise; callers handle that case (with the complete formulas of noble).
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
export function loadJac(o: Jac, flat: Float64Array, i: number): void {
  const b = i * 36;
  o.x.set(flat.subarray(b, b + 12));
  o.y.set(flat.subarray(b + 12, b + 24));
  o.z.set(flat.subarray(b + 24, b + 36));
}

/** Stores `p` as Jacobian point `i` of a flat array (stride 36). */
export function storeJac(flat: Float64Array, i: number, p: Jac): void {
  const b = i * 36;
  flat.set(p.x, b);
  flat.set(p.y, b + 12);
  flat.set(p.z, b + 24);
}

/** Copies `n` limbs from `src[so..]` into `dst`. */
export function loadFe(dst: Fe, src: Float64Array, so: number): void {
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
/** Writes affine point `i` of a flat array (stride 24) as 65 uncompressed bytes (04 ‖ x ‖ y) at `out[off..]`. */
export function encodeAffine65(aff: Float64Array, i: number, out: Uint8Array, off: number): void {
  const [x, y] = ENC as [Fe, Fe];
  loadFe(x, aff, i * 24);
  loadFe(y, aff, i * 24 + 12);
  out[off] = 4;
  feToBytes(x, out, off + 1);
  feToBytes(y, out, off + 33);
}

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

/** Writes a valid 65-byte uncompressed encoding (04 ‖ x ‖ y, from the backend) as affine point `i` of `dst`. */
export function decodeUncompressed(bytes: Uint8Array, dst: Float64Array, i: number): void {
  const [x, y] = ENC as [Fe, Fe];
  feFromBytes(x, bytes, 1);
  feFromBytes(y, bytes, 33);
  dst.set(x, i * 24);
  dst.set(y, i * 24 + 12);
}

/** A noble point as an affine pair into `dst` (stride 24) at index `i`. */
export function nobleToAffine(p: Point, dst: Float64Array, i: number): void {
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

// ───────────────────────────── noble-facing helpers (what curve.ts builds on) ─────────────────────────────

const HA = new Float64Array(24);
/**
 * Strictly decodes a 33-byte compressed point (prefix 2 or 3, x < p, on the curve; the identity has no such
 * encoding) into a noble point, with the square root in the fast field. Throws {@link DecodeError}.
 */
export function decodePointPublic(bytes: Uint8Array): Point {
  decodeAffine(bytes, 0, HA, 0);
  return affineToNoble(HA, 0);
}
