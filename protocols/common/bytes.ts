/** Byte helpers shared by every protocol: concatenation, fixed-width integers, constant-time comparison. */

/** Concatenates byte arrays into a new array. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** 4-byte big-endian encoding of an unsigned 32-bit integer. */
export function u32be(v: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, v >>> 0, false);
  return out;
}

/** 8-byte big-endian encoding of a non-negative safe integer. */
export function u64be(v: number): Uint8Array {
  const out = new Uint8Array(8);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, Math.floor(v / 0x100000000), false);
  dv.setUint32(4, v >>> 0, false);
  return out;
}

/**
 * Constant-time equality of two byte arrays: the running time depends only on the lengths, never on where
 * the first difference is.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** XOR of two equal-length arrays into a new array. */
export function xorBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new Error(`xorBytes: lengths differ (${a.length} vs ${b.length})`);
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) ^ (b[i] as number);
  return out;
}

/** ASCII encoding of a string; tags and labels are ASCII by design, anything else is a bug. */
export function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) throw new Error('ascii: non-ASCII character in a tag');
    out[i] = c;
  }
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of bytes, without a prefix. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] as number];
  return s;
}

/** Parses an even-length hex string (no prefix) into bytes; throws on anything else. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error('fromHex: not an even-length hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Big-endian unsigned integer of any length. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let r = 0n;
  let i = 0;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (; i + 8 <= bytes.length; i += 8) r = (r << 64n) | dv.getBigUint64(i, false);
  for (; i < bytes.length; i++) r = (r << 8n) | BigInt(bytes[i] as number);
  return r;
}

/** Big-endian fixed-width encoding; throws when `v` does not fit in `len` bytes. */
export function bigIntToBytes(v: bigint, len: number): Uint8Array {
  if (v < 0n || v >> BigInt(8 * len) !== 0n) throw new Error(`bigIntToBytes: value does not fit in ${len} bytes`);
  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
  let i = len;
  for (; i >= 8; i -= 8) {
    dv.setBigUint64(i - 8, v & 0xffffffffffffffffn, false);
    v >>= 64n;
  }
  for (; i > 0; i--) {
    out[i - 1] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * Little-endian 32-bit words of `bytes` (length a multiple of 4), independent of the host's byte order, into
 * `out` (a fresh array by default).
 */
export function wordsOfBytes(bytes: Uint8Array, out: Uint32Array = new Uint32Array(bytes.length >>> 2)): Uint32Array {
  if (out.length !== bytes.length >>> 2) throw new RangeError('wordsOfBytes: output length');
  for (let w = 0, o = 0; w < out.length; w++, o += 4) {
    out[w] =
      ((bytes[o] as number) |
        ((bytes[o + 1] as number) << 8) |
        ((bytes[o + 2] as number) << 16) |
        ((bytes[o + 3] as number) << 24)) >>>
      0;
  }
  return out;
}

/** The memory bytes of little-endian words (explicit, independent of the host byte order). */
export function bytesOfWords(words: Uint32Array): Uint8Array {
  const out = new Uint8Array(4 * words.length);
  writeWordsLE(words, out, 0);
  return out;
}

/** Writes `words` little-endian into `out[off ..off + 4·words.length)`. */
export function writeWordsLE(words: Uint32Array, out: Uint8Array, off: number): void {
  if (off < 0 || off + 4 * words.length > out.length) throw new RangeError('writeWordsLE: out of range');
  for (let w = 0, o = off; w < words.length; w++, o += 4) {
    const v = words[w] as number;
    out[o] = v & 0xff;
    out[o + 1] = (v >>> 8) & 0xff;
    out[o + 2] = (v >>> 16) & 0xff;
    out[o + 3] = v >>> 24;
  }
}
