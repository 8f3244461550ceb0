/**
 * The online round of docs/protocol.md "Signing" (round 4): each signer's share `w_i = m·φ_i + r·v_i` from a consumed
 * presignature, and the combiner that turns all shares into an Ethereum-compatible ECDSA signature, verified
 * against the public key before it is released.
 */
import { bigIntToBytes, bytesToBigInt, concatBytes, equalBytes } from '../common/bytes.js';
import { CURVE_ORDER, invN, modN, type Point, verifyEcdsa } from '../common/curve.js';
import { assertArg, ProtocolError } from '../common/errors.js';
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

/** `r = x(R) mod n`, whether x(R) ≥ n (recovery id bit 1), and the y-parity of R (recovery id bit 0). */
export function signatureR(R: Point): { r: bigint; overflow: boolean; odd: boolean } {
  const { x, y } = R.toAffine();
  return { r: x % CURVE_ORDER, overflow: x >= CURVE_ORDER, odd: (y & 1n) === 1n };
}

/** Computes this signer's online share `w_i = m·φ_i + r·v_i` from a consumed presignature. */
export function onlineShare(
  p: Presignature,
  values: { phi: bigint; u: bigint; v: bigint },
  hash: Uint8Array,
): OnlineShare {
  const m = modN(bytesToBigInt(hash));
  const w = modN(m * values.phi + signatureR(p.R).r * values.v);
  return { ssid: p.ssid, R: p.R, hash, u: values.u, w };
}

const HALF_N = CURVE_ORDER >> 1n;

/**
 * The combiner of the online round: checks that every signer signs the same session, nonce and message
 * (else a plain abort), computes `s = Σw / Σu`, normalises to low s, computes the recovery id and verifies
 * the signature under the public key before anything is released.
 */
export function combine(
  curve: CurveBackend,
  p: Presignature,
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
  sumU = modN(sumU);
  sumW = modN(sumW);
  const { r, overflow, odd } = signatureR(p.R);
  if (r === 0n) fail('DEGENERATE_VALUE', 'r = 0');
  if (sumU === 0n) fail('DEGENERATE_VALUE', 'Σu = 0');
  let s = modN(sumW * invN(sumU));
  if (s === 0n) fail('DEGENERATE_VALUE', 's = 0');
  let parity = odd ? 1 : 0;
  if (s > HALF_N) {
    // (r, n − s) is the same signature with −R: the y-parity in the recovery id flips with it.
    s = CURVE_ORDER - s;
    parity ^= 1;
  }
  const compact = concatBytes(bigIntToBytes(r, 32), bigIntToBytes(s, 32));
  if (!verifyEcdsa(curve, r, s, own.hash, p.publicKey))
    fail('SIGNATURE_INVALID', 'the combined signature does not verify under the public key');
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
