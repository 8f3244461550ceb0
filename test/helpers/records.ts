/** Session records for party nodes under test (what the coordinator would write and sign). */
import { peerIdFromString } from '@libp2p/peer-id';
import type { SessionKind, SessionRecord } from '../../protocols/control/record.js';
import type { PartyNode } from '../../src/party/node.js';

/** A party of a test record: its node and, for a signing, the key-share index it holds. */
export interface RecordParty {
  readonly node: PartyNode;
  readonly keyIndex: number;
}

/**
 * A fresh 2-of-N record with a random session id, valid for a minute, naming `parties` with their addresses: a
 * keygen numbers them 1..N in order (so their key-share indices), a signing names each by its `keyIndex`.
 */
export function recordFor(
  kind: SessionKind,
  parties: readonly RecordParty[],
  keyId: Uint8Array,
  extra: Partial<SessionRecord> = {},
): SessionRecord {
  return {
    sessionId: crypto.getRandomValues(new Uint8Array(32)),
    kind,
    protocol: 'dkls23',
    keyId,
    threshold: 2,
    parties: parties.map((p, k) => ({
      peerId: peerIdFromString(p.node.peerId).toMultihash().bytes,
      index: kind === 'keygen' ? k + 1 : p.keyIndex,
      addrs: p.node.host.getMultiaddrs().map(String),
    })),
    expiresAt: Date.now() + 60_000,
    ...extra,
  };
}

/** `nodes` as record parties holding key-share indices 1..N in order. */
export function inOrder(nodes: readonly PartyNode[]): RecordParty[] {
  return nodes.map((node, k) => ({ node, keyIndex: k + 1 }));
}
