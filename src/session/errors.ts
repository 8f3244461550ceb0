/**
 * Session failures. Every way a session ends without a result is a {@link SessionError} whose `code` says what
 * kind of failure it was and whose `culprits` name the session indices the failure points at: the peers still
 * awaited on a timeout, the culprit of a failed protocol check, the peer whose stream broke.
 */
import { CodedError, ProtocolError } from '../../protocols/common/errors.js';

/** Stable codes of session failures; callers branch on these. */
export type SessionErrorCode =
  /** A round (or the whole session) ran past its deadline; `culprits` are the peers still awaited. */
  | 'TIMEOUT'
  /** A protocol check failed (the engine's, or the runner's frame checks); `cause` is the {@link ProtocolError}. */
  | 'PROTOCOL'
  /** The caller's signal aborted the session. */
  | 'ABORTED'
  /** The session was not started: node at its session limit, duplicate session id, bad options, stopping. */
  | 'REFUSED'
  /**
   * The session was not started because this node has banned a peer of it (after a failed attributable check);
   * `culprits` name that peer. The pair cannot sign together until an operator lifts the ban.
   */
  | 'BANNED'
  /** A peer's stream broke or ended before the session was over; `culprits` name that peer. */
  | 'NETWORK'
  /**
   * The two ends of a link hold different pair states (one side re-paired, say after the state's maximum age):
   * found in the hello, before any OT message, so nothing is burnt; `culprits` name the peer. Run it again.
   */
  | 'STATE_MISMATCH';

/** A session that ended without a result. */
export class SessionError extends CodedError<SessionErrorCode> {
  override readonly name = 'SessionError';
  /** The protocol round the session was in (0 before the run started). */
  readonly round: number;
  /** Session indices the failure points at (may be empty). */
  readonly culprits: readonly number[];

  constructor(
    code: SessionErrorCode,
    message: string,
    opts: { round?: number; culprits?: readonly number[]; cause?: unknown } = {},
  ) {
    super(code, `${code}: ${message}`, { cause: opts.cause });
    this.round = opts.round ?? 0;
    this.culprits = [...(opts.culprits ?? [])];
  }

  /** True when the single culprit certainly misbehaved (a failed attributable check): ban its node. */
  get attributable(): boolean {
    return this.code === 'PROTOCOL' && this.cause instanceof ProtocolError && this.cause.attributable;
  }
}

/**
 * Any failure of a session as a {@link SessionError}: a SessionError as it is, a failed protocol check as
 * `PROTOCOL` naming its culprit, anything else as `NETWORK` (an unexpected failure in `round`).
 */
export function toSessionError(e: unknown, round = 0): SessionError {
  if (e instanceof SessionError) return e;
  if (e instanceof ProtocolError) {
    return new SessionError('PROTOCOL', e.message, {
      round: e.round,
      culprits: e.culprit === undefined ? [] : [e.culprit],
      cause: e,
    });
  }
  return new SessionError('NETWORK', `unexpected failure: ${(e as Error)?.message ?? String(e)}`, { round, cause: e });
}
