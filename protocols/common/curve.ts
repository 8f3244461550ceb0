/**
 * secp256k1 scalars and points with strict encodings: scalars are 32-byte big-endian and canonical (< n),
 * points are 33-byte compressed, on the curve and never the identity.
 *
 * Points are noble's (the interchange type); the costly operations — multiplications, decoding, ECDSA
 * verification — run on the fast float-limb arithmetic of secp-point.ts and return noble points. Secret scalars
 * only ever reach its constant-time comb and ladder ({@link mulG}, {@link mulSecret}); {@link mulPublic} and
 * {@link verifyEcdsa} are variable-time and only for public values.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bigIntToBytes, bytesToBigInt } from './bytes.js';
import { assertArg, DecodeError } from './errors.js';
import {
  decodePointFast,
  ecdsaCheck,
  foldedGammaCheck,
  mulGPoint,
  mulPublicPoint,
  mulSecretPoint,
} from './secp-point.js';
import type { Rng } from './suite.js';

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

const n = CURVE_ORDER;

/** x mod n, always in [0, n). */
export function modN(x: bigint): bigint {
  const r = x % n;
  return r < 0n ? r + n : r;
}

/** Multiplicative inverse mod n of a non-zero scalar. */
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
    p = decodePointFast(bytes); // x < p, on the curve; the identity has no compressed encoding
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

/**
 * `x·G` for x ∈ [1, n), secret allowed (constant-time comb, precomputed table). Other x are refused as noble
 * refuses them (an Error).
 */
export function mulG(x: bigint): Point {
  if (x <= 0n || x >= n) return G.multiply(x); // throws, as before
  return mulGPoint(x);
}

/** `x·P` with a secret scalar (constant-time ladder). `x` may be 0 (gives the identity). */
export function mulSecret(p: Point, x: bigint): Point {
  if (x === 0n || p.is0()) return IDENTITY;
  if (x < 0n || x >= n) return p.multiply(x); // throws, as before
  return mulSecretPoint(p, x);
}

/** `x·P` with a public scalar (variable time; never use with a secret). `x` may be 0 (gives the identity). */
export function mulPublic(p: Point, x: bigint): Point {
  if (x === 0n || p.is0()) return IDENTITY;
  if (x < 0n || x >= n) return p.multiplyUnsafe(x); // throws, as before
  return mulPublicPoint(p, x);
}

/**
 * Whether `b·(R + ρ·pk) = D·G + Γu + ρ·Γv` (the folded Γ check of signing) with secret scalars b, D ∈ [0, n),
 * a public ρ ∈ [1, n) and public non-identity points R, pk, Γu, Γv: b and D only reach the constant-time ladder
 * and comb, the multiplications by ρ are variable time. The rare inputs the fast formulas do not cover are
 * decided by the generic operations (with the same result).
 */
export function foldedCheck(b: bigint, D: bigint, rho: bigint, R: Point, pk: Point, gu: Point, gv: Point): boolean {
  assertArg(rho > 0n && rho < n && b >= 0n && b < n && D >= 0n && D < n, 'foldedCheck: scalar out of range');
  const fast = foldedGammaCheck(b, D, rho, R, pk, gu, gv);
  if (fast !== undefined) return fast;
  const lhs = mulSecret(R.add(mulPublic(pk, rho)), b);
  const rhs = (D === 0n ? IDENTITY : mulG(D)).add(gu).add(mulPublic(gv, rho));
  return lhs.equals(rhs);
}

/**
 * ECDSA verification of the compact signature `(r, s)` of the 32-byte message hash `hash` (not hashed again)
 * under `publicKey`, requiring low s: the same answers as noble's `secp256k1.verify(compact, hash, pk,
 * { prehash: false, lowS: true, format: 'compact' })`, computed with the fast comb and a variable-time GLV
 * ladder (everything here is public).
 */
export function verifyEcdsa(r: bigint, s: bigint, hash: Uint8Array, publicKey: Point): boolean {
  assertArg(hash.length === 32, 'verifyEcdsa: the message hash must be 32 bytes');
  if (publicKey.is0()) return false;
  if (r <= 0n || r >= n || s <= 0n || s > n >> 1n) return false;
  const w = invN(s);
  const u1 = modN(bytesToBigInt(hash) * w);
  const u2 = modN(r * w);
  const fast = ecdsaCheck(u1, u2, publicKey, r);
  if (fast !== undefined) return fast;
  // u1·G = ±u2·P or an exceptional addition (negligible for honest data): noble's complete formulas decide.
  const compact = new Uint8Array(64);
  compact.set(bigIntToBytes(r, 32), 0);
  compact.set(bigIntToBytes(s, 32), 32);
  return secp256k1.verify(compact, hash, publicKey.toBytes(true), { prehash: false, lowS: true, format: 'compact' });
}

/** The Lagrange coefficient at 0 of party `i` over the index set `set` (indices are the x-coordinates). */
export function lagrangeAtZero(i: number, set: readonly number[]): bigint {
  assertArg(set.includes(i), `lagrangeAtZero: ${i} is not in the set`);
  let num = 1n;
  let den = 1n;
  const xi = BigInt(i);
  for (const j of set) {
    if (j === i) continue;
    const xj = BigInt(j);
    num = modN(num * xj);
    den = modN(den * (xj - xi));
  }
  return modN(num * invN(den));
}

/** Evaluates `Σ c_k x^k` (coefficients in ascending order) mod n. */
export function evalPoly(coeffs: readonly bigint[], x: bigint): bigint {
  let acc = 0n;
  for (let k = coeffs.length - 1; k >= 0; k--) acc = modN(acc * x + (coeffs[k] as bigint));
  return acc;
}

/** Evaluates `Σ C_k x^k` over points (a public coefficient-commitment polynomial). */
export function evalPointPoly(coeffs: readonly Point[], x: bigint): Point {
  let acc = IDENTITY;
  for (let k = coeffs.length - 1; k >= 0; k--) {
    if (!acc.is0()) acc = acc.multiplyUnsafe(x);
    acc = acc.add(coeffs[k] as Point);
  }
  return acc;
}
