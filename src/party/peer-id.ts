/** Binary peer ids (as records, key shares and the store hold them) ⇄ libp2p's PeerId. */
import type { PeerId } from '@libp2p/interface';
import { peerIdFromMultihash } from '@libp2p/peer-id';
import * as Digest from 'multiformats/hashes/digest';

/** The PeerId of a binary peer id (its multihash bytes); throws when the bytes are not one. */
export function peerIdOfBytes(bytes: Uint8Array): PeerId {
  return peerIdFromMultihash(Digest.decode(bytes));
}
