/**
 * Commit/abort of a pending key (coordinator → party), signed by the coordinator's libp2p key.
 *
 * Body (version 1): `0x14 ‖ 0x01 ‖ sessionId(32) ‖ keyId(u16 len, 1..64) ‖ action(u8)`; on the wire it travels
 * in an envelope `0x04 ‖ 0x01 ‖ body(u16 len) ‖ signature(64)`.
 */
import { decodeAll, type Reader, Writer } from '../common/codec.js';
import { DecodeError } from '../common/errors.js';
import { ControlError, decodeOrBadMessage } from './errors.js';
import { type Ed25519, signAs, verifyAs } from './peer-key.js';
import { MAX_KEY_ID_BYTES, SESSION_ID_BYTES } from './record.js';
import { encodeEnvelope, MessageType, readEnvelope, readHeader, WIRE_VERSION } from './wire.js';

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

/** A decision with its signed body and the coordinator's signature. */
export interface SignedDecision {
  /** The decoded decision. */
  readonly decision: Decision;
  /** The encoded body (what the signature covers). */
  readonly bytes: Uint8Array;
  /** Ed25519 signature by the coordinator's key (domain `decision`). */
  readonly signature: Uint8Array;
}

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
    const code = r.u8();
    const action = (Object.keys(ACTION_CODES) as DecisionAction[]).find((k) => ACTION_CODES[k] === code);
    if (!action) throw new DecodeError(`decision: unknown action code ${code}`);
    return { sessionId, keyId, action };
  });
}

/** Encodes and signs a decision with the coordinator's 32-byte Ed25519 secret seed. */
export function signDecision(d: Decision, coordinatorSecretKey: Uint8Array, ed?: Ed25519): SignedDecision {
  const bytes = encodeDecision(d);
  return { decision: decodeDecision(bytes), bytes, signature: signAs('decision', bytes, coordinatorSecretKey, ed) };
}

/**
 * Verifies the coordinator's signature over a decision body, then decodes it. Throws {@link ControlError}
 * `BAD_SIGNATURE`, `BAD_MESSAGE`, or `BAD_PEER_ID` for a bad `coordinatorPeerId`.
 */
export function verifyDecision(
  bytes: Uint8Array,
  signature: Uint8Array,
  coordinatorPeerId: Uint8Array,
  ed?: Ed25519,
): Decision {
  if (!verifyAs('decision', bytes, signature, coordinatorPeerId, ed)) {
    throw new ControlError('BAD_SIGNATURE', 'decision is not signed by the coordinator');
  }
  return decodeOrBadMessage(bytes, decodeDecision);
}

/** Wraps a signed decision for the wire. */
export function encodeDecisionMessage(signed: Pick<SignedDecision, 'bytes' | 'signature'>): Uint8Array {
  return encodeEnvelope(MessageType.DECISION, signed.bytes, signed.signature);
}

/** Parses a decision message (body decoded, signature NOT checked: use {@link verifyDecision}). */
export function decodeDecisionMessage(bytes: Uint8Array): SignedDecision {
  const { body, signature } = decodeAll(bytes, (r) => readEnvelope(r, MessageType.DECISION, 'decision message'));
  return { decision: decodeDecision(body), bytes: body, signature };
}
