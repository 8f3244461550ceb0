/**
 * Fast secp256k1 points on the float-limb field of secp-field.ts: Jacobian formulas, batch conversion to affine
 * (one inversion for many points, Montgomery's trick), strict decoding and encoding of compressed points, a
 * fixed-base comb for G, fixed-window ladders (plain and GLV) for multiplication by secret scalars, and the
 * noble-facing helpers that curve.ts builds `mulG`, `mulSecret`, `decodePoint` and signature verification on.
 *
 * Limits of "constant time" here, stated plainly: secret scalars are split into 4-bit digits once with BigInt
 * (as noble does), and JavaScript gives no guarantee about the machine code; within those limits no secret
 * scalar decides a branch, a loop count or a memory index in the comb and ladder multiplications (lookups scan
 * whole tables with arithmetic masks; additions compute and select). Branches that remain are on public data
 * (the points, public scalars) or on events of negligible probability. Everything is tested against noble in
 * test/unit/secp-fast.test.ts.
 *
 * This module imports nothing from curve.ts (curve.ts imports it), so it names the group order itself.
 */
import { _splitEndoScalar } from '@noble/curves/abstract/weierstrass.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bigIntToBytes } from './bytes.js';
import { DecodeError } from './errors.js';
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
  fselect,
  fsqr,
  fsqrtCand,
  fsub,
  ONE,
  ZERO,
} from './secp-field.js';

/** A noble secp256k1 point (the interchange type of curve.ts). */
type Point = InstanceType<typeof secp256k1.Point>;
/** The group order n. */
const CURVE_ORDER: bigint = secp256k1.Point.Fn.ORDER;
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

/** Splits a secret scalar x ∈ [1, n) for {@link ladderMulGlvChecked} (BigInt arithmetic, once per scalar). */
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
 * an exceptional add (A + Bλ ≡ ±d or ±dλ) needs x to lie on one of ~2^18 points of a lattice of determinant n.
 * It also detects, without branching, whether a selected addition hit that exceptional
 * case p = ±q (the sum's Z ≡ 0 although neither side is the identity). Returns 1 then — probability below
 * 2^-200 for a uniformly random secret — and the caller recomputes with the complete {@link ladderMul};
 * otherwise 0 and `o` holds x·M. Same operations for every scalar.
 */
export function ladderMulGlvChecked(o: Jac, table: Float64Array, base: number, g: GlvDigits): number {
  const [qx, qy, t] = GQ as [Fe, Fe, Fe];
  o.x.fill(0);
  o.y.fill(0);
  o.z.fill(0);
  let inf = 1;
  let bad = 0;
  for (let w = 31; w >= 0; w--) {
    jdbl(o, o);
    jdbl(o, o);
    jdbl(o, o);
    jdbl(o, o);
    const d1 = g.d1[w] as number;
    lookup(qx, qy, table, base, d1);
    fsub(t, ZERO, qy);
    fselect(qy, qy, t, g.neg1);
    let live = (1 - inf) * (1 - (((d1 - 1) >>> 31) & 1)); // a real addition to a non-identity sum
    inf = addSelect(o, inf, qx, qy, d1);
    bad |= feIsZero(SEL.z) & live; // SEL holds the unselected sum of addSelect
    const d2 = g.d2[w] as number;
    lookup(qx, qy, table, base, d2);
    fmul(qx, qx, GLV_BETA);
    fsub(t, ZERO, qy);
    fselect(qy, qy, t, g.neg2);
    live = (1 - inf) * (1 - (((d2 - 1) >>> 31) & 1));
    inf = addSelect(o, inf, qx, qy, d2);
    bad |= feIsZero(SEL.z) & live;
  }
  return bad;
}

/**
 * `o = x·M` for a secret x ∈ [0, n) and M's 16-entry table: the GLV ladder, or in the negligible exceptional
 * case the complete plain ladder (a branch on an event of probability below 2^-200).
 */
export function ladderMulSecret(o: Jac, table: Float64Array, base: number, x: bigint): void {
  // x = 0 splits into zero digits: no addition is selected and `o` stays the identity (Z = 0).
  if (ladderMulGlvChecked(o, table, base, glvDigits(x))) ladderMul(o, table, base, scalarDigits(x));
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

let gTable: Float64Array | undefined;
/** The comb table of G, built on first use (~0.1 s) and shared by every run in the process. */
export function gCombTable(): Float64Array {
  gTable ??= combTable(secp256k1.Point.BASE);
  return gTable;
}

// ───────────────────────────── noble-facing helpers (what curve.ts builds on) ─────────────────────────────

const HJ = jacNew();
const HA = new Float64Array(24);

/**
 * `x·G` for a scalar x ∈ [1, n), secret allowed: the comb (64 masked lookups and selected additions, no branch
 * on x), then one inversion. The result is never the identity.
 */
export function mulGPoint(x: bigint): Point {
  combMul(HJ, gCombTable(), scalarDigits(x));
  return jacToNoble(HJ);
}

/**
 * `x·P` for a scalar x ∈ [1, n), secret allowed, and a public point P that is not the identity: P's 16-entry
 * table, then the GLV fixed-window ladder ({@link ladderMulSecret}: 128 doublings, 64 masked lookups and selected
 * additions, exceptional additions detected and redone with the complete ladder), then one inversion.
 */
export function mulSecretPoint(p: Point, x: bigint): Point {
  nobleToAffine(p, HA, 0);
  const table = ladderTables(HA, 1);
  ladderMulSecret(HJ, table, 0, x);
  return jacToNoble(HJ);
}

const VQ = [feNew(), feNew()];
/**
 * `o = k·M` for a PUBLIC scalar k ∈ [1, n) and the 16-entry affine table of M at `table[base..]` (as made by
 * {@link ladderTables}), in variable time: fixed 4-bit windows from the highest non-zero one, additions only for
 * non-zero digits, direct table reads. Never an exceptional addition: before adding digit d the sum is A·M with
 * 16 ≤ A, d < 16 and A + d ≤ k < n, so A ≢ ±d (mod n).
 */
export function mulPublicTable(o: Jac, table: Float64Array, base: number, k: bigint): void {
  const digits = scalarDigits(k);
  let w = 63;
  while (w > 0 && digits[w] === 0) w--;
  const [qx, qy] = VQ as [Fe, Fe];
  loadFe(o.x, table, base + (digits[w] as number) * 24);
  loadFe(o.y, table, base + (digits[w] as number) * 24 + 12);
  o.z.set(ONE);
  for (w--; w >= 0; w--) {
    jdbl(o, o);
    jdbl(o, o);
    jdbl(o, o);
    jdbl(o, o);
    const d = digits[w] as number;
    if (d === 0) continue;
    loadFe(qx, table, base + d * 24);
    loadFe(qy, table, base + d * 24 + 12);
    jmadd(o, o, qx, qy);
  }
}

/**
 * `o = k·M` for a PUBLIC scalar k ∈ [1, n) and M's 16-entry table, in variable time with the GLV split
 * (k = ±k1 ± k2·λ, half the doublings): additions only for non-zero digits, direct table reads. Returns 1 when
 * an addition hits the exceptional case p = ±q (then `o` is wrong and the caller takes a complete path), else 0.
 */
export function mulPublicGlvTable(o: Jac, table: Float64Array, base: number, k: bigint): number {
  const g = glvDigits(k);
  const [qx, qy] = VQ as [Fe, Fe];
  let inf = 1;
  for (let w = 31; w >= 0; w--) {
    if (!inf) {
      jdbl(o, o);
      jdbl(o, o);
      jdbl(o, o);
      jdbl(o, o);
    }
    for (let half = 0; half < 2; half++) {
      const d = (half ? g.d2[w] : g.d1[w]) as number;
      if (d === 0) continue;
      loadFe(qx, table, base + d * 24);
      loadFe(qy, table, base + d * 24 + 12);
      if (half) fmul(qx, qx, GLV_BETA);
      if (half ? g.neg2 : g.neg1) fsub(qy, ZERO, qy);
      if (inf) {
        o.x.set(qx);
        o.y.set(qy);
        o.z.set(ONE);
        inf = 0;
      } else {
        jmadd(o, o, qx, qy);
        if (feIsZero(o.z)) return 1;
      }
    }
  }
  return inf; // k ≠ 0 always adds something
}

/** `o = k·M` for a PUBLIC scalar k ∈ [1, n) and affine point `i` of `aff` (stride 24), in variable time. */
export function mulPublicJac(o: Jac, aff: Float64Array, i: number, k: bigint): void {
  mulPublicTable(o, ladderTables(aff.subarray(i * 24, i * 24 + 24), 1), 0, k);
}

/**
 * `k·P` for a public scalar k ∈ [1, n) and a point P that is not the identity (variable time): the GLV split,
 * or in the negligible exceptional case the plain windows (never exceptional).
 */
export function mulPublicPoint(p: Point, k: bigint): Point {
  nobleToAffine(p, HA, 0);
  const table = ladderTables(HA, 1);
  if (mulPublicGlvTable(HJ, table, 0, k)) mulPublicTable(HJ, table, 0, k);
  return jacToNoble(HJ);
}

/**
 * Strictly decodes a 33-byte compressed point (prefix 2 or 3, x < p, on the curve; the identity has no such
 * encoding) into a noble point, with the square root in the fast field. Throws {@link DecodeError}.
 */
export function decodePointFast(bytes: Uint8Array): Point {
  decodeAffine(bytes, 0, HA, 0);
  return affineToNoble(HA, 0);
}

const VJ = jacNew();
const VX = [feNew(), feNew()];
/**
 * The ECDSA verification equation for PUBLIC values: whether R = u1·G + u2·P is not the identity and
 * x(R) mod n = r, with u1 ∈ [0, n), u2 ∈ [1, n) and P not the identity. Returns `undefined` in the one case the
 * formulas do not cover (u1·G = ±u2·P, or an exceptional addition inside the GLV multiplication by u2), where
 * the caller falls back to a complete implementation.
 */
export function ecdsaCheck(u1: bigint, u2: bigint, p: Point, r: bigint): boolean | undefined {
  nobleToAffine(p, HA, 0);
  if (mulPublicGlvTable(VJ, ladderTables(HA, 1), 0, u2)) return undefined;
  if (u1 !== 0n) {
    combMul(HJ, gCombTable(), scalarDigits(u1));
    if (jadd(VJ, VJ, HJ)) return undefined;
  }
  if (feIsZero(VJ.z)) return false;
  const [zi, x] = VX as [Fe, Fe];
  finv(zi, VJ.z);
  fsqr(zi, zi);
  fmul(x, VJ.x, zi);
  return feToBig(x) % CURVE_ORDER === r;
}

/** Whether two Jacobian points are equal (public values: branches on which of them is the identity). */
export function jacEquals(p: Jac, q: Jac): boolean {
  const pz = feIsZero(p.z);
  const qz = feIsZero(q.z);
  if (pz || qz) return pz === qz;
  const [a, b, c, d] = EQ as [Fe, Fe, Fe, Fe];
  fsqr(a, q.z); // Z2²
  fsqr(b, p.z); // Z1²
  fmul(c, p.x, a);
  fmul(d, q.x, b);
  if (!feEq(c, d)) return false;
  fmul(a, a, q.z);
  fmul(b, b, p.z);
  fmul(c, p.y, a);
  fmul(d, q.y, b);
  return feEq(c, d) === 1;
}
const EQ = [feNew(), feNew(), feNew(), feNew()];

const GC_AFF = new Float64Array(4 * 24);
const GC = [jacNew(), jacNew(), jacNew()];
/**
 * The folded Γ check of signing: whether `b·(R + ρ·pk) = D·G + Γu + ρ·Γv`, with secret scalars b, D ∈ [0, n)
 * (constant-time ladder and comb; 0 allowed), a public ρ ∈ [1, n) and public points R, pk, Γu, Γv, none the
 * identity (variable-time multiplications by ρ). Everything stays in the fast representation: three
 * inversions in all. Returns `undefined` where the incomplete addition formulas do not apply (R = ∓ρ·pk,
 * Γu = ∓ρ·Γv, D·G = ∓(Γu + ρ·Γv), or D = 0; negligible for honest data) and the caller decides with noble.
 */
export function foldedGammaCheck(
  b: bigint,
  D: bigint,
  rho: bigint,
  R: Point,
  pk: Point,
  gu: Point,
  gv: Point,
): boolean | undefined {
  const aff = GC_AFF;
  nobleToAffine(pk, aff, 0);
  nobleToAffine(gv, aff, 1);
  nobleToAffine(R, aff, 2);
  nobleToAffine(gu, aff, 3);
  const [x, y, t] = GC as [Jac, Jac, Jac];
  const rhoTables = ladderTables(aff, 2); // one inversion for both tables
  // X = R + ρ·pk and Y = Γu + ρ·Γv (public)
  mulPublicTable(x, rhoTables, 0, rho);
  loadFe(t.x, aff, 2 * 24);
  loadFe(t.y, aff, 2 * 24 + 12);
  t.z.set(ONE);
  if (jadd(x, x, t)) return undefined;
  mulPublicTable(y, rhoTables, 16 * 24, rho);
  loadFe(t.x, aff, 3 * 24);
  loadFe(t.y, aff, 3 * 24 + 12);
  t.z.set(ONE);
  if (jadd(y, y, t)) return undefined;
  // lhs = b·X: X affine (one inversion), its table (one more), the constant-time ladder
  const flat = new Float64Array(36);
  storeJac(flat, 0, x);
  const xAff = new Float64Array(24);
  batchToAffine(flat, 1, xAff);
  ladderMulSecret(x, ladderTables(xAff, 1), 0, b);
  // rhs = D·G + Y: the comb (constant time), then a public addition
  combMul(t, gCombTable(), scalarDigits(D));
  if (jadd(t, t, y)) return undefined;
  return jacEquals(x, t);
}
