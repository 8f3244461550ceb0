/**
 * What a protocol run gets from its host: randomness, the elliptic-curve backend for multiplications by secret
 * scalars, and optionally a faster SHA-256. `protocols/` never reaches for global state or native code; the
 * node passes `crypto.getRandomValues`, `node:crypto` hashes and libsecp256k1 (src/runtime/suite.ts), tests
 * pass a seeded generator (reproducible transcripts) and the backend the test helpers pick.
 */
import { sha256 as nobleSha256Hasher } from '@noble/hashes/sha2.js';

/** Fills and returns a fresh array of `length` random bytes. */
export type Rng = (length: number) => Uint8Array;

/**
 * SHA-256 of the concatenation of `parts`, without building it: the bulk hashes (transcripts, OT-extension and
 * OLE messages of tens of KB) are fed piece by piece, which spares a large copy per hash.
 */
export type Sha256 = (parts: readonly Uint8Array[]) => Uint8Array;

/** {@link Sha256} by the pure-TS SHA-256 of `@noble/hashes` (the default of {@link makeSuite}). */
export const nobleSha256: Sha256 = (parts) => {
  const h = nobleSha256Hasher.create();
  for (const p of parts) h.update(p);
  return h.digest();
};

/**
 * secp256k1 group operations on encoded points, implemented by libsecp256k1 (its constant-time
 * multiplications). Points are SEC1 encodings: 33 bytes (compressed) or 65 bytes (uncompressed, no square root
 * to parse); every output's encoding is chosen by the length of `out`. Scalars are 32 big-endian bytes in
 * [1, n). Inputs are always valid (callers check); a backend throws on anything else.
 *
 * Every secret scalar of the engine reaches the curve only through {@link mulG} and {@link mul}, whose running
 * time must not depend on the scalar. {@link add} handles secret-derived points too: it must not branch on
 * them except in the impossible-for-honest-data cases (P = ±Q).
 */
export interface CurveBackend {
  /** Short name for logs and bench rows (`native`, `wasm`). */
  readonly name: string;
  /** Writes x·G into `out` (33 or 65 bytes). Constant time in x. */
  mulG(x: Uint8Array, out: Uint8Array): void;
  /** Writes x·P into `out` (33 or 65 bytes) for a valid encoded point P. Constant time in x. */
  mul(p: Uint8Array, x: Uint8Array, out: Uint8Array): void;
  /** `mul(points[i], x, outs[i])` for every i: one secret scalar, many points (a backend may share work). */
  mulPoints(points: readonly Uint8Array[], x: Uint8Array, outs: readonly Uint8Array[]): void;
  /** `mul(p, xs[i], outs[i])` for every i: one point, many secret scalars (a backend may share work). */
  mulScalars(p: Uint8Array, xs: readonly Uint8Array[], outs: readonly Uint8Array[]): void;
  /** Writes k·P for a PUBLIC scalar k (variable time allowed; never pass a secret). */
  mulPublic(p: Uint8Array, k: Uint8Array, out: Uint8Array): void;
  /**
   * Decompresses a 33-byte encoding (public data) into 65 bytes: false, `out` untouched, unless it is a valid
   * compressed point (prefix 2 or 3, x < p, on the curve).
   */
  decompress(p: Uint8Array, out: Uint8Array): boolean;
  /** Writes P + Q into `out` and returns true, or returns false when the sum is the identity. */
  add(p: Uint8Array, q: Uint8Array, out: Uint8Array): boolean;
  /**
   * ECDSA verification (public data): whether the 64-byte `r ‖ s` with 0 < r, s < n and s ≤ n/2 signs the
   * 32-byte `hash` (not hashed again) under the encoded public key. High s is rejected.
   */
  verify(hash: Uint8Array, publicKey: Uint8Array, compact: Uint8Array): boolean;
}

/** The injected environment of a protocol run. */
export interface Suite {
  /** Cryptographically secure randomness (production: `crypto.getRandomValues`). */
  readonly rng: Rng;
  /** SHA-256 for bulk inputs (transcripts, OT messages); must give the same bytes as FIPS 180-4 SHA-256. */
  readonly sha256: Sha256;
  /** libsecp256k1 for every multiplication by a secret scalar (and the public ones it does faster). */
  readonly curve: CurveBackend;
}

/** A suite with the given randomness and curve backend, and the pure-TS SHA-256 of `@noble/hashes` by default. */
export function makeSuite(rng: Rng, curve: CurveBackend, sha256: Sha256 = nobleSha256): Suite {
  return { rng, sha256, curve };
}
