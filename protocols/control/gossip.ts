/**
 * The gossipsub topic on which the coordinator publishes every signed session record and every commit/abort
 * decision, as well as sending them directly: a party that missed the direct message acts on the gossiped copy.
 * Only signed control messages travel on it, never secret material. A party's topic validator
 * ({@link validateGossip}) rejects, and so never forwards, anything the coordinator did not sign.
 */
import { signedDecisions } from './decision.js';
import type { Ed25519 } from './peer-key.js';
import { signedRecords } from './record.js';
import { MessageType } from './wire.js';

/** The topic of session records and decisions. */
export const SESSION_TOPIC = 'mpc/sessions/1.0.0';

/**
 * Topic validator: `accept` only a well-formed record announcement or decision whose body the coordinator
 * signed and that decodes; `reject` everything else (including a bad `coordinatorPeerId`). Never throws.
 * Expiry, naming and replay are left to the receiver (`acceptRecord`, the node's session log).
 */
export function validateGossip(data: Uint8Array, coordinatorPeerId: Uint8Array, ed?: Ed25519): 'accept' | 'reject' {
  const type =
    data[0] === MessageType.ANNOUNCE ? signedRecords : data[0] === MessageType.DECISION ? signedDecisions : undefined;
  if (!type) return 'reject';
  try {
    type.open(data, coordinatorPeerId, ed);
    return 'accept';
  } catch {
    return 'reject';
  }
}
