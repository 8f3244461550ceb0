/**
 * The online round of docs/protocol.md "Signing" (round 4): each signer's share `w_i = m·φ_i + r·v_i` from a consumed
 * presignature, and the combiner that turns all shares into an Ethereum-compatible ECDSA signature, verified
 * against the public key before it is released.
 *
 * Two additions, both on public data (docs/protocol.md "Derived keys and presignature pools"):
 * - a derived child key (derive.ts) `pk + t·G` is signed for by `w_i = (m + r·t)·φ_i + r·v_i`: the Σ over the
 *   signers is `(m + r·(sk + t))·φ`, so nobody ever holds the child's secret;
 * - a presignature made earlier and stored (a pool) is re-randomised before use against the attack of Groth and
 *   Shoup on additive key derivation with presignatures (Eurocrypt 2022): with `δ = H(ssid, R, session, m, t,
 *   child key)`, every signer uses `R' = R + δ·G` and `u'_i = u_i + δ·φ_i` (so Σu' = (k + δ)·φ), hence a nonce
 *   that nobody could know before the message, the session and the child key were fixed.
 */
import { bigIntToBytes, bytesToBigInt, concatBytes, equalBytes } from '../common/bytes.js';
import {
  CURVE_ORDER,
  encodePoint,
  encodeScalar,
  invN,
  modN,
  mulGPublic,
  normalizePoint,
  type Point,
  verifyEcdsa,
} from '../common/curve.js';
import { assertArg, ProtocolError } from '../common/errors.js';
import { hashToScalar, tag } from '../common/hash.js';
import type { CurveBackend } from '../common/suite.js';
import type { Presignature } from './presign.js';
import { isZeroHash, type OnlineShare } from './sign-messages.js';

/** An ECDSA signature with its recovery id; `s` is low (≤ n/2). */
export interface Signature {
  readonly r: bigint;
  readonly s: bigint;
  /** 0..3: bit 0 is the y-parity of R (after low-s), bit 1 set when x(R) ≥ n. */
  readonly recovery: number;
  /** `r ‖ s`, 64 bytes. */
  readonly compact: Uint8Array;
}

/** A nonce point as {@link signatureOfSums} needs it: its x-coordinate and the parity of its y. */
export interface NoncePoint {
  readonly x: bigint;
  readonly odd: boolean;
}

/** `r = x(R) mod n`, whether x(R) ≥ n (recovery id bit 1), and the y-parity of R (recovery id bit 0). */
export function signatureR(R: Point | NoncePoint): { r: bigint; overflow: boolean; odd: boolean } {
  const { x, odd } = 'toAffine' in R ? { x: R.toAffine().x, odd: (R.toAffine().y & 1n) === 1n } : R;
  return { r: x % CURVE_ORDER, overflow: x >= CURVE_ORDER, odd };
}

/**
 * x and the y-parity of a compressed point that was decoded (so checked on the curve) before: no square root.
 * Throws `INVALID_ARGUMENT` on anything but 33 bytes with prefix 2 or 3.
 */
export function compressedR(bytes: Uint8Array): NoncePoint {
  assertArg(bytes.length === 33 && (bytes[0] === 2 || bytes[0] === 3), 'a compressed point is 33 bytes, prefix 2 or 3');
  return { x: bytesToBigInt(bytes.subarray(1)), odd: bytes[0] === 3 };
}

/** A presignature's secret values, taken by {@link consumePresignature}. */
export interface PresignatureValues {
  readonly phi: bigint;
  readonly u: bigint;
  readonly v: bigint;
}

/** The public terms of one online round: the session, the nonce point, the key signed for and its tweak. */
export interface SigningTerms {
  readonly ssid: Uint8Array;
  /** The nonce point (after any re-randomisation). */
  readonly R: Point;
  /** The key the signature verifies under: the presignature's key, or its derived child `pk + tweak·G`. */
  readonly publicKey: Point;
  /** The derived child's tweak; 0 for the key itself. */
  readonly tweak: bigint;
}

/** The terms of signing with presignature `p` for the child `pk + tweak·G` (the key itself for tweak 0). */
export function childTerms(curve: CurveBackend, p: Presignature, tweak = 0n): SigningTerms {
  assertArg(tweak >= 0n && tweak < CURVE_ORDER, 'a tweak is a scalar below n');
  if (tweak === 0n) return { ssid: p.ssid, R: p.R, publicKey: p.publicKey, tweak };
  const child = p.publicKey.add(mulGPublic(curve, tweak));
  if (child.is0()) throw new ProtocolError('DERIVATION_INVALID', 'the derived child key is the identity');
  return { ssid: p.ssid, R: p.R, publicKey: normalizePoint(child), tweak };
}

const TAG_RERANDOMIZE = tag('presign-rerandomize');

/**
 * Re-randomises a stored presignature for one use (see the module comment): `δ` hashes the presignature's ssid
 * and R, the online session id, the message, the tweak and the child key; returns `R' = R + δ·G` in the terms and
 * `u' = u + δ·φ_i` in the values. Every signer computes the same `δ` from public data.
 */
export function rerandomize(
  curve: CurveBackend,
  terms: SigningTerms,
  values: PresignatureValues,
  sessionId: Uint8Array,
  hash: Uint8Array,
): { terms: SigningTerms; values: PresignatureValues } {
  const delta = hashToScalar(
    TAG_RERANDOMIZE,
    terms.ssid,
    encodePoint(terms.R),
    sessionId,
    hash,
    encodeScalar(terms.tweak),
    encodePoint(terms.publicKey),
  );
  const R = terms.R.add(mulGPublic(curve, delta));
  if (R.is0()) throw new ProtocolError('DEGENERATE_VALUE', 'the re-randomised nonce point is the identity');
  return {
    terms: { ...terms, R: normalizePoint(R) },
    values: { phi: values.phi, u: modN(values.u + delta * values.phi), v: values.v },
  };
}

/** Computes this signer's online share `w_i = (m + r·t)·φ_i + r·v_i` from a consumed presignature's values. */
export function onlineShare(terms: SigningTerms, values: PresignatureValues, hash: Uint8Array): OnlineShare {
  const m = modN(bytesToBigInt(hash));
  const r = signatureR(terms.R).r;
  const w = modN(modN(m + r * terms.tweak) * values.phi + r * values.v);
  return { ssid: terms.ssid, R: terms.R, hash, u: values.u, w };
}

const HALF_N = CURVE_ORDER >> 1n;

/**
 * The combiner of the online round: checks that every signer signs the same session, nonce and message
 * (else a plain abort), computes `s = Σw / Σu`, normalises to low s, computes the recovery id and verifies
 * the signature under the public key before anything is released.
 */
export function combine(
  curve: CurveBackend,
  p: SigningTerms,
  own: OnlineShare,
  shares: ReadonlyMap<number, OnlineShare>,
  round: number,
): Signature {
  const fail = (
    code: 'SESSION_MISMATCH' | 'DEGENERATE_VALUE' | 'SIGNATURE_INVALID',
    msg: string,
    culprit?: number,
  ): never => {
    throw new ProtocolError(code, msg, culprit === undefined ? { round } : { round, culprit });
  };
  let sumU = own.u;
  let sumW = own.w;
  for (const [from, m] of shares) {
    if (!equalBytes(m.ssid, own.ssid) || !m.R.equals(own.R) || !equalBytes(m.hash, own.hash)) {
      fail('SESSION_MISMATCH', `party ${from} signs another session, nonce or message`, from);
    }
    sumU += m.u;
    sumW += m.w;
  }
  const sig = signatureOfSums(p.R, sumU, sumW, round);
  if (!verifyEcdsa(curve, sig.r, sig.s, own.hash, p.publicKey))
    fail('SIGNATURE_INVALID', 'the combined signature does not verify under the public key');
  return sig;
}

/**
 * The signature the online shares add up to, not yet verified: `r = x(R) mod n`, `s = Σw / Σu` normalised to low
 * s, and the recovery id. `DEGENERATE_VALUE` (no culprit) when r, Σu or s is 0. Used by {@link combine} and by a
 * combiner outside the signer set (the coordinator, docs/protocol.md "Derived keys and presignature pools"), which
 * must verify the result itself before releasing it.
 */
export function signatureOfSums(R: Point | NoncePoint, sumU: bigint, sumW: bigint, round: number): Signature {
  const fail = (msg: string): never => {
    throw new ProtocolError('DEGENERATE_VALUE', msg, { round });
  };
  const u = modN(sumU);
  const w = modN(sumW);
  const { r, overflow, odd } = signatureR(R);
  if (r === 0n) fail('r = 0');
  if (u === 0n) fail('Σu = 0');
  let s = modN(w * invN(u));
  if (s === 0n) fail('s = 0');
  let parity = odd ? 1 : 0;
  if (s > HALF_N) {
    // (r, n − s) is the same signature with −R: the y-parity in the recovery id flips with it.
    s = CURVE_ORDER - s;
    parity ^= 1;
  }
  const compact = concatBytes(bigIntToBytes(r, 32), bigIntToBytes(s, 32));
  return { r, s, recovery: parity | (overflow ? 2 : 0), compact };
}

/**
 * Checks a local message hash: exactly 32 bytes (`INVALID_ARGUMENT`) and not all zero (`BAD_MESSAGE`, no
 * culprit: an all-zero hash is what an unset buffer looks like, and m = 0 would let anyone holding the
 * signature derive the public key's x·r relation without any message; it is never signed).
 */
export function checkMessageHash(hash: Uint8Array): void {
  assertArg(hash.length === 32, `message hash must be 32 bytes, got ${hash.length}`);
  if (isZeroHash(hash)) throw new ProtocolError('BAD_MESSAGE', 'the message hash is all zero; refusing to sign it');
}
