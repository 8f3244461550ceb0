/**
 * The session record of an attempt: a fresh session id, the parties with their key-share indices, roles and
 * registered addresses (so that they can dial each other), and the deadline. The orchestrator signs it.
 */
import { randomBytes } from 'node:crypto';
import type { ReshareTerms, SessionKind, SessionRecord } from '../../protocols/control/record.js';
import { peerIdOf } from '../../src/runtime/peer-ids.js';
import type { Rendezvous } from '../p2p/rendezvous.js';
import type { PartyIndex } from './attempt.js';

/**
 * A fresh record for `indexed` (each party with its key-share index — for a reshare its session position, and
 * its old and new key indices), with their registered addresses; `extra` is a signing's hash (and the presignature it
 * uses) or a reshare's terms.
 */
export function sessionRecord(
  network: Pick<Rendezvous, 'get'>,
  kind: SessionKind,
  keyId: Uint8Array,
  threshold: number,
  indexed: readonly (PartyIndex & { oldIndex?: number; newIndex?: number })[],
  ttlMs: number,
  extra:
    | { messageHash: Uint8Array; presignature?: Uint8Array; derivationPath?: readonly number[] }
    | { reshare: ReshareTerms }
    | Record<string, never> = {},
): SessionRecord {
  const parties = indexed.map(({ partyId, index, role, oldIndex, newIndex }) => ({
    peerId: peerIdOf(partyId).toMultihash().bytes,
    index,
    addrs: (network.get(partyId)?.addresses ?? []).slice(0, 8),
    // the role tells a delegate node it is one, and the parties whom to reach across the relay (external)
    ...(role ? { role } : {}),
    ...(oldIndex === undefined ? {} : { oldIndex }),
    ...(newIndex === undefined ? {} : { newIndex }),
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
  return { ...base, ...extra };
}
