/**
 * The pieces of Feldman VSS with commit-then-reveal that key generation (keygen.ts) and resharing (reshare.ts)
 * share: the wire form of a party's coefficient commitments `F_i`, and the round-1 commitment to them (bound to
 * the session and the party's own session id) with its opening check.
 */
import { concatBytes } from '../common/bytes.js';
import { type Reader, Writer } from '../common/codec.js';
import { commit, verifyOpening } from '../common/commit.js';
import type { Point } from '../common/curve.js';
import { DecodeError } from '../common/errors.js';
import { MAX_PARTIES } from './key-share.js';

/** `count ‖ F_0 … F_{count−1}`: the count is explicit so that too many or too few are named as such. */
export function encodeCoefficientCommitments(F: readonly Point[]): Uint8Array {
  const w = new Writer().u8(F.length);
  for (const p of F) w.point(p);
  return w.finish();
}

/** Reads {@link encodeCoefficientCommitments}' form; more than {@link MAX_PARTIES} is malformed. */
export function readCoefficientCommitments(r: Reader): Point[] {
  const count = r.u8();
  if (count > MAX_PARTIES) throw new DecodeError(`${count} coefficient commitments is more than any threshold`);
  const F: Point[] = [];
  for (let k = 0; k < count; k++) F.push(r.point());
  return F;
}

/** What a party's round-1 commitment binds besides its index: the session and the party's own session id. */
function commitmentContext(sessionId: Uint8Array, partySid: Uint8Array): Uint8Array {
  return concatBytes(sessionId, partySid);
}

/**
 * Party `self`'s round-1 commitment to its coefficient commitments `F` (and `extra`, revealed with them: a key
 * generation's chain-code contribution), bound to the session and its own sid.
 */
export function commitToCoefficients(
  sessionId: Uint8Array,
  partySid: Uint8Array,
  self: number,
  salt: Uint8Array,
  F: readonly Point[],
  extra: Uint8Array = new Uint8Array(0),
): Uint8Array {
  return commit(
    commitmentContext(sessionId, partySid),
    self,
    salt,
    concatBytes(encodeCoefficientCommitments(F), extra),
  );
}

/** Whether `F` (and `extra`) with `salt` opens party `from`'s round-1 commitment `C` (made by {@link commitToCoefficients}). */
export function opensCoefficientCommitment(
  C: Uint8Array,
  sessionId: Uint8Array,
  partySid: Uint8Array,
  from: number,
  salt: Uint8Array,
  F: readonly Point[],
  extra: Uint8Array = new Uint8Array(0),
): boolean {
  const data = concatBytes(encodeCoefficientCommitments(F), extra);
  return verifyOpening(C, commitmentContext(sessionId, partySid), from, salt, data);
}
