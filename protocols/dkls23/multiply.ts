/**
 * Two-party multiplication of DKLs23: a random vector OLE with a check, on top of the KOS OT extension
 * (docs/protocol.md, "The two-party multiplication"). Bob's random input is `b = Σ β_j·g_j`; Alice's inputs are
 * `a_0, a_1`; afterwards `c_m + d_m = a_m·b (mod n)` with Alice holding c and Bob holding d.
 *
 * Messages (fixed length, strictly decoded):
 * - Bob → Alice: the OT-extension message u ‖ t̃ ‖ x̃ ({@link BOB_MESSAGE_BYTES} bytes);
 * - Alice → Bob: ã_{j,0} ‖ ã_{j,1} ‖ ã_{j,2} for j = 0..511, then η', then μ ({@link ALICE_MESSAGE_BYTES}
 *   bytes; every scalar 32-byte big-endian and canonical < n).
 *
 * Indices j (rows, gadget) are 0-based in every hash; the document's j = 1..512 is the same list.
 *
 * Constant time (the review's finding 1): the arithmetic on β, Δ and Alice's inputs is in ole-rows.ts; here
 * only the KOS extension (ot/kos.ts), the hashes and the checks' single public pass/fail branches.
 */
import { equalBytes } from '../common/bytes.js';
import { CURVE_ORDER, randomScalar } from '../common/curve.js';
import { DecodeError, ProtocolError } from '../common/errors.js';
import { hashToScalar, tag, taggedHashWith } from '../common/hash.js';
import type { Sha256, Suite } from '../common/suite.js';
import { LIMBS as L22 } from '../math/scalar22.js';
import { KOS_CHOICE_BYTES, KOS_CHOICES, KOS_MESSAGE_BYTES, kosReceive, kosSend, ROW_WORDS } from '../ot/kos.js';
import { gadget, hsRows, PAD_WORDS_PER_ROW } from './ole-hash.js';
import {
  A_TILDE_BYTES,
  aliceChecks,
  aliceTilde,
  bobRows,
  maskedGadgetSum,
  oleScratch,
  PER_ROW,
  readScalar,
  writeScalar,
} from './ole-rows.js';
import type { AliceOtState, BobOtState } from './pair-state.js';

const n = CURVE_ORDER;
/** Number of OLE instances (rows carrying β). */
const L = KOS_CHOICES;
/** The bytes of n, for the canonical check of received scalars. */
const N_BYTES = new Uint8Array(32);
new DataView(N_BYTES.buffer).setBigUint64(0, n >> 192n);
new DataView(N_BYTES.buffer).setBigUint64(8, n >> 128n);
new DataView(N_BYTES.buffer).setBigUint64(16, n >> 64n);
new DataView(N_BYTES.buffer).setBigUint64(24, n);

/** Exact byte length of Bob's message (the OT-extension message). */
export const BOB_MESSAGE_BYTES = KOS_MESSAGE_BYTES;
/** Exact byte length of Alice's message: 512 × 3 scalars, η', μ (49 216 bytes). */
export const ALICE_MESSAGE_BYTES = A_TILDE_BYTES + 32 + 32;

/** Where one multiplication runs: its fresh session id, the round that carries it, and who the peer is. */
export interface MulContext {
  /** The multiplication session id (32 bytes), unique per ordered pair and signature. */
  msid: Uint8Array;
  /** The protocol round reported in errors. */
  round: number;
  /** The counterparty's session index, named as culprit when its message fails a check. */
  peer: number;
}

/** Bob's secrets between his two steps. One use: {@link bobFinish} refuses a second call. */
export interface BobMulState {
  /** The msid the state belongs to. */
  readonly msid: Uint8Array;
  /** `−β_j` (0 or all ones) for j < 512: β only ever as a mask. */
  readonly masks: Int32Array;
  /** The pads α^{β_j}_{j,m} as SHA-256 output words, 24 per row. */
  readonly pads: Int32Array;
  /** The gadget g_j in 22-bit limbs. */
  readonly gadget22: Float64Array;
  /** The suite's SHA-256 (bobFinish takes no suite; the bulk hashes use the injected one). */
  readonly sha: Sha256;
  /** Set by {@link bobFinish}. */
  used: boolean;
}

function fail(code: 'BAD_MESSAGE' | 'OT_CHECK_FAILED' | 'OLE_CHECK_FAILED', message: string, ctx: MulContext): never {
  throw new ProtocolError(code, message, { round: ctx.round, culprit: ctx.peer });
}

function checkContext(ctx: MulContext): void {
  if (!(ctx.msid instanceof Uint8Array) || ctx.msid.length !== 32) {
    throw new ProtocolError('INVALID_ARGUMENT', 'multiplication: msid must be 32 bytes', { round: ctx.round });
  }
}

/** Whether the 32 big-endian bytes at `off` encode a value below n (public data: early exit is fine). */
function belowN(bytes: Uint8Array, off: number): boolean {
  for (let i = 0; i < 32; i++) {
    const b = bytes[off + i] as number;
    const m = N_BYTES[i] as number;
    if (b !== m) return b < m;
  }
  return false;
}

/** θ_0, θ_1 from msid and all of ã, hashed only after ã is fixed (Fiat–Shamir over the data it binds). */
function thetas(sha: Sha256, msid: Uint8Array, aTildeBytes: Uint8Array): [bigint, bigint] {
  const seed = taggedHashWith(sha, tag('ole-theta'), msid, aTildeBytes);
  return [
    hashToScalar(tag('ole-theta-expand'), seed, Uint8Array.of(0)),
    hashToScalar(tag('ole-theta-expand'), seed, Uint8Array.of(1)),
  ];
}

/** μ = H("ole-mu", msid, v_0 ‖ … ‖ v_511) over the 32-byte encodings of the reduced check values. */
function muOf(sha: Sha256, msid: Uint8Array, values: Uint8Array): Uint8Array {
  return taggedHashWith(sha, tag('ole-mu'), msid, values);
}

/**
 * Bob, first step: samples β (512 bits) and the padding (128 bits) from `suite.rng`, runs the OT extension,
 * and returns his message, his state and his random input `b = Σ β_j·g_j` (within 2^-128 of uniform). The
 * message is allocated with `headroom` free bytes in front of it (for the caller's header, see
 * `Writer.finishBefore`).
 */
export function bobStart(
  bob: BobOtState,
  ctx: MulContext,
  suite: Suite,
  headroom = 0,
): { message: Uint8Array; state: BobMulState; b: bigint } {
  checkContext(ctx);
  const x = suite.rng(KOS_CHOICE_BYTES).slice();
  if (x.length !== KOS_CHOICE_BYTES) throw new ProtocolError('INVALID_ARGUMENT', 'rng returned a short buffer');
  const msid = ctx.msid.slice();
  const { message, rows } = kosReceive(bob, msid, x, suite.sha256, headroom);
  const pads = new Int32Array(L * PAD_WORDS_PER_ROW);
  hsRows(msid, rows, L, new Uint32Array(ROW_WORDS), pads);
  rows.fill(0);
  // the 16-bit limbs serve only b below (scratch); the 22-bit ones stay for bobFinish
  const g = gadget(msid, L, { limbs16: oleScratch().gadget.limbs16, limbs22: new Float64Array(L * L22) });
  const masks = new Int32Array(L);
  for (let j = 0; j < L; j++) masks[j] = -(((x[j >>> 3] as number) >>> (j & 7)) & 1);
  x.fill(0);
  const b = maskedGadgetSum(masks, g);
  return { message, state: { msid, masks, pads, gadget22: g.limbs22, sha: suite.sha256, used: false }, b };
}

/**
 * Alice: checks Bob's OT extension (malformed → `BAD_MESSAGE`, failed check → `OT_CHECK_FAILED`, both naming
 * `ctx.peer`; the caller must burn the pair state on the latter), then returns her OLE message for inputs
 * `(a_0, a_1)` and her outputs `c` with `c_m + d_m = a_m·b`. The message is allocated with `headroom` free
 * bytes in front of it (for the caller's header, see `Writer.finishBefore`).
 */
export function aliceRespond(
  alice: AliceOtState,
  ctx: MulContext,
  bobMessage: Uint8Array,
  inputs: readonly [bigint, bigint],
  suite: Suite,
  headroom = 0,
): { message: Uint8Array; c: [bigint, bigint] } {
  checkContext(ctx);
  const [a0, a1] = inputs;
  if (a0 < 0n || a0 >= n || a1 < 0n || a1 >= n) {
    throw new ProtocolError('INVALID_ARGUMENT', 'multiplication: inputs must be scalars in [0, n)', {
      round: ctx.round,
    });
  }
  const msid = ctx.msid;
  let kos: ReturnType<typeof kosSend>;
  try {
    kos = kosSend(alice, msid, bobMessage, suite.sha256);
  } catch (e) {
    if (e instanceof DecodeError) fail('BAD_MESSAGE', `OT-extension message: ${e.message}`, ctx);
    throw e;
  }
  if (kos === null) fail('OT_CHECK_FAILED', 'the OT-extension consistency check failed', ctx);

  const scratch = oleScratch();
  const { pads0, pads1 } = scratch;
  try {
    hsRows(msid, kos.rows, L, new Uint32Array(ROW_WORDS), pads0);
    hsRows(msid, kos.rows, L, kos.delta, pads1);
    kos.rows.fill(0);
    kos.delta.fill(0);
    const eta = randomScalar(suite.rng);
    const g = gadget(msid, L, scratch.gadget).limbs22;
    const message = new Uint8Array(headroom + ALICE_MESSAGE_BYTES).subarray(headroom);
    aliceTilde(pads0, pads1, [a0, a1, eta], message);
    pads1.fill(0);
    const [theta0, theta1] = thetas(suite.sha256, msid, message.subarray(0, A_TILDE_BYTES));
    writeScalar(
      new DataView(message.buffer, message.byteOffset, message.byteLength),
      A_TILDE_BYTES,
      (eta + theta0 * a0 + theta1 * a1) % n,
    );
    const { checks, c } = aliceChecks(pads0, g, theta0, theta1);
    message.set(muOf(suite.sha256, msid, checks), A_TILDE_BYTES + 32);
    checks.fill(0);
    return { message, c };
  } finally {
    // the scratch pads outlive the call: never leave a secret in them, whatever happened
    pads0.fill(0);
    pads1.fill(0);
    scratch.checks.fill(0);
    kos.rows.fill(0);
  }
}

/**
 * Checks the lengths and canonical encodings of Alice's OLE message: exactly {@link ALICE_MESSAGE_BYTES}
 * bytes, every scalar below n. Throws {@link DecodeError}.
 */
export function checkOleMessage(message: Uint8Array): void {
  if (message.length !== ALICE_MESSAGE_BYTES) {
    throw new DecodeError(`expected ${ALICE_MESSAGE_BYTES} bytes, got ${message.length}`);
  }
  for (let off = 0; off <= A_TILDE_BYTES; off += 32) {
    if (!belowN(message, off)) throw new DecodeError('scalar: not canonical (>= n)');
  }
}

/**
 * Decodes Alice's OLE message strictly (see {@link checkOleMessage}) into its values. Throws
 * {@link DecodeError}.
 */
export function decodeOleMessage(message: Uint8Array): { aTilde: bigint[]; etaPrime: bigint; mu: Uint8Array } {
  checkOleMessage(message);
  const aTilde: bigint[] = new Array(L * PER_ROW);
  for (let k = 0; k < L * PER_ROW; k++) aTilde[k] = readScalar(message, 32 * k);
  return { aTilde, etaPrime: readScalar(message, A_TILDE_BYTES), mu: message.subarray(A_TILDE_BYTES + 32) };
}

/**
 * Bob, last step: checks Alice's message (`BAD_MESSAGE`), checks μ in constant time (`OLE_CHECK_FAILED`),
 * both naming `ctx.peer`, and only then returns his outputs `d` with `c_m + d_m = a_m·b`.
 */
export function bobFinish(state: BobMulState, ctx: MulContext, aliceMessage: Uint8Array): { d: [bigint, bigint] } {
  checkContext(ctx);
  if (state.used) throw new ProtocolError('INVALID_ARGUMENT', 'bobFinish: state already used', { round: ctx.round });
  if (!equalBytes(state.msid, ctx.msid)) {
    throw new ProtocolError('INVALID_ARGUMENT', 'bobFinish: state belongs to another msid', { round: ctx.round });
  }
  state.used = true;
  try {
    checkOleMessage(aliceMessage);
  } catch (e) {
    if (e instanceof DecodeError) fail('BAD_MESSAGE', `OLE message: ${e.message}`, ctx);
    throw e;
  }
  const { masks, pads, gadget22: g, msid, sha } = state;
  const [theta0, theta1] = thetas(sha, msid, aliceMessage.subarray(0, A_TILDE_BYTES));
  const { checks, d } = bobRows(masks, pads, g, aliceMessage, theta0, theta1);
  const mu = aliceMessage.subarray(A_TILDE_BYTES + 32);
  const ok = equalBytes(muOf(sha, msid, checks), mu);
  checks.fill(0);
  pads.fill(0);
  masks.fill(0);
  if (!ok) fail('OLE_CHECK_FAILED', 'the vector-OLE check failed', ctx);
  return { d };
}
