/**
 * Wire helpers shared by the session record and the control messages: type bytes, a strict UTF-8 codec
 * (protocols/ has no TextEncoder), 64-bit timestamps, and length-prefixed string lists.
 */
import type { Reader, Writer } from '../common/codec.js';
import { DecodeError } from '../common/errors.js';

/** First byte of every control-protocol message; a decoder rejects any other type. */
export const MessageType = {
  /** Party → coordinator: register role, version and addresses (unsigned; the stream is authenticated). */
  REGISTER: 0x01,
  /** Coordinator → party (request/response or gossipsub): a signed session record. */
  ANNOUNCE: 0x02,
  /** Party → coordinator: a signed session result. */
  RESULT: 0x03,
  /** Coordinator → party: a signed commit or abort of a pending key. */
  DECISION: 0x04,
  /** The answer to any control request: accepted, or refused with a code and a message. */
  ACK: 0x05,
  /** Party → coordinator: redeem a one-time join token, admitting the (noise-authenticated) sender. */
  JOIN: 0x06,
  /** Coordinator → delegate node: the context of its next session (account id; for a signing, the user share). */
  DELEGATE: 0x07,
  /**
   * Party → coordinator: the party's status — the peers it has banned and whether it is draining (stopping) —
   * sent after registering and whenever it changes (unsigned; the stream is authenticated).
   */
  STATUS: 0x09,
  /**
   * Party → coordinator: what became of the keygens of these pending keys (key-fate.ts); unsigned like register,
   * the stream is authenticated.
   */
  KEY_FATE_QUERY: 0x0a,
  /** Coordinator → party: the answer to a key-fate query, a signed decision per settled key (key-fate.ts). */
  KEY_FATES: 0x0b,
  /** The signed body of a session record. */
  RECORD_BODY: 0x10,
  /** The signed body of a result. */
  RESULT_BODY: 0x13,
  /** The signed body of a commit/abort decision. */
  DECISION_BODY: 0x14,
} as const;

/** Version byte written after the type byte of every message. */
export const WIRE_VERSION = 1;

/** Largest number of addresses a party advertises. */
export const MAX_ADDRS = 8;
/** Longest multiaddr string, in UTF-8 bytes. */
export const MAX_ADDR_BYTES = 256;
/** Length of an Ed25519 signature. */
export const SIGNATURE_BYTES = 64;

/** Reads and checks the type and version bytes (a message whose format changed has its own version). */
export function readHeader(r: Reader, type: number, what: string, version = WIRE_VERSION): void {
  r.expectU8(type, `${what} type`);
  r.expectU8(version, `${what} version`);
}

/** Strict UTF-8 encoding of a string; throws on lone surrogates (not representable). */
export function utf8Encode(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) throw new Error('utf8Encode: lone surrogate');
      c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) throw new Error('utf8Encode: lone surrogate');
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}

/** Strict UTF-8 decoding: rejects overlong forms, surrogates, code points above U+10FFFF and truncation. */
export function utf8Decode(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; ) {
    const c = b[i] as number;
    let need: number;
    let cp: number;
    let min: number;
    if (c < 0x80) [need, cp, min] = [0, c, 0];
    else if (c >= 0xc2 && c <= 0xdf) [need, cp, min] = [1, c & 0x1f, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [need, cp, min] = [2, c & 0x0f, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [need, cp, min] = [3, c & 0x07, 0x10000];
    else throw new DecodeError(`utf8: invalid lead byte 0x${c.toString(16)}`);
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) throw new DecodeError('utf8: truncated or bad continuation byte');
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new DecodeError('utf8: invalid code point');
    s += String.fromCodePoint(cp);
    i += need + 1;
  }
  return s;
}

/** True when `s` is 1..`max` characters of printable ASCII (0x21..0x7e): protocol names, versions, codes. */
export function isToken(s: string, max: number): boolean {
  return s.length >= 1 && s.length <= max && /^[\x21-\x7e]+$/.test(s);
}

/**
 * Reads a u8 wire code and returns its name in `codes` (e.g. `{ keygen: 1, sign: 2 }`); throws
 * {@link DecodeError} `<what>: unknown <field> code <n>` for a code that names nothing.
 */
export function readCode<K extends string>(
  r: Reader,
  codes: Readonly<Record<K, number>>,
  what: string,
  field: string,
): K {
  const code = r.u8();
  const name = (Object.keys(codes) as K[]).find((k) => codes[k] === code);
  if (name === undefined) throw new DecodeError(`${what}: unknown ${field} code ${code}`);
  return name;
}

/** Writes a non-negative safe integer as 8 bytes big-endian. */
export function writeU64(w: Writer, v: number): Writer {
  return w.u32(Math.floor(v / 0x100000000)).u32(v >>> 0);
}

/** Reads 8 bytes big-endian that must hold a safe integer. */
export function readU64(r: Reader): number {
  const hi = r.u32();
  const lo = r.u32();
  if (hi > 0x1fffff) throw new DecodeError('u64: value above Number.MAX_SAFE_INTEGER');
  return hi * 0x100000000 + lo;
}

/** Writes a count byte and then each address as length-prefixed UTF-8. */
export function writeAddrs(w: Writer, addrs: readonly string[]): Writer {
  w.u8(addrs.length);
  for (const a of addrs) w.varBytes(utf8Encode(a));
  return w;
}

/** Reads an address list written by {@link writeAddrs}, enforcing count and length bounds. */
export function readAddrs(r: Reader): string[] {
  const count = r.u8();
  if (count > MAX_ADDRS) throw new DecodeError(`too many addresses: ${count} > ${MAX_ADDRS}`);
  const out: string[] = [];
  for (let k = 0; k < count; k++) out.push(readAddr(r));
  return out;
}

function readAddr(r: Reader): string {
  const bytes = r.varBytes(MAX_ADDR_BYTES);
  if (bytes.length === 0) throw new DecodeError('empty address');
  return utf8Decode(bytes);
}

/** The problem with an address list, or undefined when it is within bounds. */
export function addrsProblem(addrs: readonly string[]): string | undefined {
  if (!Array.isArray(addrs) || addrs.length > MAX_ADDRS) return `at most ${MAX_ADDRS} addresses`;
  for (const a of addrs) {
    if (typeof a !== 'string' || a.length === 0) return 'an address is empty or not a string';
    let len: number;
    try {
      len = utf8Encode(a).length;
    } catch {
      return 'an address is not valid Unicode';
    }
    if (len > MAX_ADDR_BYTES) return `an address is longer than ${MAX_ADDR_BYTES} bytes`;
  }
  return undefined;
}
