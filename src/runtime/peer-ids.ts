/**
 * Peer ids parsed once: a node names its few peers by their string form, and parsing one (base58, multihash, the
 * embedded key) on every control exchange, online check and record costs more than the exchange's own crypto.
 */
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';

/** Peer ids kept; past this the cache starts again (a node has far fewer peers). */
const MAX_CACHED = 4096;
const parsed = new Map<string, PeerId>();

/** `peerIdFromString(id)`, from a cache; throws as it does for a malformed id (which is not cached). */
export function peerIdOf(id: string): PeerId {
  let peer = parsed.get(id);
  if (peer === undefined) {
    peer = peerIdFromString(id);
    if (parsed.size >= MAX_CACHED) parsed.clear();
    parsed.set(id, peer);
  }
  return peer;
}
