/**
 * The delegate message (coordinator → delegate node, request/response, never gossiped): what a delegate node
 * needs for a session besides the record. A delegate keeps nothing about a key, so the coordinator hands it,
 * before announcing the record:
 *
 * - keygen: the account id, which the delegate binds into the sealed share it returns (the user share);
 * - sign: the account id, key id, key index and public key the account holds, and the caller's user share. The
 *   delegate opens the share against exactly these (its AES-GCM data binds them) and answers before any
 *   protocol message exists, so a tampered or foreign share is refused without a session having started.
 *
 * Unsigned: it travels on the noise-authenticated control stream, which the node accepts only from its
 * coordinator. Wire format: `0x07 ‖ 0x01 ‖ sessionId(32) ‖ kind(u8: 1 keygen, 2 sign) ‖ accountId(u16 len,
 * 1..128 printable ASCII) ‖ [sign only: keyId(u16 len, 1..64) ‖ index(u8, 1..16) ‖ publicKey(33) ‖
 * userShare(u16 len, 1..4096)]`.
 */
import { decodeAll, type Reader, Writer } from '../common/codec.js';
import { decodePoint, POINT_BYTES } from '../common/curve.js';
import { DecodeError } from '../common/errors.js';
import { ControlError } from './errors.js';
import { KIND_CODES, MAX_KEY_ID_BYTES, MAX_PARTIES, SESSION_ID_BYTES, type SessionKind } from './record.js';
import { isToken, MessageType, readCode, readHeader, WIRE_VERSION } from './wire.js';

/** Longest user share (a sealed key share of a 16-party key is under 2 KB). */
export const MAX_USER_SHARE_BYTES = 4096;
/** Longest account id, in printable ASCII characters. */
export const MAX_ACCOUNT_ID_CHARS = 128;

/** A delegate's keygen: the account its sealed share will be bound to. */
export interface DelegateKeygen {
  readonly kind: 'keygen';
  readonly sessionId: Uint8Array;
  readonly accountId: string;
}

/** A delegate's signing: the account's key as the coordinator knows it, and the caller's user share. */
export interface DelegateSign {
  readonly kind: 'sign';
  readonly sessionId: Uint8Array;
  readonly accountId: string;
  readonly keyId: Uint8Array;
  /** The key index of the delegate share. */
  readonly index: number;
  /** The account's compressed public key (33 bytes). */
  readonly publicKey: Uint8Array;
  /** The sealed share, as the caller sent it back. */
  readonly userShare: Uint8Array;
}

/** What a delegate node is told before its session's record. */
export type DelegateContext = DelegateKeygen | DelegateSign;

const isBytes = (b: unknown, min: number, max: number): b is Uint8Array =>
  b instanceof Uint8Array && b.length >= min && b.length <= max;

/** The first rule `m` breaks, or undefined. */
export function delegateProblem(m: DelegateContext): string | undefined {
  if (!isBytes(m.sessionId, SESSION_ID_BYTES, SESSION_ID_BYTES)) return 'sessionId must be 32 bytes';
  if (m.kind !== 'keygen' && m.kind !== 'sign') return `unknown kind ${String((m as { kind: unknown }).kind)}`;
  if (typeof m.accountId !== 'string' || !isToken(m.accountId, MAX_ACCOUNT_ID_CHARS)) {
    return `accountId must be 1..${MAX_ACCOUNT_ID_CHARS} printable ASCII characters`;
  }
  if (m.kind === 'keygen') return undefined;
  if (!isBytes(m.keyId, 1, MAX_KEY_ID_BYTES)) return `keyId must be 1..${MAX_KEY_ID_BYTES} bytes`;
  if (!Number.isInteger(m.index) || m.index < 1 || m.index > MAX_PARTIES) return `index out of 1..${MAX_PARTIES}`;
  if (!isBytes(m.publicKey, POINT_BYTES, POINT_BYTES)) return 'publicKey must be 33 bytes';
  try {
    decodePoint(m.publicKey);
  } catch {
    return 'publicKey is not a valid secp256k1 point';
  }
  if (!isBytes(m.userShare, 1, MAX_USER_SHARE_BYTES)) return `userShare must be 1..${MAX_USER_SHARE_BYTES} bytes`;
  return undefined;
}

/** Serialises a delegate message; throws {@link ControlError} `INVALID_ARGUMENT` when it breaks a rule. */
export function encodeDelegate(m: DelegateContext): Uint8Array {
  const bad = delegateProblem(m);
  if (bad) throw new ControlError('INVALID_ARGUMENT', `delegate: ${bad}`);
  const w = new Writer().u8(MessageType.DELEGATE).u8(WIRE_VERSION).bytes(m.sessionId).u8(KIND_CODES[m.kind]);
  w.varBytes(Uint8Array.from(m.accountId, (c) => c.charCodeAt(0)));
  if (m.kind === 'sign') w.varBytes(m.keyId).u8(m.index).bytes(m.publicKey).varBytes(m.userShare);
  return w.finish();
}

/** Parses a delegate message; throws {@link DecodeError} for anything malformed. */
export function decodeDelegate(bytes: Uint8Array): DelegateContext {
  return decodeAll(bytes, (r: Reader) => {
    readHeader(r, MessageType.DELEGATE, 'delegate');
    const sessionId = r.copy(SESSION_ID_BYTES);
    const kind: SessionKind = readCode(r, KIND_CODES, 'delegate', 'kind');
    // a delegate takes part in keygens and signings only (a hybrid key is neither reshared nor presigned)
    if (kind === 'reshare' || kind === 'presign')
      throw new DecodeError(`delegate: kind ${kind} has no delegate context`);
    const accountId = String.fromCharCode(...r.varBytes(MAX_ACCOUNT_ID_CHARS));
    const m: DelegateContext =
      kind === 'keygen'
        ? { kind, sessionId, accountId }
        : {
            kind,
            sessionId,
            accountId,
            keyId: r.varBytes(MAX_KEY_ID_BYTES),
            index: r.u8(),
            publicKey: r.copy(POINT_BYTES),
            userShare: r.varBytes(MAX_USER_SHARE_BYTES),
          };
    const bad = delegateProblem(m);
    if (bad) throw new DecodeError(`delegate: ${bad}`);
    return m;
  });
}
