/** Hash commitments bound to a session and a party: `C = H("commit", sid, partyIndex, salt, data)`. */
import { equalBytes, u32be } from './bytes.js';
import { tag, taggedHash } from './hash.js';

/** Salt length of a commitment. */
export const SALT_BYTES = 32;

/** Commits to `data` for party `partyIndex` in session `sid` with a fresh 32-byte `salt`. */
export function commit(sid: Uint8Array, partyIndex: number, salt: Uint8Array, data: Uint8Array): Uint8Array {
  return taggedHash(tag('commit'), sid, u32be(partyIndex), salt, data);
}

/** True when (`salt`, `data`) opens `commitment` (constant-time comparison). */
export function verifyOpening(
  commitment: Uint8Array,
  sid: Uint8Array,
  partyIndex: number,
  salt: Uint8Array,
  data: Uint8Array,
): boolean {
  return salt.length === SALT_BYTES && equalBytes(commitment, commit(sid, partyIndex, salt, data));
}
