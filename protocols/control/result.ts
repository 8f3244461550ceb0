/**
 * A party's report of a session's outcome (party → coordinator), signed by the party's libp2p key; the
 * signature covers the whole body, sessionId included.
 *
 * Body (version 1): `0x13 ‖ 0x01 ‖ sessionId(32) ‖ status(u8) ‖ flags(u8: 1 publicKey, 2 signature, 4 error,
 * 8 userShare, 16 presignedR, 32 chainCode, 64 onlineShare) ‖ [publicKey(33)] ‖ [r(32) ‖ s(32) ‖ recovery(u8)] ‖
 * [code(u16 len, ≤ 64) ‖ round(u16) ‖ count(u8) ‖ culprits(u8 each)] ‖ [userShare(u16 len, 1..4096)] ‖
 * [presignedR(33)] ‖ [chainCode(32)] ‖ [R'(33) ‖ u(32) ‖ w(32)]`; on the wire it travels in a `RESULT` envelope
 * (envelope.ts), or inside the answer to the announcement (ack.ts). A delegate's keygen result carries its share
 * sealed for the caller (the user share), which it does not keep. A signing from a presignature reports the
 * signer's online share (R', u_i, w_i) for the coordinator to combine (docs/protocol.md). Flags 16, 32 and 64 were
 * added without a version change: a body without them reads as before, and an older reader refuses them as unknown.
 */
import { decodeAll, type Reader, Writer } from '../common/codec.js';
import { CURVE_ORDER, decodePoint, POINT_BYTES } from '../common/curve.js';
import { DecodeError } from '../common/errors.js';
import { MAX_USER_SHARE_BYTES } from './delegate.js';
import { defineSignedMessage, type Signed } from './envelope.js';
import { ControlError } from './errors.js';
import { MAX_PARTIES, SESSION_ID_BYTES } from './record.js';
import { isToken, MessageType, readCode, readHeader, WIRE_VERSION } from './wire.js';

/** How a session ended for the reporting party. */
export type ResultStatus = 'ok' | 'failed' | 'timeout';
/** Wire code of each status (u8); codes are never reused. */
export const STATUS_CODES: Readonly<Record<ResultStatus, number>> = { ok: 1, failed: 2, timeout: 3 };
/** Longest error code, in bytes (printable ASCII). */
export const MAX_ERROR_CODE_BYTES = 64;

/** An ECDSA signature with recovery id; `s` must be low (≤ n/2). */
export interface ResultSignature {
  /** r, 1..n−1. */
  readonly r: bigint;
  /** s, 1..n/2. */
  readonly s: bigint;
  /** Recovery id 0..3. */
  readonly recovery: number;
}

/** Why a session failed, as the party saw it. */
export interface ResultError {
  /** A stable error code (e.g. a `ProtocolErrorCode`), 1..64 printable ASCII characters. */
  readonly code: string;
  /** Protocol round in which the failure was detected (0..65535). */
  readonly round: number;
  /** Distinct party indices (1..16) the reporter blames; at most 16. */
  readonly culprits: readonly number[];
}

/** A signer's online share of a signing from a presignature: the re-randomised nonce point and `u_i`, `w_i`. */
export interface ResultOnlineShare {
  /** R' = R + δ·G, 33-byte compressed: every signer reports the same one. */
  readonly R: Uint8Array;
  /** u'_i, 0..n−1. */
  readonly u: bigint;
  /** w_i, 0..n−1. */
  readonly w: bigint;
}

/**
 * A session outcome. `ok` carries exactly one of `publicKey` (keygen, reshare), `signature` (sign),
 * `presignedR` (presign) or `onlineShare` (sign from a presignature) and no error; `failed` carries an error; `timeout` may carry one; neither carries a
 * public key, signature or presignature.
 */
export interface SessionResult {
  /** The session this reports on. */
  readonly sessionId: Uint8Array;
  /** How it ended. */
  readonly status: ResultStatus;
  /** The aggregate public key, 33-byte compressed secp256k1 point (keygen). */
  readonly publicKey?: Uint8Array;
  /** The verified signature (sign). */
  readonly signature?: ResultSignature;
  /** What went wrong. */
  readonly error?: ResultError;
  /** A delegate's keygen only: its share sealed for the caller (1..{@link MAX_USER_SHARE_BYTES} bytes). */
  readonly userShare?: Uint8Array;
  /** A presigning's nonce point R, 33-byte compressed: every signer of the session reports the same one. */
  readonly presignedR?: Uint8Array;
  /** The key's BIP32 chain code (32 bytes), only alongside `publicKey`. */
  readonly chainCode?: Uint8Array;
  /** A signing from a presignature: this signer's online share, which the coordinator combines. */
  readonly onlineShare?: ResultOnlineShare;
}

/** A result with its signed body and the party's signature (domain `result`). */
export type SignedResult = Signed<'result', SessionResult>;

const FLAG_PK = 1;
const FLAG_SIG = 2;
const FLAG_ERR = 4;
const FLAG_USER_SHARE = 8;
const FLAG_PRESIGNED = 16;
const FLAG_CHAIN_CODE = 32;
const FLAG_ONLINE_SHARE = 64;
const FLAGS = FLAG_PK | FLAG_SIG | FLAG_ERR | FLAG_USER_SHARE | FLAG_PRESIGNED | FLAG_CHAIN_CODE | FLAG_ONLINE_SHARE;
/** Length of a BIP32 chain code. */
export const RESULT_CHAIN_CODE_BYTES = 32;

/** The first rule `m` breaks, or undefined when it is a valid result. */
export function resultProblem(m: SessionResult): string | undefined {
  if (!(m.sessionId instanceof Uint8Array) || m.sessionId.length !== SESSION_ID_BYTES)
    return 'sessionId must be 32 bytes';
  if (!Object.hasOwn(STATUS_CODES, m.status)) return `unknown status ${String(m.status)}`;
  const hasPk = m.publicKey !== undefined;
  const hasSig = m.signature !== undefined;
  const hasR = m.presignedR !== undefined;
  const hasShare = m.onlineShare !== undefined;
  const outcomes = Number(hasPk) + Number(hasSig) + Number(hasR) + Number(hasShare);
  if (m.status === 'ok' ? outcomes !== 1 || m.error !== undefined : outcomes !== 0) {
    return 'ok needs exactly one of publicKey/signature/presignedR/onlineShare and no error; failed/timeout carry none';
  }
  if (m.status === 'failed' && m.error === undefined) return 'failed needs an error';
  if (hasPk) {
    const bad = pointProblem(m.publicKey, 'publicKey');
    if (bad) return bad;
  }
  if (hasR) {
    const bad = pointProblem(m.presignedR, 'presignedR');
    if (bad) return bad;
  }
  if (m.onlineShare) {
    const { R, u, w } = m.onlineShare;
    const bad = pointProblem(R, 'onlineShare R');
    if (bad) return bad;
    if (typeof u !== 'bigint' || u < 0n || u >= CURVE_ORDER) return 'onlineShare u out of range';
    if (typeof w !== 'bigint' || w < 0n || w >= CURVE_ORDER) return 'onlineShare w out of range';
  }
  if (m.chainCode !== undefined) {
    if (!hasPk) return 'chainCode comes only with a publicKey';
    if (!(m.chainCode instanceof Uint8Array) || m.chainCode.length !== RESULT_CHAIN_CODE_BYTES) {
      return `chainCode must be ${RESULT_CHAIN_CODE_BYTES} bytes`;
    }
  }
  if (m.signature) {
    const { r, s, recovery } = m.signature;
    if (typeof r !== 'bigint' || r < 1n || r >= CURVE_ORDER) return 'signature r out of range';
    if (typeof s !== 'bigint' || s < 1n || s > CURVE_ORDER >> 1n) return 'signature s out of range or not low';
    if (!Number.isInteger(recovery) || recovery < 0 || recovery > 3) return 'recovery id out of 0..3';
  }
  if (m.userShare !== undefined) {
    if (!hasPk) return 'userShare comes only with a keygen result';
    if (!(m.userShare instanceof Uint8Array) || m.userShare.length < 1 || m.userShare.length > MAX_USER_SHARE_BYTES) {
      return `userShare must be 1..${MAX_USER_SHARE_BYTES} bytes`;
    }
  }
  if (m.error) return errorProblem(m.error);
  return undefined;
}

function pointProblem(p: unknown, what: string): string | undefined {
  if (!(p instanceof Uint8Array) || p.length !== POINT_BYTES) return `${what} must be 33 bytes`;
  try {
    decodePoint(p);
  } catch {
    return `${what} is not a valid secp256k1 point`;
  }
  return undefined;
}

function errorProblem(e: ResultError): string | undefined {
  if (typeof e.code !== 'string' || !isToken(e.code, MAX_ERROR_CODE_BYTES)) return 'error code must be printable ASCII';
  if (!Number.isInteger(e.round) || e.round < 0 || e.round > 0xffff) return 'error round out of 0..65535';
  if (!Array.isArray(e.culprits) || e.culprits.length > MAX_PARTIES) return `at most ${MAX_PARTIES} culprits`;
  for (const c of e.culprits) if (!Number.isInteger(c) || c < 1 || c > MAX_PARTIES) return `culprit ${c} out of range`;
  if (new Set(e.culprits).size !== e.culprits.length) return 'a culprit appears twice';
  return undefined;
}

/** Serialises a result body; throws {@link ControlError} `INVALID_ARGUMENT` when it breaks a rule. */
export function encodeResult(m: SessionResult): Uint8Array {
  const bad = resultProblem(m);
  if (bad) throw new ControlError('INVALID_ARGUMENT', `result: ${bad}`);
  const flags =
    (m.publicKey ? FLAG_PK : 0) |
    (m.signature ? FLAG_SIG : 0) |
    (m.error ? FLAG_ERR : 0) |
    (m.userShare ? FLAG_USER_SHARE : 0) |
    (m.presignedR ? FLAG_PRESIGNED : 0) |
    (m.chainCode ? FLAG_CHAIN_CODE : 0) |
    (m.onlineShare ? FLAG_ONLINE_SHARE : 0);
  const w = new Writer().u8(MessageType.RESULT_BODY).u8(WIRE_VERSION).bytes(m.sessionId);
  w.u8(STATUS_CODES[m.status]).u8(flags);
  if (m.publicKey) w.bytes(m.publicKey);
  if (m.signature) w.scalar(m.signature.r).scalar(m.signature.s).u8(m.signature.recovery);
  if (m.error) {
    w.varBytes(Uint8Array.from(m.error.code, (c) => c.charCodeAt(0)))
      .u16(m.error.round)
      .u8(m.error.culprits.length);
    for (const c of m.error.culprits) w.u8(c);
  }
  if (m.userShare) w.varBytes(m.userShare);
  if (m.presignedR) w.bytes(m.presignedR);
  if (m.chainCode) w.bytes(m.chainCode);
  if (m.onlineShare) w.bytes(m.onlineShare.R).scalar(m.onlineShare.u).scalar(m.onlineShare.w);
  return w.finish();
}

/** Parses and validates a result body; throws {@link DecodeError} for anything malformed. */
export function decodeResult(bytes: Uint8Array): SessionResult {
  return decodeAll(bytes, (r: Reader) => {
    readHeader(r, MessageType.RESULT_BODY, 'result');
    const sessionId = r.copy(SESSION_ID_BYTES);
    const status = readCode(r, STATUS_CODES, 'result', 'status');
    const flags = r.u8();
    if (flags & ~FLAGS) throw new DecodeError('result: unknown flags');
    const out: { -readonly [K in keyof SessionResult]: SessionResult[K] } = { sessionId, status };
    if (flags & FLAG_PK) out.publicKey = r.copy(POINT_BYTES);
    if (flags & FLAG_SIG) out.signature = { r: r.scalar(), s: r.scalar(), recovery: r.u8() };
    if (flags & FLAG_ERR) out.error = readError(r);
    if (flags & FLAG_USER_SHARE) out.userShare = r.varBytes(MAX_USER_SHARE_BYTES);
    if (flags & FLAG_PRESIGNED) out.presignedR = r.copy(POINT_BYTES);
    if (flags & FLAG_CHAIN_CODE) out.chainCode = r.copy(RESULT_CHAIN_CODE_BYTES);
    if (flags & FLAG_ONLINE_SHARE) out.onlineShare = { R: r.copy(POINT_BYTES), u: r.scalar(), w: r.scalar() };
    const bad = resultProblem(out);
    if (bad) throw new DecodeError(`result: ${bad}`);
    return out;
  });
}

function readError(r: Reader): ResultError {
  const code = String.fromCharCode(...r.varBytes(MAX_ERROR_CODE_BYTES));
  const round = r.u16();
  const count = r.u8();
  if (count > MAX_PARTIES) throw new DecodeError(`result: ${count} culprits`);
  const culprits: number[] = [];
  for (let k = 0; k < count; k++) culprits.push(r.u8());
  return { code, round, culprits };
}

/** The result as a signed message: signed by the reporting party, in a `RESULT` envelope. */
export const signedResults = defineSignedMessage<'result', SessionResult>({
  domain: 'result',
  type: MessageType.RESULT,
  what: 'result',
  signer: 'party',
  badBody: 'BAD_MESSAGE',
  encode: encodeResult,
  decode: decodeResult,
});
