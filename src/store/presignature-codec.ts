/**
 * Binary format of a stored presignature (the engine has none: a presignature otherwise lives only in memory).
 * Version 1: `version ‖ ssid (32) ‖ index (1) ‖ signer count (1) ‖ signers (1 each) ‖ publicKey (33) ‖ R (33) ‖
 * φ ‖ u ‖ v (32 each)`. Only unused presignatures are stored: a used one has its secrets wiped.
 */
import { decodeAll, Writer } from '../../protocols/common/codec.js';
import { DecodeError } from '../../protocols/common/errors.js';
import { MAX_PARTIES } from '../../protocols/dkls23/key-share.js';
import type { Presignature } from '../../protocols/dkls23/sign.js';
import { StoreError } from './errors.js';

/** Current version of the presignature format. */
export const PRESIGNATURE_VERSION = 1;
const SSID_BYTES = 32;

/** Encodes an unused presignature; throws {@link StoreError} `INVALID_ARGUMENT` for a used one. */
export function encodePresignature(p: Presignature): Uint8Array {
  if (p.used) throw new StoreError('INVALID_ARGUMENT', 'a used presignature cannot be stored');
  if (p.ssid.length !== SSID_BYTES) throw new StoreError('INVALID_ARGUMENT', 'presignature ssid must be 32 bytes');
  if (p.signers.length < 2 || p.signers.length > MAX_PARTIES) {
    throw new StoreError('INVALID_ARGUMENT', `presignature has ${p.signers.length} signers`);
  }
  const w = new Writer().u8(PRESIGNATURE_VERSION).bytes(p.ssid).u8(p.index).u8(p.signers.length);
  for (const s of p.signers) w.u8(s);
  return w.point(p.publicKey).point(p.R).scalar(p.phi).scalar(p.u).scalar(p.v).finish();
}

/** Decodes {@link encodePresignature}'s output strictly; throws the engine's DecodeError if malformed. */
export function decodePresignature(bytes: Uint8Array): Presignature {
  return decodeAll(bytes, (r) => {
    r.expectU8(PRESIGNATURE_VERSION, 'presignature version');
    const ssid = r.copy(SSID_BYTES);
    const index = r.u8();
    const count = r.u8();
    if (count < 2 || count > MAX_PARTIES) throw new DecodeError(`presignature: ${count} signers`);
    const signers: number[] = [];
    for (let k = 0; k < count; k++) signers.push(r.u8());
    if (!signers.includes(index)) throw new DecodeError('presignature: own index is not a signer');
    const publicKey = r.point();
    const R = r.point();
    const phi = r.scalar();
    const u = r.scalar();
    const v = r.scalar();
    return { ssid, index, signers, publicKey, R, phi, u, v, used: false };
  });
}
