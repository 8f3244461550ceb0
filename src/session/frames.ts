/**
 * The frame of `/mpc/tss/1.0.0` and `/mpc/pair/1.0.0` (carried inside a varint length prefix):
 *
 *   version u8 (= 1) ‖ sessionId (32 bytes) ‖ round u16 big-endian ‖ from u8 ‖ payload
 *
 * Round 0 is the stream's hello: the dialer's first frame, which names the session and the dialer's index before
 * any protocol message exists, and carries nothing or a 32-byte token both ends must hold alike (the psid of
 * their pair state, in a signing). Decoding is strict: exact version, the whole frame within the cap,
 * `from` ≥ 1, and an empty or 32-byte payload in round 0.
 */

/** Frame format version. */
export const FRAME_VERSION = 1;
/** Bytes of a session id. */
export const SESSION_ID_BYTES = 32;
/** Bytes before the payload. */
export const FRAME_HEADER_BYTES = 1 + SESSION_ID_BYTES + 2 + 1;
/** Default cap of one frame (header included): 1 MiB; a 3-of-5 round-3 message is ~75 KB. */
export const MAX_FRAME_BYTES = 1 << 20;
/** The round of the hello frame. */
export const HELLO_ROUND = 0;
/** Length of the token a hello may carry (see the runner's `helloTokens`: a pair state's psid). */
export const HELLO_TOKEN_BYTES = 32;

/** One decoded frame. */
export interface Frame {
  readonly sessionId: Uint8Array;
  readonly round: number;
  readonly from: number;
  readonly payload: Uint8Array;
}

/** A frame that breaks the format; the peer that sent it is at fault. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}

/** Encodes a frame; throws `RangeError` for fields out of range (a local bug, never peer input). */
export function encodeFrame(f: Frame, maxBytes = MAX_FRAME_BYTES): Uint8Array {
  if (f.sessionId.length !== SESSION_ID_BYTES)
    throw new RangeError(`sessionId must be ${SESSION_ID_BYTES} bytes, got ${f.sessionId.length}`);
  if (!Number.isInteger(f.round) || f.round < 0 || f.round > 0xffff)
    throw new RangeError(`invalid round ${f.round}; must be between 0 and 65535`);
  if (!Number.isInteger(f.from) || f.from < 1 || f.from > 0xff)
    throw new RangeError(`invalid from ${f.from}; must be between 1 and 255`);
  const total = FRAME_HEADER_BYTES + f.payload.length;
  if (total > maxBytes) throw new RangeError(`frame of ${total} bytes exceeds the cap of ${maxBytes}`);
  const out = new Uint8Array(total);
  out[0] = FRAME_VERSION;
  out.set(f.sessionId, 1);
  out[33] = f.round >>> 8;
  out[34] = f.round & 0xff;
  out[35] = f.from;
  out.set(f.payload, FRAME_HEADER_BYTES);
  return out;
}

/** Decodes a frame strictly; throws {@link FrameError}. The payload is a copy. */
export function decodeFrame(bytes: Uint8Array, maxBytes = MAX_FRAME_BYTES): Frame {
  if (bytes.length > maxBytes) throw new FrameError(`frame of ${bytes.length} bytes exceeds the cap of ${maxBytes}`);
  if (bytes.length < FRAME_HEADER_BYTES)
    throw new FrameError(`frame of ${bytes.length} bytes is shorter than its ${FRAME_HEADER_BYTES}-byte header`);
  if (bytes[0] !== FRAME_VERSION) throw new FrameError(`unknown frame version ${bytes[0]}; expected ${FRAME_VERSION}`);
  const round = ((bytes[33] as number) << 8) | (bytes[34] as number);
  const from = bytes[35] as number;
  if (from < 1) throw new FrameError('frame sender index 0 is invalid');
  const payload = bytes.slice(FRAME_HEADER_BYTES);
  if (round === HELLO_ROUND && payload.length !== 0 && payload.length !== HELLO_TOKEN_BYTES) {
    throw new FrameError(`a hello frame carries nothing or a ${HELLO_TOKEN_BYTES}-byte token`);
  }
  return { sessionId: bytes.slice(1, 1 + SESSION_ID_BYTES), round, from, payload };
}

/** True when two session ids are equal (not secret, so no constant-time compare). */
export function sameSessionId(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lower-case hex of a session id (map keys, messages). */
export function sessionKey(sessionId: Uint8Array): string {
  let s = '';
  for (const b of sessionId) s += b.toString(16).padStart(2, '0');
  return s;
}
