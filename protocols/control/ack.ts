/**
 * The answer to a control request (register, announce, result, decision): accepted, or refused with a stable
 * code and a human-readable message, so the asking side can tell "replayed" from "expired" from "busy".
 */
import { decodeAll, type Reader, Writer } from '../common/codec.js';
import { DecodeError } from '../common/errors.js';
import { isToken, MessageType, readHeader, utf8Decode, utf8Encode, WIRE_VERSION } from './wire.js';

/** Longest refusal message, in bytes. */
export const MAX_ACK_MESSAGE_BYTES = 512;
/** Longest refusal code, in bytes. */
export const MAX_ACK_CODE_BYTES = 64;

/** An answer: `{ ok: true }` or `{ ok: false, code, message }`. */
export type Ack = { readonly ok: true } | { readonly ok: false; readonly code: string; readonly message: string };

/** Encodes an answer; long messages are cut to {@link MAX_ACK_MESSAGE_BYTES}. */
export function encodeAck(a: Ack): Uint8Array {
  const w = new Writer()
    .u8(MessageType.ACK)
    .u8(WIRE_VERSION)
    .u8(a.ok ? 1 : 0);
  if (a.ok) return w.finish();
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
    if (ok !== 0) throw new DecodeError('ack: bad flag');
    const code = utf8Decode(r.varBytes(MAX_ACK_CODE_BYTES));
    if (!isToken(code, MAX_ACK_CODE_BYTES)) throw new DecodeError('ack: bad code');
    return { ok: false, code, message: utf8Decode(r.varBytes(MAX_ACK_MESSAGE_BYTES)) } as const;
  });
}
