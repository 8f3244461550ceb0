/**
 * KOS OT extension with the corrected consistency check (eprint 2015/546, revised; the same as SoftSpokenOT with
 * k = 1), as docs/protocol.md describes it: from 256 base OTs, 640 extended OTs per multiplication, the first 512
 * carrying Bob's choice bits β and the last 128 random padding.
 *
 * Bit layout (host-independent; every vector is held as little-endian 32-bit words, bit b of word w being
 * element 32w+b, which is also bit (b mod 8) of byte 4w + ⌊b/8⌋ of its wire bytes):
 * - a column (one per base OT i) is 640 bits = 20 words; the choice vector x = β ‖ pad likewise;
 * - a column splits into five 128-bit blocks = words 4k..4k+3 (k = 0..4); the fifth is the padding block;
 * - a row j of the 640 × 256 matrix is 256 bits = 8 words, bit i being column i's bit j, which matches the
 *   bit order of Δ in the pair state (bit i of Δ is `(delta[i >> 3] >> (i & 7)) & 1`).
 *
 * Bob's message: u_0 ‖ … ‖ u_255 (80 bytes each) ‖ t̃_0 ‖ … ‖ t̃_255 (16 bytes each) ‖ x̃ (16 bytes).
 *
 * Why the block check and not the deprecated per-row check: a cheating Bob may put a different x into
 * different columns u_i (a selective-failure probe of Δ_i). The block check commits him, for every column, to
 * `t̃_i ⊕ Δ_i·x̃ = Σ χ_k·Q^i_k ⊕ Q^i_5` with one x̃ shared by all columns and χ fixed only after all of u; an
 * inconsistent column passes for at most one value of Δ_i, so a probe that passes reveals only bits he
 * guessed, and any wrong guess aborts (and burns the pair state).
 */
import { wordsOfBytes, writeWordsLE } from '../common/bytes.js';
import { DecodeError } from '../common/errors.js';
import { tag, taggedHash, taggedHashWith } from '../common/hash.js';
import type { Sha256 } from '../common/suite.js';
import { type AliceOtState, BASE_OT_COUNT, type BobOtState, OT_KEY_BYTES } from '../dkls23/pair-state.js';
import { GF_WORDS, gfFromBytes, gfMulAcc, gfPowerTable } from '../math/gf128.js';
import { PRG_WORDS, prgAll } from './prg.js';

/** Extended OTs per multiplication (ℓ = 512 choices + 128 padding). */
export const KOS_OTS = 640;
/** Extended OTs that carry Bob's choice bits β (the rest are padding, discarded). */
export const KOS_CHOICES = 512;
/** Bytes of Bob's choice vector x = β ‖ pad. */
export const KOS_CHOICE_BYTES = KOS_OTS / 8;
/** Words of one 256-bit row. */
export const ROW_WORDS = 8;
/** Bytes of u (all columns). */
const U_BYTES = BASE_OT_COUNT * PRG_WORDS * 4;
/** Bytes of all t̃_i. */
const TT_BYTES = BASE_OT_COUNT * 16;
/** Exact byte length of Bob's OT-extension message (24 592). */
export const KOS_MESSAGE_BYTES = U_BYTES + TT_BYTES + 16;
/** Number of 128-bit blocks per column that χ multiplies (the fifth enters with coefficient 1). */
const CHI_COUNT = 4;

/** Words of all 256 columns. */
const COLUMN_WORDS = BASE_OT_COUNT * PRG_WORDS;

/**
 * Buffers reused by every {@link kosReceive} and {@link kosSend} call (both run to the end synchronously and
 * never re-enter; the secret columns are wiped before they return, the returned rows by their caller). Fresh
 * 40 KB buffers on every multiplication cost page faults: the allocator keeps handing back memory that the
 * kernel must map again.
 */
let scratch: Scratch | undefined;
interface Scratch {
  /** Column matrices. */
  a: Uint32Array;
  b: Uint32Array;
  /** The rows {@link kosReceive} returns (a view of). */
  bobRows: Uint32Array;
  /** The rows {@link kosSend} returns (a view of). */
  aliceRows: Uint32Array;
}
function kosScratch(): Scratch {
  scratch ??= {
    a: new Uint32Array(COLUMN_WORDS),
    b: new Uint32Array(COLUMN_WORDS),
    bobRows: new Uint32Array(KOS_OTS * ROW_WORDS),
    aliceRows: new Uint32Array(KOS_OTS * ROW_WORDS),
  };
  return scratch;
}

/** The PRG columns of 256 keys: `PRG(k_i, msid, i)` for every i, 20 words each, into `out` (fresh by default). */
export function kosColumns(
  keys: Uint8Array,
  msid: Uint8Array,
  out: Uint32Array = new Uint32Array(COLUMN_WORDS),
): Uint32Array {
  if (keys.length !== BASE_OT_COUNT * OT_KEY_BYTES) throw new RangeError('kosColumns: need 256 keys of 32 bytes');
  if (out.length !== COLUMN_WORDS) throw new RangeError('kosColumns: output length');
  prgAll(msid, keys, BASE_OT_COUNT, out);
  return out;
}

/**
 * χ_1..χ_4 as power tables (see gf128.ts), expanded from `H("kos-chi", msid, u)`. Called only once all of u is
 * fixed (Bob: after computing it; Alice: on the received bytes), so u cannot depend on χ.
 */
export function kosChallenge(msid: Uint8Array, uBytes: Uint8Array, sha: Sha256): Uint32Array[] {
  const seed = taggedHashWith(sha, tag('kos-chi'), msid, uBytes);
  const tables: Uint32Array[] = [];
  for (let half = 0; half < 2; half++) {
    const block = taggedHash(tag('kos-chi-expand'), seed, Uint8Array.of(half));
    tables.push(gfPowerTable(gfFromBytes(block, 0)), gfPowerTable(gfFromBytes(block, 16)));
  }
  return tables;
}

/** `dst[dstOff..+4] = Σ_{k<4} χ_k·B_k ⊕ B_5` for the 640-bit vector at `src[srcOff..+20]`. */
export function kosCombine(
  chi: readonly Uint32Array[],
  src: Uint32Array,
  srcOff: number,
  dst: Uint32Array,
  dstOff: number,
): void {
  for (let w = 0; w < GF_WORDS; w++) dst[dstOff + w] = src[srcOff + CHI_COUNT * GF_WORDS + w] as number;
  for (let k = 0; k < CHI_COUNT; k++) gfMulAcc(chi[k] as Uint32Array, src, srcOff + k * GF_WORDS, dst, dstOff);
}

/** Encodes u (256 × 20 words), t̃ (256 × 4 words) and x̃ (4 words) as Bob's message. */
export function encodeKosMessage(u: Uint32Array, tTilde: Uint32Array, xTilde: Uint32Array): Uint8Array {
  const out = new Uint8Array(KOS_MESSAGE_BYTES);
  writeWordsLE(u, out, 0);
  writeWordsLE(tTilde, out, U_BYTES);
  writeWordsLE(xTilde, out, U_BYTES + TT_BYTES);
  return out;
}

/**
 * Transposes the first `rows` rows of a bit matrix stored as 256 columns of `colWords` words into rows of
 * 8 words: 32 × 32 bit blocks, each transposed with the five-step mask swap (Hacker's Delight §7-3, in the
 * least-significant-bit-first order used here).
 */
export function transposeToRows(
  cols: Uint32Array,
  colWords: number,
  rows: number,
  out: Uint32Array = new Uint32Array(rows * ROW_WORDS),
): Uint32Array {
  if (rows % 32 !== 0 || rows > colWords * 32) throw new RangeError('transposeToRows: bad row count');
  if (out.length !== rows * ROW_WORDS) throw new RangeError('transposeToRows: output length');
  const a = new Int32Array(32);
  for (let rb = 0; rb < rows / 32; rb++) {
    for (let cb = 0; cb < ROW_WORDS; cb++) {
      for (let c = 0; c < 32; c++) a[c] = cols[(32 * cb + c) * colWords + rb] as number;
      transpose32(a);
      for (let r = 0; r < 32; r++) out[(32 * rb + r) * ROW_WORDS + cb] = a[r] as number;
    }
  }
  return out;
}

/** In-place transpose of a 32 × 32 bit matrix: afterwards bit c of a[r] is what bit r of a[c] was. */
function transpose32(a: Int32Array): void {
  let m = 0x0000ffff;
  for (let j = 16; j !== 0; j >>>= 1, m ^= m << j) {
    for (let k = 0; k < 32; k = (k + j + 1) & ~j) {
      const t = (((a[k] as number) >>> j) ^ (a[k + j] as number)) & m;
      a[k + j] = (a[k + j] as number) ^ t;
      a[k] = (a[k] as number) ^ (t << j);
    }
  }
}

/** Transposes 128 rows of 8 words (256 columns) into 256 columns of 4 words (128 bits each). */
export function transposeToColumns(rows: Uint32Array): Uint32Array {
  const out = new Uint32Array(BASE_OT_COUNT * GF_WORDS);
  const a = new Int32Array(32);
  for (let rb = 0; rb < GF_WORDS; rb++) {
    for (let cb = 0; cb < ROW_WORDS; cb++) {
      for (let r = 0; r < 32; r++) a[r] = rows[(32 * rb + r) * ROW_WORDS + cb] as number;
      transpose32(a);
      for (let c = 0; c < 32; c++) out[(32 * cb + c) * GF_WORDS + rb] = a[c] as number;
    }
  }
  return out;
}

/**
 * The check combination `Σ_{k≤4} χ_k·B^i_k ⊕ B^i_5` of all 256 columns at once, from their 640 rows (8 words
 * each), bitsliced: words `out[8r .. 8r+8)` hold bit r (r < 128) of every column's combination. Bit r of
 * `χ_k·B_k` is the XOR of the rows `128k + b` for which bit r of `χ_k·x^b` is set, so the work is row XORs
 * selected by the public χ (the rows themselves are secret: the selection never depends on them). About a
 * quarter of the operations of combining column by column ({@link kosCombine}).
 */
export function kosCombineRows(chi: readonly Uint32Array[], rows: Uint32Array): Uint32Array {
  const out = new Uint32Array(128 * ROW_WORDS);
  for (let r = 0; r < 128; r++) {
    const pad = ROW_WORDS * (CHI_COUNT * 128 + r);
    let a0 = rows[pad] as number;
    let a1 = rows[pad + 1] as number;
    let a2 = rows[pad + 2] as number;
    let a3 = rows[pad + 3] as number;
    let a4 = rows[pad + 4] as number;
    let a5 = rows[pad + 5] as number;
    let a6 = rows[pad + 6] as number;
    let a7 = rows[pad + 7] as number;
    const w = r >>> 5;
    const sh = r & 31;
    for (let k = 0; k < CHI_COUNT; k++) {
      const t = chi[k] as Uint32Array;
      for (let b = 0; b < 128; b++) {
        if ((((t[GF_WORDS * b + w] as number) >>> sh) & 1) === 0) continue; // public: a bit of χ_k·x^b
        const p = ROW_WORDS * (128 * k + b);
        a0 ^= rows[p] as number;
        a1 ^= rows[p + 1] as number;
        a2 ^= rows[p + 2] as number;
        a3 ^= rows[p + 3] as number;
        a4 ^= rows[p + 4] as number;
        a5 ^= rows[p + 5] as number;
        a6 ^= rows[p + 6] as number;
        a7 ^= rows[p + 7] as number;
      }
    }
    const o = ROW_WORDS * r;
    out[o] = a0;
    out[o + 1] = a1;
    out[o + 2] = a2;
    out[o + 3] = a3;
    out[o + 4] = a4;
    out[o + 5] = a5;
    out[o + 6] = a6;
    out[o + 7] = a7;
  }
  return out;
}

/** What Bob keeps from the OT extension: the rows t_j (j < 512) of his matrix, 8 words each. */
export interface KosReceiverOutput {
  /** Bob's message (u, t̃, x̃), {@link KOS_MESSAGE_BYTES} bytes. */
  readonly message: Uint8Array;
  /**
   * Rows t_0..t_511, 8 words each: a view of a buffer the next {@link kosReceive} call reuses, so the caller
   * consumes and wipes them at once (the padding rows are wiped already).
   */
  readonly rows: Uint32Array;
}

/**
 * Bob (OT-extension receiver) with choice vector `x` (80 bytes: β in bits 0..511, random padding in 512..639):
 * expands both keys of every base OT, sends `u_i = t^0_i ⊕ t^1_i ⊕ x` and the check values
 * `t̃_i = Σ χ_k·T^i_k ⊕ T^i_5`, `x̃ = Σ χ_k·X_k ⊕ X_5`. The padding block hides β in x̃. The message is
 * allocated with `headroom` free bytes in front of it (for the caller's header, see `Writer.finishBefore`).
 */
export function kosReceive(
  bob: BobOtState,
  msid: Uint8Array,
  x: Uint8Array,
  sha: Sha256,
  headroom = 0,
): KosReceiverOutput {
  if (x.length !== KOS_CHOICE_BYTES) throw new RangeError('kosReceive: x must be 80 bytes');
  const { a, b, bobRows } = kosScratch();
  const t0 = kosColumns(bob.keys0, msid, a);
  const u = kosColumns(bob.keys1, msid, b);
  const xw = wordsOfBytes(x);
  for (let i = 0; i < BASE_OT_COUNT; i++) {
    const o = i * PRG_WORDS;
    for (let w = 0; w < PRG_WORDS; w++) u[o + w] = (u[o + w] as number) ^ (t0[o + w] as number) ^ (xw[w] as number);
  }
  const message = new Uint8Array(headroom + KOS_MESSAGE_BYTES).subarray(headroom);
  writeWordsLE(u, message, 0);
  const chi = kosChallenge(msid, message.subarray(0, U_BYTES), sha);
  const allRows = transposeToRows(t0, PRG_WORDS, KOS_OTS, bobRows);
  t0.fill(0);
  const combined = kosCombineRows(chi, allRows);
  const tTilde = transposeToColumns(combined);
  combined.fill(0);
  const xTilde = new Uint32Array(GF_WORDS);
  kosCombine(chi, xw, 0, xTilde, 0);
  writeWordsLE(tTilde, message, U_BYTES);
  writeWordsLE(xTilde, message, U_BYTES + TT_BYTES);
  // the padding rows are wiped here; the caller wipes the rest
  allRows.fill(0, KOS_CHOICES * ROW_WORDS);
  xw.fill(0);
  return { message, rows: allRows.subarray(0, KOS_CHOICES * ROW_WORDS) };
}

/**
 * Splits Bob's OT-extension message `u ‖ t̃ ‖ x̃` into words; every bit string of exactly
 * {@link KOS_MESSAGE_BYTES} bytes is well formed, anything else throws {@link DecodeError}.
 */
export function decodeKosMessage(
  message: Uint8Array,
  uOut: Uint32Array = new Uint32Array(COLUMN_WORDS),
): {
  uBytes: Uint8Array;
  u: Uint32Array;
  tTilde: Uint32Array;
  xTilde: Uint32Array;
} {
  if (message.length !== KOS_MESSAGE_BYTES) {
    throw new DecodeError(`OT-extension message: expected ${KOS_MESSAGE_BYTES} bytes, got ${message.length}`);
  }
  const uBytes = message.subarray(0, U_BYTES);
  return {
    uBytes,
    u: wordsOfBytes(uBytes, uOut),
    tTilde: wordsOfBytes(message.subarray(U_BYTES, U_BYTES + TT_BYTES)),
    xTilde: wordsOfBytes(message.subarray(U_BYTES + TT_BYTES)),
  };
}

/** What Alice gets from a passed check: her rows q_j (j < 512) and Δ as 8 words. */
export interface KosSenderOutput {
  /**
   * Rows q_0..q_511, 8 words each; `q_j = t_j ⊕ x_j·Δ`: a view of a buffer the next {@link kosSend} call
   * reuses, so the caller consumes and wipes them at once (the padding rows are wiped already).
   */
  readonly rows: Uint32Array;
  /** Δ as 8 little-endian words (the row mask for the second pad). */
  readonly delta: Uint32Array;
}

/**
 * Alice (OT-extension sender): decodes Bob's message (throws {@link DecodeError} unless exactly
 * {@link KOS_MESSAGE_BYTES} bytes), computes `q_i = PRG(k^{Δ_i}_i) ⊕ Δ_i·u_i`, and runs the block check for
 * every column. Returns `null` when the check fails (the caller must burn the pair state), else her rows.
 *
 * The check runs on the transposed matrix, bitsliced over the 256 columns ({@link kosCombineRows}); no row
 * leaves this function before it has passed. Constant time in Δ: Δ_i only ever becomes a mask (`−Δ_i` = 0 or
 * all ones) ANDed into u_i, and Δ as a whole is XORed under masks made of the public x̃; every column is checked
 * and the differences are ORed together, compared once at the end (no early exit). The only branch is on that
 * final public pass/fail bit.
 */
export function kosSend(
  alice: AliceOtState,
  msid: Uint8Array,
  message: Uint8Array,
  sha: Sha256,
): KosSenderOutput | null {
  if (alice.delta.length !== BASE_OT_COUNT / 8) throw new RangeError('kosSend: delta must be 32 bytes');
  const { a, b, aliceRows } = kosScratch();
  const { uBytes, u, tTilde, xTilde } = decodeKosMessage(message, b);
  const delta = wordsOfBytes(alice.delta);

  const q = kosColumns(alice.keys, msid, a);
  for (let i = 0; i < BASE_OT_COUNT; i++) {
    const m = -(((delta[i >>> 5] as number) >>> (i & 31)) & 1);
    const o = i * PRG_WORDS;
    for (let w = 0; w < PRG_WORDS; w++) q[o + w] = (q[o + w] as number) ^ (m & (u[o + w] as number));
  }

  const chi = kosChallenge(msid, uBytes, sha);
  const allRows = transposeToRows(q, PRG_WORDS, KOS_OTS, aliceRows);
  q.fill(0);
  // bitsliced over the 256 columns: bit r of Σχ·Q ⊕ Q_5 must equal bit r of t̃_i ⊕ Δ_i·x̃ for every column i,
  // i.e. row r of the combination equals row r of t̃ XOR (Δ when bit r of the public x̃ is set, else 0)
  const combined = kosCombineRows(chi, allRows);
  const tRows = transposeToRows(tTilde, GF_WORDS, 128);
  let diff = 0;
  for (let r = 0; r < 128; r++) {
    const m = -(((xTilde[r >>> 5] as number) >>> (r & 31)) & 1);
    const o = ROW_WORDS * r;
    for (let w = 0; w < ROW_WORDS; w++) {
      diff |= (combined[o + w] as number) ^ (tRows[o + w] as number) ^ (m & (delta[w] as number));
    }
  }
  combined.fill(0);
  if (diff !== 0) {
    allRows.fill(0);
    return null;
  }
  // the padding rows are wiped here; the caller wipes the rest
  allRows.fill(0, KOS_CHOICES * ROW_WORDS);
  return { rows: allRows.subarray(0, KOS_CHOICES * ROW_WORDS), delta };
}
