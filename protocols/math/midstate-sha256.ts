/**
 * SHA-256 of the engine's fixed-layout 101-byte messages, the hot hashes of the two-party multiplication (the
 * OT-extension PRG in ot/prg.ts, the pads Hs and the gadget in dkls23/ole-hash.ts). One multiplication makes
 * ~8000 of them; a general-purpose SHA-256 call costs ~2.5 µs (noble) or ~3.4 µs (node:crypto, call
 * overhead), so they get the unrolled compression of sha256-compress.gen.ts, preallocated buffers and a
 * precomputed midstate.
 *
 * Every message is plain SHA-256 of
 *
 *     T ‖ msid ‖ field32 ‖ u32be(index) ‖ u8(counter),   T = SHA-256(ascii(tag)), |msid| = 32
 *
 * so the first 64-byte block (`T ‖ msid`) is the same for every call of one purpose in one multiplication and
 * is compressed once (the midstate); each 32-byte output then costs exactly one compression of the second
 * block (37 bytes of data plus padding). Domain separation: `T` differs per purpose (BIP-340-style tag hash);
 * the layout is fixed per tag, so no framing is needed; `msid` is fresh per multiplication; `index` and
 * `counter` make every input of one purpose distinct.
 *
 * Integer operations only, no branch or index on the hashed data: secrets allowed.
 */
import { sha256Compress } from './sha256-compress.gen.js';

export { compressionCount, sha256Compress } from './sha256-compress.gen.js';

const IV = Int32Array.from([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

/** Byte swap of a 32-bit word (big-endian SHA words ↔ little-endian memory words). */
export function bswap32(v: number): number {
  return (v << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

/** Bytes of the message after the 64-byte first block: field32 ‖ u32be(index) ‖ u8(counter). */
const TAIL_BYTES = 37;
/** Total message length in bits (64 + 37 bytes), for the padding. */
const MESSAGE_BITS = (64 + TAIL_BYTES) * 8;

/** Reads `count` big-endian words from `bytes[off..]` into `out[outOff..]`. */
export function readBe(bytes: Uint8Array, off: number, out: Int32Array, outOff: number, count: number): void {
  for (let w = 0; w < count; w++) {
    const o = off + 4 * w;
    out[outOff + w] =
      ((bytes[o] as number) << 24) |
      ((bytes[o + 1] as number) << 16) |
      ((bytes[o + 2] as number) << 8) |
      (bytes[o + 3] as number);
  }
}

/**
 * The hash of one purpose bound to one `msid`: holds the midstate after `T ‖ msid` and a preallocated second
 * block. Not re-entrant (one instance per use; the methods share its buffers).
 */
export class MidstateSha256 {
  /** The state after the first block `T ‖ msid`. */
  private readonly mid = new Int32Array(8);
  /** The second block: field words 0..7, index word 8, counter+padding word 9, zeros, bit length word 15. */
  private readonly block = new Int32Array(16);
  /** The last output. */
  private readonly out = new Int32Array(8);
  /** Scratch for big-integer conversion. */
  private readonly view = new DataView(new ArrayBuffer(32));

  /** @param tagHash `T`, the 32-byte SHA-256 of the purpose's tag; @param msid the 32-byte session id */
  constructor(tagHash: Uint8Array, msid: Uint8Array) {
    if (msid.length !== 32 || tagHash.length !== 32) throw new RangeError('MidstateSha256: 32-byte tag hash and msid');
    const first = new Int32Array(16);
    readBe(tagHash, 0, first, 0, 8);
    readBe(msid, 0, first, 8, 8);
    sha256Compress(IV, 0, first, 0, this.mid, 0);
    this.block[15] = MESSAGE_BITS;
  }

  /** Sets the 32-byte field from 8 big-endian words at `src[off..]`. */
  setFieldWords(src: Int32Array, off: number): void {
    for (let w = 0; w < 8; w++) this.block[w] = src[off + w] as number;
  }

  /**
   * Sets the 32-byte field from 8 little-endian memory words at `src[off..]` XOR `mask[maskOff..]` (a row of a
   * bit matrix as stored in memory, optionally XOR Δ); the hashed bytes are the row's memory bytes.
   */
  setFieldLeXor(src: Uint32Array, off: number, mask: Uint32Array, maskOff: number): void {
    for (let w = 0; w < 8; w++) this.block[w] = bswap32((src[off + w] as number) ^ (mask[maskOff + w] as number));
  }

  /** Compresses with the current field, `index` and `counter`; the digest is left in the output buffer. */
  private run(index: number, counter: number): void {
    this.block[8] = index | 0;
    this.block[9] = ((counter & 0xff) << 24) | 0x800000; // counter byte, then the 0x80 padding byte
    sha256Compress(this.mid, 0, this.block, 0, this.out, 0);
  }

  /** The 32-byte digest for (`index`, `counter`) as 8 little-endian memory words at `dst[dstOff..]` (`count` ≤ 8). */
  digestLe(index: number, counter: number, dst: Uint32Array, dstOff: number, count: number): void {
    this.run(index, counter);
    for (let w = 0; w < count; w++) dst[dstOff + w] = bswap32(this.out[w] as number);
  }

  /** The digest for (`index`, `counter`) as 8 big-endian words (the SHA-256 output words) at `dst[dstOff..]`. */
  digestWords(index: number, counter: number, dst: Int32Array, dstOff: number): void {
    this.run(index, counter);
    dst.set(this.out, dstOff);
  }

  /** The digest for (`index`, `counter`) as a big-endian integer in [0, 2^256). */
  digestBigInt(index: number, counter: number): bigint {
    this.run(index, counter);
    const v = this.view;
    const o = this.out;
    for (let w = 0; w < 8; w++) v.setInt32(4 * w, o[w] as number, false);
    return (
      (v.getBigUint64(0, false) << 192n) |
      (v.getBigUint64(8, false) << 128n) |
      (v.getBigUint64(16, false) << 64n) |
      v.getBigUint64(24, false)
    );
  }
}

/** The whole message for (`tagHash`, `msid`, `field`, `index`, `counter`), for tests against a general SHA-256. */
export function midstateMessage(
  tagHash: Uint8Array,
  msid: Uint8Array,
  field: Uint8Array,
  index: number,
  counter: number,
): Uint8Array {
  const m = new Uint8Array(64 + TAIL_BYTES);
  m.set(tagHash, 0);
  m.set(msid, 32);
  m.set(field, 64);
  new DataView(m.buffer).setUint32(96, index >>> 0, false);
  m[100] = counter & 0xff;
  return m;
}
