/**
 * The session record of an attempt: a fresh session id, the parties with their key-share indices, roles and
 * registered addresses (so that they can dial each other), and the deadline. The orchestrator signs it.
 */
import { randomBytes } from 'node:crypto';
import { peerIdFromString } from '@libp2p/peer-id';
import type { SessionRecord } from '../../protocols/control/record.js';
import type { Rendezvous } from '../p2p/rendezvous.js';
import type { PartyIndex } from './attempt.js';

/** A fresh record for `indexed` (each party with its key-share index), with their registered addresses. */
export function sessionRecord(
  network: Pick<Rendezvous, 'get'>,
  kind: 'keygen' | 'sign',
  keyId: Uint8Array,
  threshold: number,
  indexed: readonly PartyIndex[],
  ttlMs: number,
  messageHash?: Uint8Array,
): SessionRecord {
  const parties = indexed.map(({ partyId, index, role }) => ({
    peerId: peerIdFromString(partyId).toMultihash().bytes,
    index,
    addrs: (network.get(partyId)?.addresses ?? []).slice(0, 8),
    // the role tells a delegate node it is one, and the parties whom to reach across the relay (external)
    ...(role ? { role } : {}),
  }));
  const base = {
    sessionId: randomBytes(32),
    kind,
    protocol: 'dkls23',
    keyId,
    threshold,
    parties,
    expiresAt: Date.now() + ttlMs,
  };
  return messageHash ? { ...base, messageHash } : base;
}
