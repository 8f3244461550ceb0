/**
 * Commit/abort of a pending key (coordinator → party), signed by the coordinator's libp2p key.
 *
 * Body (version 1): `0x14 ‖ 0x01 ‖ sessionId(32) ‖ keyId(u16 len, 1..64) ‖ action(u8)`; on the wire it travels
 * in a `DECISION` envelope (envelope.ts).
 */
import { decodeAll, type Reader, Writer } from '../common/codec.js';
import { DecodeError } from '../common/errors.js';
import { defineSignedMessage, type Signed } from './envelope.js';
import { ControlError } from './errors.js';
import { MAX_KEY_ID_BYTES, SESSION_ID_BYTES } from './record.js';
import { MessageType, readCode, readHeader, WIRE_VERSION } from './wire.js';

/** What the coordinator tells the parties to do with a pending key share. */
export type DecisionAction = 'commit' | 'abort';
/** Wire code of each action (u8). */
export const ACTION_CODES: Readonly<Record<DecisionAction, number>> = { commit: 1, abort: 2 };

/** Commit or abort of the pending key made by a keygen session. */
export interface Decision {
  /** The keygen session that produced the pending share. */
  readonly sessionId: Uint8Array;
  /** The key concerned. */
  readonly keyId: Uint8Array;
  /** Commit (make the share active) or abort (keep it pending and flagged; never deleted automatically). */
  readonly action: DecisionAction;
}

/** A decision with its signed body and the coordinator's signature (domain `decision`). */
export type SignedDecision = Signed<'decision', Decision>;

/** Serialises a decision body; throws {@link ControlError} `INVALID_ARGUMENT` when a field is out of bounds. */
export function encodeDecision(d: Decision): Uint8Array {
  if (!(d.sessionId instanceof Uint8Array) || d.sessionId.length !== SESSION_ID_BYTES) {
    throw new ControlError('INVALID_ARGUMENT', 'decision: sessionId must be 32 bytes');
  }
  if (!(d.keyId instanceof Uint8Array) || d.keyId.length < 1 || d.keyId.length > MAX_KEY_ID_BYTES) {
    throw new ControlError('INVALID_ARGUMENT', `decision: keyId must be 1..${MAX_KEY_ID_BYTES} bytes`);
  }
  if (!Object.hasOwn(ACTION_CODES, d.action)) throw new ControlError('INVALID_ARGUMENT', 'decision: unknown action');
  return new Writer()
    .u8(MessageType.DECISION_BODY)
    .u8(WIRE_VERSION)
    .bytes(d.sessionId)
    .varBytes(d.keyId)
    .u8(ACTION_CODES[d.action])
    .finish();
}

/** Parses a decision body; throws {@link DecodeError} for anything malformed. */
export function decodeDecision(bytes: Uint8Array): Decision {
  return decodeAll(bytes, (r: Reader) => {
    readHeader(r, MessageType.DECISION_BODY, 'decision');
    const sessionId = r.copy(SESSION_ID_BYTES);
    const keyId = r.varBytes(MAX_KEY_ID_BYTES);
    if (keyId.length === 0) throw new DecodeError('decision: empty keyId');
    const action = readCode(r, ACTION_CODES, 'decision', 'action');
    return { sessionId, keyId, action };
  });
}

/** The decision as a signed message: signed by the coordinator, in a `DECISION` envelope. */
export const signedDecisions = defineSignedMessage<'decision', Decision>({
  domain: 'decision',
  type: MessageType.DECISION,
  what: 'decision',
  signer: 'coordinator',
  badBody: 'BAD_MESSAGE',
  encode: encodeDecision,
  decode: decodeDecision,
});
