/**
 * secp256k1 scalars and points with strict encodings: scalars are 32-byte big-endian and canonical (< n),
 * points are 33-byte compressed, on the curve and never the identity.
 *
 * Points are noble's (the interchange type). Every multiplication goes through the suite's curve backend
 * (libsecp256k1, see {@link CurveBackend}): `…Secret` functions take secret scalars and reach only its
 * constant-time multiplications; `…Public` functions take public scalars. Decoding a peer's point (a square
 * root) runs on the public-data arithmetic of protocols/math. Nothing here branches on a secret scalar except
 * on whether it is zero, which the result (the identity) shows anyway.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { decodePointPublic } from '../math/secp-point.js';
import { bigIntToBytes, bytesToBigInt, equalBytes } from './bytes.js';
import { assertArg, DecodeError } from './errors.js';
import type { CurveBackend, Rng } from './suite.js';

/** A secp256k1 point (noble's projective point). */
export type Point = InstanceType<typeof secp256k1.Point>;

/** The point class. */
export const PointClass = secp256k1.Point;
/** The group order n. */
export const CURVE_ORDER: bigint = secp256k1.Point.Fn.ORDER;
/** The generator G. */
export const G: Point = secp256k1.Point.BASE;
/** The identity (point at infinity). */
export const IDENTITY: Point = secp256k1.Point.ZERO;
/** Bytes in an encoded scalar. */
export const SCALAR_BYTES = 32;
/** Bytes in an encoded (compressed) point. */
export const POINT_BYTES = 33;
/** Bytes in an uncompressed point (04 ‖ x ‖ y), the backend's cheapest input (no square root to parse). */
export const POINT_BYTES_UNCOMPRESSED = 65;

const n = CURVE_ORDER;

/** x mod n, always in [0, n). */
export function modN(x: bigint): bigint {
  const r = x % n;
  return r < 0n ? r + n : r;
}

/** Multiplicative inverse mod n of a non-zero scalar (variable time: public values and blinded secrets). */
export function invN(x: bigint): bigint {
  assertArg(modN(x) !== 0n, 'invN: zero has no inverse');
  return secp256k1.Point.Fn.inv(modN(x));
}

/** Encodes a scalar in [0, n) as 32 big-endian bytes. */
export function encodeScalar(x: bigint): Uint8Array {
  assertArg(x >= 0n && x < n, 'encodeScalar: scalar out of range');
  return bigIntToBytes(x, SCALAR_BYTES);
}

/** Decodes a canonical scalar; `nonZero` also rejects 0. Throws {@link DecodeError}. */
export function decodeScalar(bytes: Uint8Array, opts: { nonZero?: boolean } = {}): bigint {
  if (bytes.length !== SCALAR_BYTES) throw new DecodeError(`scalar: expected 32 bytes, got ${bytes.length}`);
  const x = bytesToBigInt(bytes);
  if (x >= n) throw new DecodeError('scalar: not canonical (>= n)');
  if (opts.nonZero && x === 0n) throw new DecodeError('scalar: zero');
  return x;
}

/** Encodes a non-identity point as 33 compressed bytes. */
export function encodePoint(p: Point): Uint8Array {
  assertArg(!p.is0(), 'encodePoint: the identity has no encoding');
  return p.toBytes(true);
}

/** Decodes a compressed point that is on the curve and not the identity. Throws {@link DecodeError}. */
export function decodePoint(bytes: Uint8Array): Point {
  if (bytes.length !== POINT_BYTES) throw new DecodeError(`point: expected 33 bytes, got ${bytes.length}`);
  if (bytes[0] !== 2 && bytes[0] !== 3) throw new DecodeError('point: not a compressed encoding');
  let p: Point;
  try {
    p = decodePointPublic(bytes); // x < p, on the curve; the identity has no compressed encoding
  } catch {
    throw new DecodeError('point: not on the curve');
  }
  if (p.is0()) throw new DecodeError('point: identity');
  return p;
}

/** The same point with Z = 1 (one inversion), so later encodings and `toAffine` calls cost none. */
export function normalizePoint(p: Point): Point {
  return p.is0() ? p : secp256k1.Point.fromAffine(p.toAffine());
}

/** A uniformly random scalar in [1, n) by rejection sampling (never biased, never zero). */
export function randomScalar(rng: Rng): bigint {
  for (;;) {
    const x = bytesToBigInt(rng(32));
    if (x > 0n && x < n) return x;
  }
}

// ───────────────────────────── encodings for the backend ─────────────────────────────

/**
 * Writes a scalar x ∈ [0, n) as 32 big-endian bytes into `out`: four fixed-width writes for every value, no
 * branch on it (the bigint operations' time follows only its number of 64-bit digits, fewer only below
 * 2^192: probability 2^-64 for a uniform secret).
 */
export function scalarBytes(x: bigint, out: Uint8Array = new Uint8Array(SCALAR_BYTES)): Uint8Array {
  assertArg(x >= 0n && x < n, 'scalarBytes: scalar out of range');
  const dv = new DataView(out.buffer, out.byteOffset, SCALAR_BYTES);
  dv.setBigUint64(0, x >> 192n, false);
  dv.setBigUint64(8, x >> 128n, false);
  dv.setBigUint64(16, x >> 64n, false);
  dv.setBigUint64(24, x, false);
  return out;
}

/**
 * The scalar bytes the backend gets for a secret x ∈ [0, n), and whether x = 0: libsecp256k1 refuses 0, so 0
 * is replaced by 1 with a mask (no branch) and the caller turns the result into the identity afterwards.
 */
export function secretScalarBytes(x: bigint): { bytes: Uint8Array; zero: number } {
  const bytes = scalarBytes(x);
  let acc = 0;
  for (let i = 0; i < SCALAR_BYTES; i++) acc |= bytes[i] as number;
  const zero = ((acc - 1) >>> 31) & 1; // 1 exactly when every byte is 0
  bytes[31] = (bytes[31] as number) | zero;
  return { bytes, zero };
}

/** The 65-byte uncompressed encoding of a non-identity point (no square root for the backend to take). */
export function uncompressedBytes(p: Point): Uint8Array {
  assertArg(!p.is0(), 'uncompressedBytes: the identity has no encoding');
  const { x, y } = p.toAffine();
  const out = new Uint8Array(POINT_BYTES_UNCOMPRESSED);
  out[0] = 4;
  scalarBytesAny(x, out, 1);
  scalarBytesAny(y, out, 33);
  return out;
}

/** 32 big-endian bytes of any value below 2^256 at `out[off..]` (field coordinates). */
function scalarBytesAny(v: bigint, out: Uint8Array, off: number): void {
  const dv = new DataView(out.buffer, out.byteOffset + off, 32);
  dv.setBigUint64(0, v >> 192n, false);
  dv.setBigUint64(8, v >> 128n, false);
  dv.setBigUint64(16, v >> 64n, false);
  dv.setBigUint64(24, v, false);
}

/** The noble point of a 65-byte uncompressed encoding produced by the backend (valid by construction). */
export function pointOfUncompressed(bytes: Uint8Array): Point {
  return secp256k1.Point.fromAffine({
    x: bytesToBigInt(bytes.subarray(1, 33)),
    y: bytesToBigInt(bytes.subarray(33, 65)),
  });
}

// ───────────────────────────── multiplications ─────────────────────────────

/** `x·G` for a secret x ∈ [0, n) (libsecp256k1's constant-time ecmult_gen); 0 gives the identity. */
export function mulGSecret(curve: CurveBackend, x: bigint): Point {
  const { bytes, zero } = secretScalarBytes(x);
  const out = new Uint8Array(POINT_BYTES_UNCOMPRESSED);
  curve.mulG(bytes, out);
  bytes.fill(0);
  return zero ? IDENTITY : pointOfUncompressed(out);
}

/** `x·P` for a secret x ∈ [0, n) (constant time in x); 0 or the identity give the identity. */
export function mulSecret(curve: CurveBackend, p: Point, x: bigint): Point {
  if (p.is0()) return IDENTITY; // P is public
  const { bytes, zero } = secretScalarBytes(x);
  const out = new Uint8Array(POINT_BYTES_UNCOMPRESSED);
  curve.mul(uncompressedBytes(p), bytes, out);
  bytes.fill(0);
  return zero ? IDENTITY : pointOfUncompressed(out);
}

/** `k·G` for a public k ∈ [0, n); 0 gives the identity. */
export function mulGPublic(curve: CurveBackend, k: bigint): Point {
  if (k === 0n) return IDENTITY;
  const out = new Uint8Array(POINT_BYTES_UNCOMPRESSED);
  curve.mulG(scalarBytes(k), out);
  return pointOfUncompressed(out);
}

/** `k·P` for a public k ∈ [0, n) and a public P (variable time allowed); 0 or the identity give the identity. */
export function mulPublic(curve: CurveBackend, p: Point, k: bigint): Point {
  if (k === 0n || p.is0()) return IDENTITY;
  const out = new Uint8Array(POINT_BYTES_UNCOMPRESSED);
  curve.mulPublic(uncompressedBytes(p), scalarBytes(k), out);
  return pointOfUncompressed(out);
}

/**
 * The folded Γ check of signing: whether `b·(R + ρ·pk) = D·G + Γu + ρ·Γv`, with secret scalars b, D ∈ [0, n)
 * and a public ρ ∈ [1, n) and public non-identity points R, pk, Γu, Γv. Everything stays in the backend's
 * encodings: the public combinations X = R + ρ·pk and Y = Γu + ρ·Γv (variable time allowed), then b·X and
 * D·G in its constant-time multiplications, D·G + Y in its addition, and the two encodings compared in
 * constant time. The identity cases (X or Y or the right-hand side = O: impossible for honest data) are
 * decided by branches on those public points and on the result; b = 0 and D = 0 reach the backend as 1
 * (masked) and are corrected after.
 */
export function foldedCheck(
  curve: CurveBackend,
  b: bigint,
  D: bigint,
  rho: bigint,
  R: Point,
  pk: Point,
  gu: Point,
  gv: Point,
): boolean {
  assertArg(rho > 0n && rho < n && b >= 0n && b < n && D >= 0n && D < n, 'foldedCheck: scalar out of range');
  const rhoBytes = scalarBytes(rho);
  const t = new Uint8Array(POINT_BYTES_UNCOMPRESSED);
  curve.mulPublic(uncompressedBytes(pk), rhoBytes, t);
  const X = new Uint8Array(POINT_BYTES_UNCOMPRESSED);
  const xIsPoint = curve.add(uncompressedBytes(R), t, X);
  curve.mulPublic(uncompressedBytes(gv), rhoBytes, t);
  const Y = new Uint8Array(POINT_BYTES_UNCOMPRESSED);
  const yIsPoint = curve.add(uncompressedBytes(gu), t, Y);
  const bs = secretScalarBytes(b);
  const ds = secretScalarBytes(D);
  const lhs = new Uint8Array(POINT_BYTES);
  if (xIsPoint) curve.mul(X, bs.bytes, lhs);
  const lhsIdentity = xIsPoint ? bs.zero : 1;
  const dG = new Uint8Array(POINT_BYTES_UNCOMPRESSED);
  curve.mulG(ds.bytes, dG);
  bs.bytes.fill(0);
  ds.bytes.fill(0);
  const rhs = new Uint8Array(POINT_BYTES);
  let rhsIdentity: number;
  if (!yIsPoint) {
    // D·G alone, compressed (parity of y from the last byte of the uncompressed encoding)
    rhsIdentity = ds.zero;
    rhs[0] = 2 | ((dG[64] as number) & 1);
    rhs.set(dG.subarray(1, 33), 1);
  } else if (ds.zero) {
    rhsIdentity = 0;
    rhs[0] = 2 | ((Y[64] as number) & 1);
    rhs.set(Y.subarray(1, 33), 1);
  } else {
    rhsIdentity = curve.add(dG, Y, rhs) ? 0 : 1;
  }
  dG.fill(0);
  if (lhsIdentity || rhsIdentity) return lhsIdentity === rhsIdentity;
  return equalBytes(lhs, rhs);
}

/**
 * ECDSA verification of the compact signature `(r, s)` of the 32-byte message hash `hash` (not hashed again)
 * under `publicKey`, requiring low s: the answers of noble's `secp256k1.verify(compact, hash, pk,
 * { prehash: false, lowS: true, format: 'compact' })`, computed by libsecp256k1 (everything here is public).
 */
export function verifyEcdsa(curve: CurveBackend, r: bigint, s: bigint, hash: Uint8Array, publicKey: Point): boolean {
  assertArg(hash.length === 32, 'verifyEcdsa: the message hash must be 32 bytes');
  if (publicKey.is0()) return false;
  if (r <= 0n || r >= n || s <= 0n || s > n >> 1n) return false;
  const compact = new Uint8Array(64);
  scalarBytes(r, compact.subarray(0, 32));
  scalarBytes(s, compact.subarray(32));
  return curve.verify(hash, uncompressedBytes(publicKey), compact);
}

// ───────────────────────────── polynomials ─────────────────────────────

/** The Lagrange coefficient at 0 of party `i` over the index set `set` (indices are the x-coordinates). */
export function lagrangeAtZero(i: number, set: readonly number[]): bigint {
  return lagrangeAt(i, set, 0n);
}

/** The Lagrange coefficient at `x` of party `i` over the index set `set`: Π_{j≠i} (x − j)/(i − j) mod n. */
export function lagrangeAt(i: number, set: readonly number[], x: bigint): bigint {
  assertArg(set.includes(i), `lagrangeAt: ${i} is not in the set`);
  let num = 1n;
  let den = 1n;
  const xi = BigInt(i);
  for (const j of set) {
    if (j === i) continue;
    const xj = BigInt(j);
    num = modN(num * (x - xj));
    den = modN(den * (xi - xj));
  }
  return modN(num * invN(den));
}

/** Evaluates `Σ c_k x^k` (coefficients in ascending order) mod n. */
export function evalPoly(coeffs: readonly bigint[], x: bigint): bigint {
  let acc = 0n;
  for (let k = coeffs.length - 1; k >= 0; k--) acc = modN(acc * x + (coeffs[k] as bigint));
  return acc;
}

/** Evaluates `Σ C_k x^k` over points (a public coefficient-commitment polynomial; x a small party index). */
export function evalPointPoly(coeffs: readonly Point[], x: bigint): Point {
  let acc = IDENTITY;
  for (let k = coeffs.length - 1; k >= 0; k--) {
    if (!acc.is0()) acc = acc.multiplyUnsafe(x);
    acc = acc.add(coeffs[k] as Point);
  }
  return acc;
}
