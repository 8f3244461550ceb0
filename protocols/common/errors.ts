/**
 * Protocol errors. Every failed check in a protocol run throws a {@link ProtocolError} whose `code` names the
 * check and whose `culprit` (a party index of the session) is the party whose message failed it, when the
 * failure can be pinned on one party.
 */

/**
 * The one error family of the project: every failure a caller may branch on is a `CodedError` whose `code` is
 * stable (part of the API). Deciding what a failure means — an HTTP status, a session result, a CLI exit code,
 * whether to ban — is one `switch` on `code`, never an `instanceof` chain or a test of the message. Messages are
 * for people and never carry secret material.
 */
export class CodedError<Code extends string = string> extends Error {
  /** Which failure; stable, part of the API. */
  readonly code: Code;
  /** Facts a caller may show or act on (ids, culprits); never secret material. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  /**
   * @param code stable code to branch on
   * @param message what failed, for people
   * @param options `details` for callers, `cause` for the underlying error (only when it carries no secret)
   */
  constructor(code: Code, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }
}

/** True when `e` belongs to the error family (any {@link CodedError}), optionally with one of `codes`. */
export function isCodedError(e: unknown, ...codes: readonly string[]): e is CodedError {
  return e instanceof CodedError && (codes.length === 0 || codes.includes(e.code));
}

/** Stable codes of protocol failures; callers branch on these. */
export type ProtocolErrorCode =
  /** A message could not be decoded: wrong length, non-canonical scalar, invalid point, trailing bytes. */
  | 'BAD_MESSAGE'
  /** A message came from a party that is not in the session (or claims to be this party). */
  | 'NOT_A_MEMBER'
  /** A second message for the same round from the same party. */
  | 'DUPLICATE_MESSAGE'
  /** A message for a round that has already completed, or a round the protocol does not have. */
  | 'UNEXPECTED_ROUND'
  /** A commitment did not open to the revealed value. */
  | 'BAD_COMMITMENT'
  /** A Schnorr proof of knowledge did not verify. */
  | 'BAD_PROOF'
  /** A coefficient commitment list has the wrong number of entries. */
  | 'BAD_COMMITMENT_COUNT'
  /** A point that must not be the identity was the identity. */
  | 'IDENTITY_POINT'
  /**
   * A Feldman VSS share does not match the sender's coefficient commitments. The share travelled privately, so
   * the failure rests on the receiver's word: the error is a {@link Dispute}, never attributable.
   */
  | 'BAD_SHARE'
  /** A party's view of earlier broadcasts differs from ours (equivocation by someone; not attributable). */
  | 'ECHO_MISMATCH'
  /** A party's public key share does not match the public polynomial. */
  | 'BAD_PUBLIC_SHARE'
  /** A reshare dealer's constant term is not its old public share weighted by its Lagrange coefficient. */
  | 'BAD_CONSTANT_TERM'
  /** Parties disagree on the aggregate public key, or it is the identity. */
  | 'PUBLIC_KEY_MISMATCH'
  /** The OT-extension consistency check failed: the pair state must be burnt. */
  | 'OT_CHECK_FAILED'
  /** The pair state with this peer was burnt by an earlier failed OT-extension check; re-run pair setup. */
  | 'PAIR_BURNT'
  /** The vector-OLE consistency check failed. */
  | 'OLE_CHECK_FAILED'
  /** A Γ check of the multiplication failed (inconsistent nonce or key multiplication). */
  | 'BAD_GAMMA'
  /** The signers' public key shares do not sum to the public key (not attributable). */
  | 'PK_SUM_MISMATCH'
  /** Session identifiers, nonce point or message hash differ between parties (not attributable). */
  | 'SESSION_MISMATCH'
  /** A value that must be non-zero (nonce sum, r, s) was zero. */
  | 'DEGENERATE_VALUE'
  /** The combined signature does not verify under the public key. */
  | 'SIGNATURE_INVALID'
  /** A presignature was offered for a second use. */
  | 'PRESIGNATURE_REUSED'
  /** A BIP32 step gives no valid child (I_L ≥ n or the identity; probability below 2^-127): use another index. */
  | 'DERIVATION_INVALID'
  /** A key share has no chain code (made before keys had one), so no child key can be derived from it. */
  | 'NO_CHAIN_CODE'
  /** Invalid local arguments (configuration, key share, pair state) — a bug or misuse, not a peer fault. */
  | 'INVALID_ARGUMENT'
  /** The run has already failed or finished and cannot take more input. */
  | 'RUN_CLOSED';

/**
 * Codes whose culprit is certainly at fault as far as this party can tell, so its node may ban that party's
 * node. Other codes either have no culprit, can be provoked by a third party (for example equivocation seen
 * only as an echo mismatch), or are disputes ({@link DISPUTED_CODES}).
 */
export const ATTRIBUTABLE_CODES: ReadonlySet<ProtocolErrorCode> = new Set<ProtocolErrorCode>([
  'BAD_MESSAGE',
  'NOT_A_MEMBER',
  'DUPLICATE_MESSAGE',
  'UNEXPECTED_ROUND',
  'BAD_COMMITMENT',
  'BAD_PROOF',
  'BAD_COMMITMENT_COUNT',
  'IDENTITY_POINT',
  'BAD_SHARE',
  'BAD_PUBLIC_SHARE',
  'BAD_CONSTANT_TERM',
  'OT_CHECK_FAILED',
  'OLE_CHECK_FAILED',
  'BAD_GAMMA',
]);

/**
 * Codes that are one party's word against another's: the failed message was private (point-to-point) and its
 * check cannot be repeated by anyone else, so either the accused sent a bad value or the accuser lies about it.
 * Such an error names both ({@link ProtocolError.dispute}); nothing may ban the accused on it alone (an
 * operator or a later public complaint round decides).
 */
export const DISPUTED_CODES: ReadonlySet<ProtocolErrorCode> = new Set<ProtocolErrorCode>(['BAD_SHARE']);

/** Both sides of a disputed failure, as session indices. */
export interface Dispute {
  /** The party that reports the failed check (the one that threw). */
  readonly accuser: number;
  /** The party whose private message failed it, according to the accuser. */
  readonly accused: number;
}

/**
 * A failed protocol check: `code` names the check, `round` where it failed, `culprit` the party whose message
 * failed it. For a disputed code, `dispute` names accuser and accused, `culprit` is the accused, and the error is
 * never {@link ProtocolError.attributable}.
 */
export class ProtocolError extends CodedError<ProtocolErrorCode> {
  override readonly name = 'ProtocolError';
  /** The round in which the failure was detected (0 when outside any round). */
  readonly round: number;
  /** Session index of the party whose message failed the check, when one can be named. */
  readonly culprit: number | undefined;
  /** For a disputed code ({@link DISPUTED_CODES}): who accuses whom. */
  readonly dispute: Dispute | undefined;

  constructor(
    code: ProtocolErrorCode,
    message: string,
    opts: { round?: number; culprit?: number; dispute?: Dispute } = {},
  ) {
    super(code, `${code}: ${message}`, {
      details:
        opts.dispute === undefined ? undefined : { accuser: opts.dispute.accuser, accused: opts.dispute.accused },
    });
    this.round = opts.round ?? 0;
    this.culprit = opts.dispute?.accused ?? opts.culprit;
    this.dispute = opts.dispute;
  }

  /** True when the culprit certainly misbehaved as far as this party can tell (its node may ban the culprit's). */
  get attributable(): boolean {
    return this.culprit !== undefined && this.dispute === undefined && ATTRIBUTABLE_CODES.has(this.code);
  }

  /** Every party the failure names: both sides of a dispute, else the culprit if any. */
  get parties(): readonly number[] {
    if (this.dispute) return [this.dispute.accuser, this.dispute.accused];
    return this.culprit === undefined ? [] : [this.culprit];
  }
}

/** Thrown by decoders; the run that called the decoder turns it into `BAD_MESSAGE` naming the sender. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

/** Throws `INVALID_ARGUMENT` when `cond` is false: for checks of local inputs, never of peer data. */
export function assertArg(cond: boolean, message: string): asserts cond {
  if (!cond) throw new ProtocolError('INVALID_ARGUMENT', message);
}
