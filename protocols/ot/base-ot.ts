/**
 * Masny–Rindal "endemic" base OT on secp256k1 (256 instances per orientation), used once per node pair by
 * pair setup, on the fast field and point arithmetic of common/secp-field.ts and common/secp-point.ts.
 *
 * Protocol (DKLS23.md, "Pair setup"), for instance k with receiver bit b:
 * - sender (future Bob): secret e, sends E = e·G once for all instances;
 * - receiver (future Alice): random Y_{1−b} = r·G and scalar a, Y_b = a·G − HtC(sid, k, b, Y_{1−b}); sends
 *   (Y_0, Y_1) and keeps key_b = H("ot-key", sid, k, b, Y_0, Y_1, E, a·E);
 * - sender: M_c = Y_c + HtC(sid, k, c, Y_{1−c}), key_c = H("ot-key", sid, k, c, Y_0, Y_1, E, e·M_c).
 * Then M_b = a·G and e·M_b = a·E, while M_{1−b} = r·G + HtC(sid, k, 1−b, Y_b) carries a random-oracle point
 * whose discrete log nobody knows, so key_{1−b} is a CDH value the receiver cannot compute.
 *
 * Why one `e` for both branches and all 256 instances is sound (as in libOTe's batched Masny–Rindal): the
 * receiver's knowledge of M_c's discrete log is what decides whether it can compute e·M_c. For every (k, c)
 * the point M_c contains HtC(sid, k, c, Y_{1−c}), a fresh random-oracle point bound to the instance k, the
 * branch c and the other point, so a malicious receiver cannot make two M's share a known relation (it would
 * have to invert the random oracle), and each e·M_{1−b} is a CDH instance (E, M_{1−b}) on its own. The key hash
 * binds (sid, k, c, Y_0, Y_1, E): the same CDH value can never serve as the key of another instance, another
 * branch or another session — that binding is what makes reusing `e` sound.
 *
 * Speed comes from the fast arithmetic of common/secp-field.ts, common/secp-point.ts and common/hash-to-curve.ts
 * (float-limb field elements, fixed-window multiplications with masked table scans, batch conversion to affine
 * with one inversion): noble's BigInt field would make a pair setup cost several seconds.
 *
 * Constant time: no secret (e, a, r, the choice bits) decides a branch, a loop count or a memory index, within
 * the limits stated in secp-point.ts. Branches that remain are on public data (the peer's points) or on events
 * of probability ~2^-250 (an isogeny pole, a hash-to-curve sum hitting Q0 = ±Q1, a·G = ±HtC), which fall back
 * to noble or fail.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { u32be } from '../common/bytes.js';
import { POINT_BYTES, type Point, randomScalar } from '../common/curve.js';
import { assertArg, DecodeError, ProtocolError } from '../common/errors.js';
import { hashToCurve, tag, taggedHashWith } from '../common/hash.js';
import { hashToCurveJac } from '../common/hash-to-curve.js';
import { fsub, ONE, ZERO } from '../common/secp-field.js';
import {
  affineToNoble,
  batchToAffine,
  combMul,
  combTable,
  decodeAffine,
  encodeAffine,
  gCombTable,
  glvDigits,
  jacFromNoble,
  jacNew,
  jacToNoble,
  jadd,
  ladderMul,
  ladderMulGlvChecked,
  ladderTables,
  loadFe,
  loadJac,
  scalarDigits,
  storeJac,
} from '../common/secp-point.js';
import type { Rng, Sha256 } from '../common/suite.js';

/** Number of base OTs per orientation (κ); equals BASE_OT_COUNT of the pair state. */
export const OT_COUNT = 256;
/** Bytes of one base-OT key. */
export const OT_KEY_BYTES_BASE = 32;
/** Bytes of the receiver's message: (Y_0 ‖ Y_1) per instance, compressed points. */
export const RECEIVER_MESSAGE_BYTES = OT_COUNT * 2 * POINT_BYTES;
/** Domain-separation tag of the hash-to-curve points of the base OT. */
export const H2C_TAG = tag('base-ot-h2c');
/** Tag of the key derivation of the base OT. */
export const KEY_TAG = tag('ot-key');

// ───────────────────────────── the base OT ─────────────────────────────

/**
 * The session id of one orientation: the pair-setup psid bound to who is sender and who is receiver, so the
 * two orientations of a pair setup never share a hash input (a node cannot reflect its peer's points back).
 */
export function orientationSid(psid: Uint8Array, senderNodeId: Uint8Array, receiverNodeId: Uint8Array): Uint8Array {
  return taggedHashWith(sha256, tag('base-ot-sid'), psid, senderNodeId, receiverNodeId);
}

/** The hash input of `HtC(sid, k, c, Y_{1−c})`. */
function h2cParts(sid: Uint8Array, k: number, c: number, yOther: Uint8Array): Uint8Array[] {
  return [sid, u32be(k), Uint8Array.of(c), yOther];
}

/**
 * `HtC(sid, k, c, Y_{1−c})` through the reference implementation of common/hash.ts (RFC 9380, tag
 * `base-ot-h2c`): the point the sender adds to `Y_c`. Used by tests and as the definition the fast path matches.
 */
export function otHashPoint(sid: Uint8Array, k: number, c: number, yOther: Uint8Array): Point {
  return hashToCurve(H2C_TAG, ...h2cParts(sid, k, c, yOther));
}

/** `key_c = H("ot-key", sid, k, c, Y_0, Y_1, E, P)` with the shared point P (e·M_c or a·E). */
export function otKey(
  sha: Sha256,
  sid: Uint8Array,
  k: number,
  c: number,
  y0: Uint8Array,
  y1: Uint8Array,
  E: Uint8Array,
  shared: Uint8Array,
): Uint8Array {
  return taggedHashWith(sha, KEY_TAG, sid, u32be(k), Uint8Array.of(c), y0, y1, E, shared);
}

/** The sender's secret scalar e and its public point E = e·G (one per orientation, for all 256 instances). */
export interface OtSender {
  /** The secret scalar e ∈ [1, n). */
  readonly e: bigint;
  /** E = e·G, 33 bytes compressed. */
  readonly E: Uint8Array;
}

/** Draws the sender's e and E = e·G. */
export function otSenderSetup(rng: Rng): OtSender {
  const e = randomScalar(rng);
  const o = jacNew();
  combMul(o, gCombTable(), scalarDigits(e));
  const flat = new Float64Array(36);
  storeJac(flat, 0, o);
  const aff = new Float64Array(24);
  batchToAffine(flat, 1, aff);
  const E = new Uint8Array(POINT_BYTES);
  encodeAffine(aff, 0, E, 0);
  return { e, E };
}

/** What the receiver keeps and sends. */
export interface OtReceiverResult {
  /** The message to the sender: (Y_0 ‖ Y_1) for k = 0..255, 33-byte compressed points. */
  readonly message: Uint8Array;
  /** key_{b_k} for k = 0..255, 32 bytes each. */
  readonly keys: Uint8Array;
}

/**
 * The receiver's side of all 256 instances with choice bits `choices` (bit k = `(choices[k>>3] >> (k&7)) & 1`)
 * against the sender point `E` (33 bytes, already decoded and checked not to be the identity). Nothing branches
 * on a choice bit: b enters only hash inputs and masked selections of which point is Y_0.
 */
export function otReceive(
  sid: Uint8Array,
  E: Uint8Array,
  choices: Uint8Array,
  rng: Rng,
  sha: Sha256,
): OtReceiverResult {
  assertArg(choices.length === OT_COUNT / 8, 'otReceive: choices must be 32 bytes');
  assertArg(E.length === POINT_BYTES, 'otReceive: E must be a 33-byte point');
  const Ept = secp256k1.Point.fromBytes(E);
  assertArg(!Ept.is0(), 'otReceive: E is the identity');
  const eTable = combTable(Ept);
  const g = gCombTable();
  const n = OT_COUNT;
  const rJac = new Float64Array(n * 36);
  const aJac = new Float64Array(n * 36);
  const outJac = new Float64Array(2 * n * 36); // Y_b for k < n, a·E for k ≥ n
  const p = jacNew();
  for (let k = 0; k < n; k++) {
    const r = randomScalar(rng);
    const a = randomScalar(rng);
    combMul(p, g, scalarDigits(r));
    storeJac(rJac, k, p);
    const ad = scalarDigits(a);
    combMul(p, g, ad);
    storeJac(aJac, k, p);
    combMul(p, eTable, ad);
    storeJac(outJac, n + k, p);
  }
  const rAff = new Float64Array(n * 24);
  batchToAffine(rJac, n, rAff);
  const rBytes = new Uint8Array(n * POINT_BYTES);
  for (let k = 0; k < n; k++) encodeAffine(rAff, k, rBytes, k * POINT_BYTES);
  const hJac = new Float64Array(36);
  const h = jacNew();
  const bits = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const b = ((choices[k >> 3] as number) >> (k & 7)) & 1;
    bits[k] = b;
    hashToCurveJac(H2C_TAG, h2cParts(sid, k, b, rBytes.subarray(k * POINT_BYTES, (k + 1) * POINT_BYTES)), hJac, 0, sha);
    loadJac(h, hJac, 0);
    fsub(h.y, ZERO, h.y); // −HtC(…)
    loadJac(p, aJac, k);
    // a·G = ±HtC(…) has probability ~2^-256 (a is fresh and uniform); treat it as a failure of the rng.
    if (jadd(p, p, h)) throw new ProtocolError('INVALID_ARGUMENT', 'otReceive: degenerate randomness');
    storeJac(outJac, k, p);
  }
  const outAff = new Float64Array(2 * n * 24);
  batchToAffine(outJac, 2 * n, outAff);
  const message = new Uint8Array(RECEIVER_MESSAGE_BYTES);
  const keys = new Uint8Array(n * OT_KEY_BYTES_BASE);
  const yb = new Uint8Array(POINT_BYTES);
  const shared = new Uint8Array(POINT_BYTES);
  for (let k = 0; k < n; k++) {
    encodeAffine(outAff, k, yb, 0);
    encodeAffine(outAff, n + k, shared, 0);
    const b = bits[k] as number;
    const mask = -b & 0xff; // 0xff when b = 1
    const y0 = message.subarray(2 * k * POINT_BYTES, (2 * k + 1) * POINT_BYTES);
    const y1 = message.subarray((2 * k + 1) * POINT_BYTES, (2 * k + 2) * POINT_BYTES);
    for (let i = 0; i < POINT_BYTES; i++) {
      const rv = rBytes[k * POINT_BYTES + i] as number;
      const bv = yb[i] as number;
      y0[i] = (rv & mask) | (bv & ~mask); // b = 1: Y_0 = r·G; b = 0: Y_0 = Y_b
      y1[i] = (bv & mask) | (rv & ~mask);
    }
    keys.set(otKey(sha, sid, k, b, y0, y1, E, shared), k * OT_KEY_BYTES_BASE);
  }
  return { message, keys };
}

/** The receiver's points as the sender decoded them: the raw message and the affine points (index 2k + c). */
export interface ReceiverPoints {
  /** The message bytes (Y_0 ‖ Y_1 per instance). */
  readonly bytes: Uint8Array;
  /** Affine coordinates, stride 24, point 2k + c = Y_c of instance k. */
  readonly aff: Float64Array;
}

/**
 * Strictly decodes the receiver's message: exactly 256 × 2 compressed points, each on the curve (the identity
 * has no compressed encoding). Throws {@link DecodeError}.
 */
export function decodeReceiverMessage(bytes: Uint8Array): ReceiverPoints {
  if (bytes.length !== RECEIVER_MESSAGE_BYTES) {
    throw new DecodeError(`base-OT message: expected ${RECEIVER_MESSAGE_BYTES} bytes, got ${bytes.length}`);
  }
  const aff = new Float64Array(2 * OT_COUNT * 24);
  for (let i = 0; i < 2 * OT_COUNT; i++) decodeAffine(bytes, i * POINT_BYTES, aff, i);
  return { bytes: bytes.slice(), aff };
}

/** Both keys of every instance. */
export interface OtSenderResult {
  /** key_0 for k = 0..255, 32 bytes each. */
  readonly keys0: Uint8Array;
  /** key_1 for k = 0..255, 32 bytes each. */
  readonly keys1: Uint8Array;
}

/**
 * The sender's side: M_c = Y_c + HtC(sid, k, c, Y_{1−c}) and key_c = H(…, e·M_c) for every k and c. Throws
 * `IDENTITY_POINT` (without culprit; the caller names the peer) when some M_c is the identity, which only a
 * malicious receiver can cause. Multiplications by e use the fixed-window GLV ladder (no secret-dependent branch).
 */
export function otSend(sid: Uint8Array, sender: OtSender, pts: ReceiverPoints, sha: Sha256): OtSenderResult {
  const n = OT_COUNT;
  const mJac = new Float64Array(2 * n * 36);
  const hJac = new Float64Array(36);
  const h = jacNew();
  const y = jacNew();
  for (let k = 0; k < n; k++) {
    for (let c = 0; c < 2; c++) {
      const other = 2 * k + (1 - c);
      const yOther = pts.bytes.subarray(other * POINT_BYTES, (other + 1) * POINT_BYTES);
      hashToCurveJac(H2C_TAG, h2cParts(sid, k, c, yOther), hJac, 0, sha);
      loadJac(h, hJac, 0);
      loadFe(y.x, pts.aff, (2 * k + c) * 24);
      loadFe(y.y, pts.aff, (2 * k + c) * 24 + 12);
      y.z.set(ONE);
      if (jadd(y, y, h)) {
        // Y_c = ±HtC(…): public data chosen by the receiver; redo with noble's complete formulas.
        const m = affineToNoble(pts.aff, 2 * k + c).add(jacToNoble(h));
        if (m.is0()) throw new ProtocolError('IDENTITY_POINT', `base OT ${k}: M_${c} is the identity`);
        storeJac(mJac, 2 * k + c, jacFromNoble(m));
      } else storeJac(mJac, 2 * k + c, y);
    }
  }
  const mAff = new Float64Array(2 * n * 24);
  batchToAffine(mJac, 2 * n, mAff);
  const tables = ladderTables(mAff, 2 * n);
  const digits = glvDigits(sender.e);
  const sJac = new Float64Array(2 * n * 36);
  const p = jacNew();
  for (let i = 0; i < 2 * n; i++) {
    // the exceptional GLV addition needs e on a ~2^-200 sliver; if it happens, the complete ladder recomputes
    if (ladderMulGlvChecked(p, tables, i * 16 * 24, digits)) ladderMul(p, tables, i * 16 * 24, scalarDigits(sender.e));
    storeJac(sJac, i, p);
  }
  const sAff = new Float64Array(2 * n * 24);
  batchToAffine(sJac, 2 * n, sAff);
  const keys0 = new Uint8Array(n * OT_KEY_BYTES_BASE);
  const keys1 = new Uint8Array(n * OT_KEY_BYTES_BASE);
  const shared = new Uint8Array(POINT_BYTES);
  for (let k = 0; k < n; k++) {
    const y0 = pts.bytes.subarray(2 * k * POINT_BYTES, (2 * k + 1) * POINT_BYTES);
    const y1 = pts.bytes.subarray((2 * k + 1) * POINT_BYTES, (2 * k + 2) * POINT_BYTES);
    encodeAffine(sAff, 2 * k, shared, 0);
    keys0.set(otKey(sha, sid, k, 0, y0, y1, sender.E, shared), k * OT_KEY_BYTES_BASE);
    encodeAffine(sAff, 2 * k + 1, shared, 0);
    keys1.set(otKey(sha, sid, k, 1, y0, y1, sender.E, shared), k * OT_KEY_BYTES_BASE);
  }
  return { keys0, keys1 };
}
