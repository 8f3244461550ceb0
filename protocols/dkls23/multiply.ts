/**
 * Two-party multiplication of DKLs23: a random vector OLE with a check, on top of the KOS OT extension
 * (DKLS23.md, "Two-party multiplication"). Bob's random input is `b = Σ β_j·g_j`; Alice's inputs are
 * `a_0, a_1`; afterwards `c_m + d_m = a_m·b (mod n)` with Alice holding c and Bob holding d.
 *
 * Messages (fixed length, strictly decoded):
 * - Bob → Alice: the OT-extension message u ‖ t̃ ‖ x̃ ({@link BOB_MESSAGE_BYTES} bytes);
 * - Alice → Bob: ã_{j,0} ‖ ã_{j,1} ‖ ã_{j,2} for j = 0..511, then η', then μ ({@link ALICE_MESSAGE_BYTES}
 *   bytes; every scalar 32-byte big-endian and canonical < n).
 *
 * Indices j (rows, gadget) are 0-based in every hash; the document's j = 1..512 is the same list.
 *
 * Speed: the pads α are used as unreduced 256-bit integers and sums of products are accumulated unreduced,
 * with one reduction per output (all arithmetic is mod n, so the results are the same as reducing at every
 * step). Subtractions add a multiple of n first, so no intermediate is negative and no branch depends on a
 * sign.
 */
import { equalBytes } from '../common/bytes.js';
import { CURVE_ORDER, randomScalar } from '../common/curve.js';
import { DecodeError, ProtocolError } from '../common/errors.js';
import { gadget, hsRows } from '../common/fast-hash.js';
import { hashToScalar, tag, taggedHashWith } from '../common/hash.js';
import type { Sha256, Suite } from '../common/suite.js';
import { KOS_CHOICE_BYTES, KOS_CHOICES, KOS_MESSAGE_BYTES, kosReceive, kosSend, ROW_WORDS } from '../ot/kos.js';
import type { AliceOtState, BobOtState } from './pair-state.js';

const n = CURVE_ORDER;
/** 2n > 2^256 > any unreduced pad, so `x + 2n − pad` is never negative. */
const TWO_N = 2n * n;
/** Number of OLE instances (rows carrying β). */
const L = KOS_CHOICES;
/** Scalars per row: a_0, a_1 and the check value η. */
const PER_ROW = 3;
/** Bytes of all ã. */
const A_TILDE_BYTES = L * PER_ROW * 32;

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
  /** β_j as 0n/1n (multipliers, so no branch on β). */
  readonly beta: bigint[];
  /** α^{β_j}_{j,m} at index 3j + m, unreduced. */
  readonly alpha: bigint[];
  /** The gadget g_j. */
  readonly gadget: bigint[];
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

/** Writes `v` (0 ≤ v < 2^256) as 32 big-endian bytes at `off` (setBigUint64 keeps the low 64 bits). */
function writeScalar(dv: DataView, off: number, v: bigint): void {
  dv.setBigUint64(off, v >> 192n, false);
  dv.setBigUint64(off + 8, v >> 128n, false);
  dv.setBigUint64(off + 16, v >> 64n, false);
  dv.setBigUint64(off + 24, v, false);
}

/** Reads a canonical scalar (< n) at `off`; throws {@link DecodeError} otherwise. */
function readScalar(dv: DataView, off: number): bigint {
  const v =
    (dv.getBigUint64(off, false) << 192n) |
    (dv.getBigUint64(off + 8, false) << 128n) |
    (dv.getBigUint64(off + 16, false) << 64n) |
    dv.getBigUint64(off + 24, false);
  if (v >= n) throw new DecodeError('scalar: not canonical (>= n)');
  return v;
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
 * and returns his message, his state and his random input `b = Σ β_j·g_j` (within 2^-128 of uniform).
 */
export function bobStart(
  bob: BobOtState,
  ctx: MulContext,
  suite: Suite,
): { message: Uint8Array; state: BobMulState; b: bigint } {
  checkContext(ctx);
  const x = suite.rng(KOS_CHOICE_BYTES).slice();
  if (x.length !== KOS_CHOICE_BYTES) throw new ProtocolError('INVALID_ARGUMENT', 'rng returned a short buffer');
  const msid = ctx.msid.slice();
  const { message, rows } = kosReceive(bob, msid, x, suite.sha256);
  const alpha: bigint[] = new Array(L * PER_ROW);
  hsRows(msid, rows, L, new Uint32Array(ROW_WORDS), alpha);
  rows.fill(0);
  const g = gadget(msid, L);
  const beta: bigint[] = new Array(L);
  let b = 0n;
  for (let j = 0; j < L; j++) {
    const bit = BigInt(((x[j >>> 3] as number) >>> (j & 7)) & 1);
    beta[j] = bit;
    b += bit * (g[j] as bigint);
  }
  x.fill(0);
  return { message, state: { msid, beta, alpha, gadget: g, sha: suite.sha256, used: false }, b: b % n };
}

/**
 * Alice: checks Bob's OT extension (malformed → `BAD_MESSAGE`, failed check → `OT_CHECK_FAILED`, both naming
 * `ctx.peer`; the caller must burn the pair state on the latter), then returns her OLE message for inputs
 * `(a_0, a_1)` and her outputs `c` with `c_m + d_m = a_m·b`.
 */
export function aliceRespond(
  alice: AliceOtState,
  ctx: MulContext,
  bobMessage: Uint8Array,
  inputs: readonly [bigint, bigint],
  suite: Suite,
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

  const alpha0: bigint[] = new Array(L * PER_ROW);
  const alpha1: bigint[] = new Array(L * PER_ROW);
  hsRows(msid, kos.rows, L, new Uint32Array(ROW_WORDS), alpha0);
  hsRows(msid, kos.rows, L, kos.delta, alpha1);
  kos.rows.fill(0);
  kos.delta.fill(0);
  const eta = randomScalar(suite.rng);
  const g = gadget(msid, L);

  const message = new Uint8Array(ALICE_MESSAGE_BYTES);
  const dv = new DataView(message.buffer);
  // ã_{j,m} = α^0 − α^1 + input_m; the multiple 2n keeps the value non-negative without a branch.
  const ins = [a0 + TWO_N, a1 + TWO_N, eta + TWO_N];
  let sum0 = 0n;
  let sum1 = 0n;
  for (let j = 0, k = 0; j < L; j++) {
    const gj = g[j] as bigint;
    for (let m = 0; m < PER_ROW; m++, k++) {
      const p0 = alpha0[k] as bigint;
      writeScalar(dv, 32 * k, (p0 - (alpha1[k] as bigint) + (ins[m] as bigint)) % n);
    }
    sum0 += gj * (alpha0[3 * j] as bigint);
    sum1 += gj * (alpha0[3 * j + 1] as bigint);
  }
  const [theta0, theta1] = thetas(suite.sha256, msid, message.subarray(0, A_TILDE_BYTES));
  const etaPrime = (eta + theta0 * a0 + theta1 * a1) % n;
  writeScalar(dv, A_TILDE_BYTES, etaPrime);

  const checks = new Uint8Array(L * 32);
  const cdv = new DataView(checks.buffer);
  for (let j = 0; j < L; j++) {
    const v =
      (alpha0[3 * j + 2] as bigint) + theta0 * (alpha0[3 * j] as bigint) + theta1 * (alpha0[3 * j + 1] as bigint);
    writeScalar(cdv, 32 * j, v % n);
  }
  message.set(muOf(suite.sha256, msid, checks), A_TILDE_BYTES + 32);
  checks.fill(0);
  alpha0.fill(0n);
  alpha1.fill(0n);

  return { message, c: [(n - (sum0 % n)) % n, (n - (sum1 % n)) % n] };
}

/**
 * Decodes Alice's OLE message strictly: exactly {@link ALICE_MESSAGE_BYTES} bytes, every scalar canonical
 * (< n). Throws {@link DecodeError}.
 */
export function decodeOleMessage(message: Uint8Array): { aTilde: bigint[]; etaPrime: bigint; mu: Uint8Array } {
  if (message.length !== ALICE_MESSAGE_BYTES) {
    throw new DecodeError(`expected ${ALICE_MESSAGE_BYTES} bytes, got ${message.length}`);
  }
  const dv = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const aTilde: bigint[] = new Array(L * PER_ROW);
  for (let k = 0; k < L * PER_ROW; k++) aTilde[k] = readScalar(dv, 32 * k);
  return { aTilde, etaPrime: readScalar(dv, A_TILDE_BYTES), mu: message.subarray(A_TILDE_BYTES + 32) };
}

/**
 * Bob, last step: decodes Alice's message (`BAD_MESSAGE`), checks μ in constant time (`OLE_CHECK_FAILED`),
 * both naming `ctx.peer`, and only then returns his outputs `d` with `c_m + d_m = a_m·b`.
 */
export function bobFinish(state: BobMulState, ctx: MulContext, aliceMessage: Uint8Array): { d: [bigint, bigint] } {
  checkContext(ctx);
  if (state.used) throw new ProtocolError('INVALID_ARGUMENT', 'bobFinish: state already used', { round: ctx.round });
  if (!equalBytes(state.msid, ctx.msid)) {
    throw new ProtocolError('INVALID_ARGUMENT', 'bobFinish: state belongs to another msid', { round: ctx.round });
  }
  state.used = true;
  const { beta, alpha, gadget: g, msid, sha } = state;

  let decoded: ReturnType<typeof decodeOleMessage>;
  try {
    decoded = decodeOleMessage(aliceMessage);
  } catch (e) {
    if (e instanceof DecodeError) fail('BAD_MESSAGE', `OLE message: ${e.message}`, ctx);
    throw e;
  }
  const { aTilde, etaPrime, mu } = decoded;

  const [theta0, theta1] = thetas(sha, msid, aliceMessage.subarray(0, A_TILDE_BYTES));
  const negEtaPrime = n - etaPrime;
  const checks = new Uint8Array(L * 32);
  const cdv = new DataView(checks.buffer);
  let sum0 = 0n;
  let sum1 = 0n;
  for (let j = 0, k = 0; j < L; j++, k += 3) {
    const bj = beta[j] as bigint;
    const d0 = (alpha[k] as bigint) + bj * (aTilde[k] as bigint);
    const d1 = (alpha[k + 1] as bigint) + bj * (aTilde[k + 1] as bigint);
    const d2 = (alpha[k + 2] as bigint) + bj * (aTilde[k + 2] as bigint);
    writeScalar(cdv, 32 * j, (d2 + theta0 * d0 + theta1 * d1 + bj * negEtaPrime) % n);
    const gj = g[j] as bigint;
    sum0 += gj * d0;
    sum1 += gj * d1;
  }
  const ok = equalBytes(muOf(sha, msid, checks), mu);
  checks.fill(0);
  alpha.fill(0n);
  if (!ok) fail('OLE_CHECK_FAILED', 'the vector-OLE check failed', ctx);
  return { d: [sum0 % n, sum1 % n] };
}
