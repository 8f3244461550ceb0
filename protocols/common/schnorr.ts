/**
 * Schnorr proofs of knowledge of `x` with `X = x·G`. The challenge `H(tag, sid, partyIndex, X, A)` binds the
 * proof to its purpose, session and prover, so it cannot be replayed by another party or in another session.
 */
import { u32be } from './bytes.js';
import type { Reader, Writer } from './codec.js';
import { encodePoint, modN, mulGPublic, mulGSecret, mulPublic, type Point, randomScalar } from './curve.js';
import { hashToScalar } from './hash.js';
import type { CurveBackend, Rng } from './suite.js';

/** A proof: the commitment `A = k·G` and the response `z = k + c·x`. */
export interface SchnorrProof {
  readonly A: Point;
  readonly z: bigint;
}

/** Encoded size of a proof. */
export const SCHNORR_PROOF_BYTES = 33 + 32;

function challenge(tagName: string, sid: Uint8Array, partyIndex: number, X: Point, A: Point): bigint {
  return hashToScalar(tagName, sid, u32be(partyIndex), encodePoint(X), encodePoint(A));
}

/**
 * Proves knowledge of `x` (with `X = x·G`) for `tagName`, session `sid` and prover `partyIndex`. The nonce k
 * is secret and multiplied in the backend's constant-time code; `z = k + c·x` is public.
 */
export function proveDlog(
  curve: CurveBackend,
  tagName: string,
  sid: Uint8Array,
  partyIndex: number,
  x: bigint,
  X: Point,
  rng: Rng,
): SchnorrProof {
  const k = randomScalar(rng);
  const A = mulGSecret(curve, k);
  const c = challenge(tagName, sid, partyIndex, X, A);
  return { A, z: modN(k + c * x) };
}

/** Checks a proof against `X`; false for any mismatch (all values public). */
export function verifyDlog(
  curve: CurveBackend,
  tagName: string,
  sid: Uint8Array,
  partyIndex: number,
  X: Point,
  proof: SchnorrProof,
): boolean {
  if (X.is0() || proof.A.is0()) return false;
  const c = challenge(tagName, sid, partyIndex, X, proof.A);
  // z·G == A + c·X; all values are public, so the variable-time multiplication is fine for c·X.
  const lhs = mulGPublic(curve, proof.z);
  const rhs = proof.A.add(mulPublic(curve, X, c));
  return lhs.equals(rhs);
}

/** Appends a proof to a message. */
export function writeProof(w: Writer, p: SchnorrProof): Writer {
  return w.point(p.A).scalar(p.z);
}

/** Reads a proof from a message. */
export function readProof(r: Reader): SchnorrProof {
  const A = r.point();
  const z = r.scalar();
  return { A, z };
}
