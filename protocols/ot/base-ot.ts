/**
 * Masny–Rindal "endemic" base OT on secp256k1 (256 instances per orientation), used once per node pair by
 * pair setup.
 *
 * Protocol (docs/protocol.md, "Pair setup"), for instance k with receiver bit b:
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
 * Secrets and where they go: e, a and r (scalars) reach the curve only through the suite's backend
 * (libsecp256k1's constant-time multiplications); a·G, a·E and e·M_c (secret-derived points) stay inside the
 * backend and in byte encodings that are only hashed or added by the backend. The choice bits never decide a
 * branch, a loop or an index: the receiver hashes to the curve for BOTH possible bits of every instance (public
 * inputs: the sender can compute both) and selects the one it needs with a byte mask. The hash to curve, the
 * sums Y_c + HtC and the conversions of those public points run on the public-data arithmetic of
 * protocols/math; their only branches are on events of probability ~2^-250 (an isogeny pole, an exceptional
 * addition), which fall back to noble or fail.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { u32be } from '../common/bytes.js';
import { POINT_BYTES, POINT_BYTES_UNCOMPRESSED, type Point, randomScalar, secretScalarBytes } from '../common/curve.js';
import { assertArg, DecodeError, ProtocolError } from '../common/errors.js';
import { hashToCurve, tag, taggedHash, taggedHashWith } from '../common/hash.js';
import type { CurveBackend, Rng, Sha256 } from '../common/suite.js';
import { hashToCurvePublic } from '../math/hash-to-curve.js';
import { fsub, ONE, ZERO } from '../math/secp-field.js';
import {
  affineToNoble,
  batchToAffine,
  decodeUncompressed,
  encodeAffine65,
  jacFromNoble,
  jacNew,
  jacToNoble,
  jadd,
  loadFe,
  loadJac,
  storeJac,
} from '../math/secp-point.js';

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
  return taggedHash(tag('base-ot-sid'), psid, senderNodeId, receiverNodeId);
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

/** Draws the sender's e and E = e·G (constant-time fixed-base multiplication in the backend). */
export function otSenderSetup(rng: Rng, curve: CurveBackend): OtSender {
  const e = randomScalar(rng);
  const { bytes } = secretScalarBytes(e);
  const E = new Uint8Array(POINT_BYTES);
  curve.mulG(bytes, E);
  bytes.fill(0);
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
 * on a choice bit: b enters hash inputs and byte masks only, and both possible hash-to-curve points of every
 * instance are computed. `count` < 256 runs only the first instances (for measurements such as `npm run ct`).
 */
export function otReceive(
  sid: Uint8Array,
  E: Uint8Array,
  choices: Uint8Array,
  rng: Rng,
  sha: Sha256,
  curve: CurveBackend,
  count: number = OT_COUNT,
): OtReceiverResult {
  assertArg(choices.length === OT_COUNT / 8, 'otReceive: choices must be 32 bytes');
  assertArg(E.length === POINT_BYTES, 'otReceive: E must be a 33-byte point');
  assertArg(!secp256k1.Point.fromBytes(E).is0(), 'otReceive: E is the identity');
  assertArg(Number.isInteger(count) && count > 0 && count <= OT_COUNT, 'otReceive: bad count');
  const n = count;
  // Secret scalars (drawn in the order r_0, a_0, r_1, a_1, … as always) and their products, in the backend.
  const rBytes = new Uint8Array(n * POINT_BYTES); // Y_{1−b} = r·G, compressed (sent, and hashed)
  const aG = new Uint8Array(n * POINT_BYTES_UNCOMPRESSED); // a·G, uncompressed for the addition
  const aScalars: Uint8Array[] = [];
  for (let k = 0; k < n; k++) {
    const r = secretScalarBytes(randomScalar(rng)).bytes;
    const a = secretScalarBytes(randomScalar(rng)).bytes;
    curve.mulG(r, rBytes.subarray(k * POINT_BYTES, (k + 1) * POINT_BYTES));
    curve.mulG(a, aG.subarray(k * POINT_BYTES_UNCOMPRESSED, (k + 1) * POINT_BYTES_UNCOMPRESSED));
    r.fill(0);
    aScalars.push(a);
  }
  const shared = Array.from({ length: n }, () => new Uint8Array(POINT_BYTES)); // a·E
  curve.mulScalars(E, aScalars, shared);
  for (const a of aScalars) a.fill(0);
  // −HtC(sid, k, c, Y_{1−b}) for c = 0 and c = 1 (public inputs; both computed whatever b is), as affine points.
  const hJac = new Float64Array(2 * n * 36);
  const h = jacNew();
  for (let k = 0; k < n; k++) {
    const yOther = rBytes.subarray(k * POINT_BYTES, (k + 1) * POINT_BYTES);
    for (let c = 0; c < 2; c++) {
      hashToCurvePublic(H2C_TAG, h2cParts(sid, k, c, yOther), hJac, 2 * k + c, sha);
      loadJac(h, hJac, 2 * k + c);
      fsub(h.y, ZERO, h.y);
      storeJac(hJac, 2 * k + c, h);
    }
  }
  const hAff = new Float64Array(2 * n * 24);
  batchToAffine(hJac, 2 * n, hAff);
  const candidates = new Uint8Array(2 * POINT_BYTES_UNCOMPRESSED);
  const negH = new Uint8Array(POINT_BYTES_UNCOMPRESSED);
  const yb = new Uint8Array(POINT_BYTES);
  const message = new Uint8Array(n * 2 * POINT_BYTES);
  const keys = new Uint8Array(n * OT_KEY_BYTES_BASE);
  for (let k = 0; k < n; k++) {
    const b = ((choices[k >> 3] as number) >> (k & 7)) & 1;
    const mask = -b & 0xff; // 0xff when b = 1
    encodeAffine65(hAff, 2 * k, candidates, 0);
    encodeAffine65(hAff, 2 * k + 1, candidates, POINT_BYTES_UNCOMPRESSED);
    for (let i = 0; i < POINT_BYTES_UNCOMPRESSED; i++) {
      const h0 = candidates[i] as number;
      const h1 = candidates[POINT_BYTES_UNCOMPRESSED + i] as number;
      negH[i] = (h1 & mask) | (h0 & ~mask);
    }
    // Y_b = a·G − HtC(…); a·G = ±HtC(…) has probability ~2^-256 (a is fresh and uniform): a failure of the rng.
    const aGk = aG.subarray(k * POINT_BYTES_UNCOMPRESSED, (k + 1) * POINT_BYTES_UNCOMPRESSED);
    if (!curve.add(aGk, negH, yb)) throw new ProtocolError('INVALID_ARGUMENT', 'otReceive: degenerate randomness');
    const y0 = message.subarray(2 * k * POINT_BYTES, (2 * k + 1) * POINT_BYTES);
    const y1 = message.subarray((2 * k + 1) * POINT_BYTES, (2 * k + 2) * POINT_BYTES);
    for (let i = 0; i < POINT_BYTES; i++) {
      const rv = rBytes[k * POINT_BYTES + i] as number;
      const bv = yb[i] as number;
      y0[i] = (rv & mask) | (bv & ~mask); // b = 1: Y_0 = r·G; b = 0: Y_0 = Y_b
      y1[i] = (bv & mask) | (rv & ~mask);
    }
    keys.set(otKey(sha, sid, k, b, y0, y1, E, shared[k] as Uint8Array), k * OT_KEY_BYTES_BASE);
    (shared[k] as Uint8Array).fill(0);
  }
  aG.fill(0);
  negH.fill(0);
  yb.fill(0);
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
 * Strictly decodes the receiver's message: exactly 256 × 2 compressed points, each with prefix 2 or 3, x < p
 * and on the curve (the identity has no compressed encoding). The square roots are libsecp256k1's (the
 * backend's decompression of public points: a fraction of the cost of the float field's exponentiation).
 * Throws {@link DecodeError}.
 */
export function decodeReceiverMessage(bytes: Uint8Array, curve: CurveBackend): ReceiverPoints {
  if (bytes.length !== RECEIVER_MESSAGE_BYTES) {
    throw new DecodeError(`base-OT message: expected ${RECEIVER_MESSAGE_BYTES} bytes, got ${bytes.length}`);
  }
  const aff = new Float64Array(2 * OT_COUNT * 24);
  const full = new Uint8Array(POINT_BYTES_UNCOMPRESSED);
  for (let i = 0; i < 2 * OT_COUNT; i++) {
    if (!curve.decompress(bytes.subarray(i * POINT_BYTES, (i + 1) * POINT_BYTES), full)) {
      throw new DecodeError(`base-OT message: point ${i} is not a compressed point on the curve`);
    }
    decodeUncompressed(full, aff, i);
  }
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
 * The sender's side: M_c = Y_c + HtC(sid, k, c, Y_{1−c}) (public points) and key_c = H(…, e·M_c) for every k
 * and c, with e·M_c in the backend's constant-time multiplication. Throws `IDENTITY_POINT` (without culprit;
 * the caller names the peer) when some M_c is the identity, which only a malicious receiver can cause.
 * `count` < 256 runs only the first instances (for measurements such as `npm run ct`).
 */
export function otSend(
  sid: Uint8Array,
  sender: OtSender,
  pts: ReceiverPoints,
  sha: Sha256,
  curve: CurveBackend,
  count: number = OT_COUNT,
): OtSenderResult {
  assertArg(Number.isInteger(count) && count > 0 && count <= OT_COUNT, 'otSend: bad count');
  const n = count;
  const mJac = new Float64Array(2 * n * 36);
  const hJac = new Float64Array(36);
  const h = jacNew();
  const y = jacNew();
  for (let k = 0; k < n; k++) {
    for (let c = 0; c < 2; c++) {
      const other = 2 * k + (1 - c);
      const yOther = pts.bytes.subarray(other * POINT_BYTES, (other + 1) * POINT_BYTES);
      hashToCurvePublic(H2C_TAG, h2cParts(sid, k, c, yOther), hJac, 0, sha);
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
  const points = Array.from({ length: 2 * n }, (_, i) => {
    const m = new Uint8Array(POINT_BYTES_UNCOMPRESSED);
    encodeAffine65(mAff, i, m, 0);
    return m;
  });
  const shared = Array.from({ length: 2 * n }, () => new Uint8Array(POINT_BYTES));
  const { bytes: e } = secretScalarBytes(sender.e);
  curve.mulPoints(points, e, shared);
  e.fill(0);
  const keys0 = new Uint8Array(n * OT_KEY_BYTES_BASE);
  const keys1 = new Uint8Array(n * OT_KEY_BYTES_BASE);
  for (let k = 0; k < n; k++) {
    const y0 = pts.bytes.subarray(2 * k * POINT_BYTES, (2 * k + 1) * POINT_BYTES);
    const y1 = pts.bytes.subarray((2 * k + 1) * POINT_BYTES, (2 * k + 2) * POINT_BYTES);
    keys0.set(otKey(sha, sid, k, 0, y0, y1, sender.E, shared[2 * k] as Uint8Array), k * OT_KEY_BYTES_BASE);
    keys1.set(otKey(sha, sid, k, 1, y0, y1, sender.E, shared[2 * k + 1] as Uint8Array), k * OT_KEY_BYTES_BASE);
  }
  for (const s of shared) s.fill(0);
  return { keys0, keys1 };
}
