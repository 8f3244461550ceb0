/**
 * The signing messages as read from the wire (strict: every field checked as it is read, see common/codec.ts).
 * The OT-extension and vector-OLE parts are decoded by the multiplication itself.
 */
import { type Reader, Writer } from '../common/codec.js';
import { SALT_BYTES } from '../common/commit.js';
import { POINT_BYTES, type Point, SCALAR_BYTES } from '../common/curve.js';
import { DecodeError } from '../common/errors.js';

/** Bytes of round 2 in front of the OT-extension message: `ssid ‖ echo₁`. */
export const ROUND2_HEAD_BYTES = 32 + 32;
/** Bytes of round 3 in front of the vector-OLE message: `Γ^u ‖ Γ^v ‖ ψ ‖ pk_i ‖ R_i ‖ salt`. */
export const ROUND3_HEAD_BYTES = 4 * POINT_BYTES + SCALAR_BYTES + SALT_BYTES;

/** Round 1: `sid_i ‖ C_i` (the commitment to `R_i`). */
export function readSignRound1(r: Reader): { sid: Uint8Array; C: Uint8Array } {
  return { sid: r.copy(32), C: r.copy(32) };
}

/** Round 2: `ssid ‖ echo₁ ‖ OT-extension message` (the last is decoded by the multiplication). */
export function readSignRound2(r: Reader): { ssid: Uint8Array; echo: Uint8Array; ot: Uint8Array } {
  return { ssid: r.copy(32), echo: r.copy(32), ot: r.bytes(r.remaining) };
}

/** Round 3: `Γ^u ‖ Γ^v ‖ ψ ‖ pk_i ‖ R_i ‖ salt ‖ vector-OLE message` (the last decoded by the multiplication). */
export function readSignRound3(r: Reader): {
  gu: Point;
  gv: Point;
  psi: bigint;
  pk: Point;
  R: Point;
  salt: Uint8Array;
  ole: Uint8Array;
} {
  return {
    gu: r.point(),
    gv: r.point(),
    psi: r.scalar(),
    pk: r.point(),
    R: r.point(),
    salt: r.copy(SALT_BYTES),
    ole: r.bytes(r.remaining),
  };
}

/** A signer's round-4 share as sent: `ssid ‖ R ‖ m ‖ u_i ‖ w_i`. */
export interface OnlineShare {
  ssid: Uint8Array;
  R: Point;
  hash: Uint8Array;
  u: bigint;
  w: bigint;
}

/** A message hash of 32 zero bytes: refused everywhere (finding 5 of the review; see checkMessageHash). */
export function isZeroHash(hash: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < hash.length; i++) acc |= hash[i] as number;
  return acc === 0;
}

/** Round 4 (online): `ssid ‖ R ‖ m ‖ u_i ‖ w_i`; an all-zero message hash is malformed. */
export function readSignRound4(r: Reader): OnlineShare {
  const ssid = r.copy(32);
  const R = r.point();
  const hash = r.copy(32);
  if (isZeroHash(hash)) throw new DecodeError('the message hash is all zero');
  return { ssid, R, hash, u: r.scalar(), w: r.scalar() };
}

/** Encodes a round-4 share. */
export function encodeOnlineShare(x: OnlineShare): Uint8Array {
  return new Writer().bytes(x.ssid).point(x.R).bytes(x.hash).scalar(x.u).scalar(x.w).finish();
}
