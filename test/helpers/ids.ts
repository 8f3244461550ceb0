/** Node ids of test nodes. */
import { sha256 } from '@noble/hashes/sha2.js';

/** A deterministic, distinct node id for node number `k` (stands in for a libp2p peer id). */
export function nodeId(k: number): Uint8Array {
  return sha256(new TextEncoder().encode(`test-node-${k}`)).subarray(0, 24);
}

/** Node ids for nodes `first`..`first + n − 1`. */
export function nodeIds(n: number, first = 1): Uint8Array[] {
  return Array.from({ length: n }, (_, k) => nodeId(first + k));
}
