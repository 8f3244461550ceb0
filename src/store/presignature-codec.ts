/**
 * Binary format of a stored presignature (the engine has none: a presignature otherwise lives only in memory),
 * with the peer id of each of its signers, so that it is only ever used with the signer set that made it.
 * Version 2: `version ‖ ssid (32) ‖ index (1) ‖ signer count (1) ‖ signers (1 each) ‖ signer count × {peer id
 * length (1, 1..128) ‖ peer id} ‖ publicKey (33) ‖ R (33) ‖ φ ‖ u ‖ v (32 each)`. Only unused presignatures are
 * stored: a used one has its secrets wiped. Version 1 (without peer ids) was never written by a node and is
 * refused.
 */
import { decodeAll, Writer } from '../../protocols/common/codec.js';
import { DecodeError } from '../../protocols/common/errors.js';
import { MAX_PARTIES } from '../../protocols/dkls23/key-share.js';
import type { Presignature } from '../../protocols/dkls23/sign.js';
import { StoreError } from './errors.js';

/** Current version of the presignature format. */
export const PRESIGNATURE_VERSION = 2;
const SSID_BYTES = 32;
/** Longest peer id stored with a presignature. */
const MAX_PEER_ID_BYTES = 128;

/**
 * Encodes an unused presignature and the peer id of each signer (`peers[k]` holds index `p.signers[k]`); throws
 * {@link StoreError} `INVALID_ARGUMENT` for a used one or a peer list that does not match the signers.
 */
export function encodePresignature(p: Presignature, peers: readonly Uint8Array[]): Uint8Array {
  if (p.used) throw new StoreError('INVALID_ARGUMENT', 'a used presignature cannot be stored');
  if (p.ssid.length !== SSID_BYTES) throw new StoreError('INVALID_ARGUMENT', 'presignature ssid must be 32 bytes');
  if (p.signers.length < 2 || p.signers.length > MAX_PARTIES) {
    throw new StoreError('INVALID_ARGUMENT', `presignature has ${p.signers.length} signers`);
  }
  if (peers.length !== p.signers.length || peers.some((id) => id.length < 1 || id.length > MAX_PEER_ID_BYTES)) {
    throw new StoreError('INVALID_ARGUMENT', 'a presignature needs one peer id (1..128 bytes) per signer');
  }
  const w = new Writer().u8(PRESIGNATURE_VERSION).bytes(p.ssid).u8(p.index).u8(p.signers.length);
  for (const s of p.signers) w.u8(s);
  for (const id of peers) w.u8(id.length).bytes(id);
  return w.point(p.publicKey).point(p.R).scalar(p.phi).scalar(p.u).scalar(p.v).finish();
}

/** Decodes {@link encodePresignature}'s output strictly; throws the engine's DecodeError if malformed. */
export function decodePresignature(bytes: Uint8Array): { presignature: Presignature; peers: Uint8Array[] } {
  return decodeAll(bytes, (r) => {
    r.expectU8(PRESIGNATURE_VERSION, 'presignature version');
    const ssid = r.copy(SSID_BYTES);
    const index = r.u8();
    const count = r.u8();
    if (count < 2 || count > MAX_PARTIES) throw new DecodeError(`presignature: ${count} signers`);
    const signers: number[] = [];
    for (let k = 0; k < count; k++) signers.push(r.u8());
    if (!signers.includes(index)) throw new DecodeError('presignature: own index is not a signer');
    const peers: Uint8Array[] = [];
    for (let k = 0; k < count; k++) {
      const len = r.u8();
      if (len < 1 || len > MAX_PEER_ID_BYTES) throw new DecodeError(`presignature: peer id of ${len} bytes`);
      peers.push(r.copy(len));
    }
    const publicKey = r.point();
    const R = r.point();
    const phi = r.scalar();
    const u = r.scalar();
    const v = r.scalar();
    return { presignature: { ssid, index, signers, publicKey, R, phi, u, v, used: false }, peers };
  });
}
