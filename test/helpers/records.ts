/** Session records for party nodes under test (what the coordinator would write and sign). */
import { peerIdFromString } from '@libp2p/peer-id';
import type { SessionKind, SessionRecord } from '../../protocols/control/record.js';
import type { PartyRole } from '../../protocols/control/roles.js';
import type { PartyNode } from '../../src/party/node.js';

/** A party as a test record names it: its peer id, the key-share index it holds, its addresses and its role. */
export interface RecordMember {
  /** The party's peer id, as a string. */
  readonly peerId: string;
  /** The key-share index it holds (what a signing names it by). */
  readonly keyIndex: number;
  readonly addrs: readonly string[];
  readonly role?: PartyRole;
}

/**
 * A fresh 2-of-N record with a random session id, valid for a minute, naming `members`: a keygen numbers them
 * 1..N in order (so their key-share indices), a signing names each by its `keyIndex`.
 */
export function recordOf(
  kind: SessionKind,
  members: readonly RecordMember[],
  keyId: Uint8Array,
  extra: Partial<SessionRecord> = {},
): SessionRecord {
  return {
    sessionId: crypto.getRandomValues(new Uint8Array(32)),
    kind,
    protocol: 'dkls23',
    keyId,
    threshold: 2,
    parties: members.map((m, k) => ({
      peerId: peerIdFromString(m.peerId).toMultihash().bytes,
      index: kind === 'keygen' ? k + 1 : m.keyIndex,
      ...(m.role ? { role: m.role } : {}),
      addrs: [...m.addrs],
    })),
    expiresAt: Date.now() + 60_000,
    ...extra,
  };
}

/** A party of a test record: its node and, for a signing, the key-share index it holds. */
export interface RecordParty {
  readonly node: PartyNode;
  readonly keyIndex: number;
}

/** {@link recordOf} for in-process nodes, each named with the addresses it listens on. */
export function recordFor(
  kind: SessionKind,
  parties: readonly RecordParty[],
  keyId: Uint8Array,
  extra: Partial<SessionRecord> = {},
): SessionRecord {
  const members = parties.map((p) => ({
    peerId: p.node.peerId,
    keyIndex: p.keyIndex,
    addrs: p.node.host.getMultiaddrs().map(String),
  }));
  return recordOf(kind, members, keyId, extra);
}

/** `nodes` as record parties holding key-share indices 1..N in order. */
export function inOrder(nodes: readonly PartyNode[]): RecordParty[] {
  return nodes.map((node, k) => ({ node, keyIndex: k + 1 }));
}
