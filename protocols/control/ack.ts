/**
 * The answer to a control request (register, announce, result, decision): accepted, or refused with a stable
 * code and a human-readable message, so the asking side can tell "replayed" from "expired" from "busy". An
 * accepted announcement of a signing from a presignature carries the party's signed result (its online share)
 * as the payload, so that the online round costs one exchange with each signer.
 *
 * Body: `0x05 ‖ version ‖ 1` (accepted), `‖ 2 ‖ payload(u16 len, 1..{@link MAX_ACK_PAYLOAD_BYTES})` (accepted
 * with a payload), or `‖ 0 ‖ code(u16 len) ‖ message(u16 len)` (refused).
 */
import { decodeAll, type Reader, Writer } from '../common/codec.js';
import { DecodeError } from '../common/errors.js';
import { isToken, MessageType, readHeader, utf8Decode, utf8Encode, WIRE_VERSION } from './wire.js';

/** Longest refusal message, in bytes. */
export const MAX_ACK_MESSAGE_BYTES = 512;
/** Longest refusal code, in bytes. */
export const MAX_ACK_CODE_BYTES = 64;

/** Largest payload of an accepted answer, in bytes (a signed result with an online share is ~200). */
export const MAX_ACK_PAYLOAD_BYTES = 1024;

/** An answer: `{ ok: true }` (with a payload for some requests) or `{ ok: false, code, message }`. */
export type Ack =
  | { readonly ok: true; readonly payload?: Uint8Array }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** Encodes an answer; long messages are cut to {@link MAX_ACK_MESSAGE_BYTES}. */
export function encodeAck(a: Ack): Uint8Array {
  const w = new Writer().u8(MessageType.ACK).u8(WIRE_VERSION);
  if (a.ok && a.payload === undefined) return w.u8(1).finish();
  if (a.ok) {
    const p = a.payload as Uint8Array;
    if (p.length < 1 || p.length > MAX_ACK_PAYLOAD_BYTES) {
      throw new Error(`encodeAck: a payload is 1..${MAX_ACK_PAYLOAD_BYTES} bytes`);
    }
    return w.u8(2).varBytes(p).finish();
  }
  w.u8(0);
  if (!isToken(a.code, MAX_ACK_CODE_BYTES)) throw new Error('encodeAck: code must be a short printable token');
  let msg = utf8Encode(a.message);
  if (msg.length > MAX_ACK_MESSAGE_BYTES) msg = utf8Encode(a.message.slice(0, MAX_ACK_MESSAGE_BYTES / 4));
  return w.varBytes(utf8Encode(a.code)).varBytes(msg).finish();
}

/** Decodes an answer strictly; throws {@link DecodeError}. */
export function decodeAck(bytes: Uint8Array): Ack {
  return decodeAll(bytes, (r: Reader) => {
    readHeader(r, MessageType.ACK, 'ack');
    const ok = r.u8();
    if (ok === 1) return { ok: true } as const;
    if (ok === 2) {
      const payload = r.varBytes(MAX_ACK_PAYLOAD_BYTES);
      if (payload.length === 0) throw new DecodeError('ack: empty payload');
      return { ok: true, payload } as const;
    }
    if (ok !== 0) throw new DecodeError('ack: bad flag');
    const code = utf8Decode(r.varBytes(MAX_ACK_CODE_BYTES));
    if (!isToken(code, MAX_ACK_CODE_BYTES)) throw new DecodeError('ack: bad code');
    return { ok: false, code, message: utf8Decode(r.varBytes(MAX_ACK_MESSAGE_BYTES)) } as const;
  });
}
