/**
 * Strict binary codecs. A {@link Reader} checks every length, every scalar and every point as it reads, and
 * {@link Reader.end} rejects trailing bytes, so a message decodes in exactly one way or not at all.
 */
import { u32be } from './bytes.js';
import {
  decodePoint,
  decodeScalar,
  encodePoint,
  encodeScalar,
  POINT_BYTES,
  type Point,
  SCALAR_BYTES,
} from './curve.js';
import { DecodeError } from './errors.js';

/** Builds a message from fixed-width fields. */
export class Writer {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  /** Appends raw bytes. */
  bytes(b: Uint8Array): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
  /** Appends one byte. */
  u8(v: number): this {
    return this.bytes(Uint8Array.of(v & 0xff));
  }
  /** Appends a 2-byte big-endian integer. */
  u16(v: number): this {
    return this.bytes(Uint8Array.of((v >>> 8) & 0xff, v & 0xff));
  }
  /** Appends a 4-byte big-endian integer. */
  u32(v: number): this {
    return this.bytes(u32be(v));
  }
  /** Appends a 2-byte length then the bytes (for variable-length fields such as ids). */
  varBytes(b: Uint8Array): this {
    if (b.length > 0xffff) throw new Error('varBytes: field longer than 65535 bytes');
    return this.u16(b.length).bytes(b);
  }
  /** Appends a 32-byte scalar. */
  scalar(x: bigint): this {
    return this.bytes(encodeScalar(x));
  }
  /** Appends a 33-byte compressed point. */
  point(p: Point): this {
    return this.bytes(encodePoint(p));
  }
  /** The message so far. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    this.writeInto(out);
    return out;
  }
  /**
   * The message so far followed by `tail`, without copying `tail` (tens of KB in the signing rounds): the
   * fields are written into the bytes in front of it, which must be exactly this message's size and the start
   * of its buffer, i.e. a buffer allocated with that headroom for this purpose (the multiplication's `headroom`
   * argument). Throws RangeError otherwise.
   */
  finishBefore(tail: Uint8Array): Uint8Array {
    if (tail.byteOffset !== this.size || tail.buffer.byteLength !== this.size + tail.length) {
      throw new RangeError(`finishBefore: the tail has no headroom of exactly ${this.size} bytes`);
    }
    const out = new Uint8Array(tail.buffer, 0, this.size + tail.length);
    this.writeInto(out);
    return out;
  }
  private writeInto(out: Uint8Array): void {
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
  }
}

/** Reads a message field by field; every method throws {@link DecodeError} on malformed input. */
export class Reader {
  private off = 0;
  constructor(private readonly buf: Uint8Array) {}

  /** Bytes not yet read. */
  get remaining(): number {
    return this.buf.length - this.off;
  }
  /** The next `len` bytes (a view, not a copy). */
  bytes(len: number): Uint8Array {
    if (len < 0 || this.off + len > this.buf.length) {
      throw new DecodeError(`truncated: wanted ${len} bytes at offset ${this.off}, have ${this.remaining}`);
    }
    const out = this.buf.subarray(this.off, this.off + len);
    this.off += len;
    return out;
  }
  /** The next `len` bytes as an independent copy. */
  copy(len: number): Uint8Array {
    return this.bytes(len).slice();
  }
  /** One byte. */
  u8(): number {
    return this.bytes(1)[0] as number;
  }
  /** A 2-byte big-endian integer. */
  u16(): number {
    const b = this.bytes(2);
    return ((b[0] as number) << 8) | (b[1] as number);
  }
  /** A 4-byte big-endian integer. */
  u32(): number {
    const b = this.bytes(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, false);
  }
  /** A byte that must equal `expected` (versions, type tags). */
  expectU8(expected: number, what: string): void {
    const v = this.u8();
    if (v !== expected) throw new DecodeError(`${what}: expected ${expected}, got ${v}`);
  }
  /** A length-prefixed field of at most `max` bytes. */
  varBytes(max: number): Uint8Array {
    const len = this.u16();
    if (len > max) throw new DecodeError(`field too long: ${len} > ${max}`);
    return this.copy(len);
  }
  /** A canonical scalar (< n); `nonZero` also rejects 0. */
  scalar(opts: { nonZero?: boolean } = {}): bigint {
    return decodeScalar(this.bytes(SCALAR_BYTES), opts);
  }
  /** A compressed point on the curve, not the identity. */
  point(): Point {
    return decodePoint(this.bytes(POINT_BYTES));
  }
  /** Asserts that every byte was consumed. */
  end(): void {
    if (this.off !== this.buf.length) throw new DecodeError(`${this.remaining} trailing bytes`);
  }
}

/** Decodes `bytes` with `read`, which must consume every byte. */
export function decodeAll<T>(bytes: Uint8Array, read: (r: Reader) => T): T {
  const r = new Reader(bytes);
  const v = read(r);
  r.end();
  return v;
}
