/**
 * Control-protocol errors. Every check a party or the coordinator makes on a session record or a control
 * message fails with a {@link ControlError} whose `code` is stable, so callers (and logs, metrics, the REST
 * API) can branch on it.
 */
import { CodedError } from '../common/errors.js';

/** Stable codes of control-protocol failures. */
export type ControlErrorCode =
  /** The session record could not be decoded or breaks a rule (bounds, indices, message hash for kind). */
  | 'BAD_RECORD'
  /** A signature is missing, malformed or does not verify under the expected peer's key. */
  | 'BAD_SIGNATURE'
  /** The record does not name this party. */
  | 'NOT_NAMED'
  /** The record's `expiresAt` has passed. */
  | 'EXPIRED'
  /** This party has already accepted a record with this session id for this key. */
  | 'REPLAYED'
  /** A control message (register, announce, result, commit/abort) could not be decoded or breaks a rule. */
  | 'BAD_MESSAGE'
  /** A peer id is not the identity multihash of an Ed25519 public key (configuration or peer data). */
  | 'BAD_PEER_ID'
  /** Invalid local arguments (a record to encode, a secret key, `now`) — a bug or misuse, not a peer fault. */
  | 'INVALID_ARGUMENT';

/** A failed control-protocol check: `code` says which. */
export class ControlError extends CodedError<ControlErrorCode> {
  override readonly name = 'ControlError';

  constructor(code: ControlErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, `${code}: ${message}`, options);
  }
}
