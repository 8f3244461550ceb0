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
 * Constant time (the review's finding 1). Bob's choice bits β never reach a multiplication or a BigInt: each
 * β_j becomes a mask `−β_j` over integer limbs, so `β_j·ã_{j,m}`, `β_j·η'` and `Σ β_j·g_j` are masked
 * additions of the same cost whatever β is (math/scalar16.ts, math/scalar22.ts). The products with the
 * gadget and θ and every reduction mod n of a secret run on fixed-width limbs in the same operations for
 * every value (math/scalar22.ts: float64 columns without integer speculation; math/scalar16.ts: 32-bit
 * integers); BigInt remains only for one-off values (Alice's η', the outputs c and d).
 */
import { equalBytes } from '../common/bytes.js';
import { CURVE_ORDER, modN, randomScalar } from '../common/curve.js';
import { DecodeError, ProtocolError } from '../common/errors.js';
import { hashToScalar, tag, taggedHashWith } from '../common/hash.js';
import type { Sha256, Suite } from '../common/suite.js';
import {
  ACC_LIMBS,
  bigIntOfLimbs,
  bytesOfLimbs,
  carry,
  limbsOfScalar,
  limbsOfWordsBE,
  reduce,
  SCALAR_LIMBS,
} from '../math/scalar16.js';
import {
  checkValue,
  InnerProduct,
  LIMBS as L22,
  limbsOfBigInt as limbs22OfBigInt,
  limbsOfBytesBE as limbs22OfBytesBE,
  limbsOfWordsBE as limbs22OfWordsBE,
  prime,
} from '../math/scalar22.js';
import { KOS_CHOICE_BYTES, KOS_CHOICES, KOS_MESSAGE_BYTES, kosReceive, kosSend, ROW_WORDS } from '../ot/kos.js';
import { type Gadget, gadget, hsRows, PAD_WORDS_PER_ROW } from './ole-hash.js';
import type { AliceOtState, BobOtState } from './pair-state.js';

const n = CURVE_ORDER;
/** Number of OLE instances (rows carrying β). */
const L = KOS_CHOICES;
/** Scalars per row: a_0, a_1 and the check value η. */
const PER_ROW = 3;
/** Bytes of all ã. */
const A_TILDE_BYTES = L * PER_ROW * 32;
/** n and 2n as accumulator limbs. */
const N_LIMBS = new Int32Array(ACC_LIMBS);
const TWO_N_LIMBS = new Int32Array(ACC_LIMBS);
limbsOfScalar(n, N_LIMBS, 0);
for (let k = 0; k < SCALAR_LIMBS; k++) TWO_N_LIMBS[k] = 2 * (N_LIMBS[k] as number);
carry(TWO_N_LIMBS, 0);
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
  /** The gadget g_j. */
  readonly gadget: Gadget;
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

/** The 32 big-endian bytes at `off` as a bigint (public values). */
function readScalar(bytes: Uint8Array, off: number): bigint {
  const dv = new DataView(bytes.buffer, bytes.byteOffset + off, 32);
  return (
    (dv.getBigUint64(0, false) << 192n) |
    (dv.getBigUint64(8, false) << 128n) |
    (dv.getBigUint64(16, false) << 64n) |
    dv.getBigUint64(24, false)
  );
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

/** θ0, θ1 and a zero third term as the public operand `t` of {@link checkValue}. */
function thetaLimbs(theta0: bigint, theta1: bigint): Float64Array {
  const t = new Float64Array(3 * L22);
  limbs22OfBigInt(theta0, t, 0);
  limbs22OfBigInt(theta1, t, L22);
  return t;
}

/** The value of an inner product (reduced mod n) as a bigint. */
function innerResult(ip: InnerProduct, out: Int32Array): bigint {
  const acc = new Int32Array(ACC_LIMBS);
  ip.result(out, 0);
  acc.set(out);
  const v = bigIntOfLimbs(acc, 0);
  acc.fill(0);
  return v;
}

/**
 * Bob's input `b = Σ_j β_j·g_j mod n` from the masks `−β_j` (rows 0..rows−1; 512 in the protocol): masked
 * limb additions, the same operations whatever β is.
 */
export function maskedGadgetSum(masks: Int32Array, g: Gadget, rows: number = L): bigint {
  const acc = new Int32Array(ACC_LIMBS);
  const out = new Int32Array(ACC_LIMBS);
  maskedSum(masks, g.limbs16, rows, acc);
  reduce(acc, 0, out, 0);
  acc.fill(0);
  return bigIntOfLimbs(out, 0);
}

/**
 * `acc[k] += Σ_j (limbs[16j + k] & masks[j])`: the masked additions alone, in a function of their own so that
 * V8's on-stack-replaced loop never runs into the code after it without type feedback (which made it
 * deoptimise on every call).
 */
function maskedSum(masks: Int32Array, limbs: Int32Array, rows: number, acc: Int32Array): void {
  for (let j = 0; j < rows; j++) {
    const m = masks[j] as number;
    const o = j * SCALAR_LIMBS;
    for (let k = 0; k < SCALAR_LIMBS; k++) acc[k] = ((acc[k] as number) + ((limbs[o + k] as number) & m)) | 0;
  }
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
  const pads = new Int32Array(L * PAD_WORDS_PER_ROW);
  hsRows(msid, rows, L, new Uint32Array(ROW_WORDS), pads);
  rows.fill(0);
  const g = gadget(msid, L);
  const masks = new Int32Array(L);
  for (let j = 0; j < L; j++) masks[j] = -(((x[j >>> 3] as number) >>> (j & 7)) & 1);
  x.fill(0);
  const b = maskedGadgetSum(masks, g);
  return { message, state: { msid, masks, pads, gadget: g, sha: suite.sha256, used: false }, b };
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

  const pads0 = new Int32Array(L * PAD_WORDS_PER_ROW);
  const pads1 = new Int32Array(L * PAD_WORDS_PER_ROW);
  hsRows(msid, kos.rows, L, new Uint32Array(ROW_WORDS), pads0);
  hsRows(msid, kos.rows, L, kos.delta, pads1);
  kos.rows.fill(0);
  kos.delta.fill(0);
  const eta = randomScalar(suite.rng);
  const g = gadget(msid, L).limbs22;
  const message = new Uint8Array(ALICE_MESSAGE_BYTES);
  aliceTilde(pads0, pads1, [a0, a1, eta], message);
  pads1.fill(0);
  const [theta0, theta1] = thetas(suite.sha256, msid, message.subarray(0, A_TILDE_BYTES));
  writeScalar(new DataView(message.buffer), A_TILDE_BYTES, (eta + theta0 * a0 + theta1 * a1) % n);
  const { checks, c } = aliceChecks(pads0, g, theta0, theta1);
  pads0.fill(0);
  message.set(muOf(suite.sha256, msid, checks), A_TILDE_BYTES + 32);
  checks.fill(0);
  return { message, c };
}

/**
 * Alice's masked values for rows 0..rows−1 (512 in the protocol; fewer only for measurements):
 * `ã_{j,m} = α^0_{j,m} − α^1_{j,m} + input_m mod n` written into `message[96j + 32m ..]` (inputs a_0, a_1, η),
 * computed and reduced in 16-bit limbs.
 */
export function aliceTilde(
  pads0: Int32Array,
  pads1: Int32Array,
  inputs: readonly [bigint, bigint, bigint],
  message: Uint8Array,
  rows: number = L,
): void {
  // input_m + 2n in 16-bit limbs (2n > 2^256 > α^1 keeps α^0 − α^1 + input + 2n positive)
  const ins = new Int32Array(PER_ROW * ACC_LIMBS);
  inputs.forEach((v, m) => {
    limbsOfScalar(v, ins, m * ACC_LIMBS);
    for (let k = 0; k < ACC_LIMBS; k++) {
      ins[m * ACC_LIMBS + k] = ((ins[m * ACC_LIMBS + k] as number) + (TWO_N_LIMBS[k] as number)) | 0;
    }
  });
  const acc = new Int32Array(ACC_LIMBS);
  const red = new Int32Array(ACC_LIMBS);
  const l1 = new Int32Array(SCALAR_LIMBS);
  tildeLoop(pads0, pads1, ins, message, rows, acc, red, l1);
  ins.fill(0);
  acc.fill(0);
  red.fill(0);
  l1.fill(0);
}

/** The row loop of {@link aliceTilde}, in a function of its own (see {@link bobLoop}). */
function tildeLoop(
  pads0: Int32Array,
  pads1: Int32Array,
  ins: Int32Array,
  message: Uint8Array,
  rows: number,
  acc: Int32Array,
  red: Int32Array,
  l1: Int32Array,
): void {
  for (let j = 0, k = 0; j < rows; j++) {
    for (let m = 0; m < PER_ROW; m++, k++) {
      limbsOfWordsBE(pads0, 8 * k, acc, 0);
      acc[SCALAR_LIMBS] = 0;
      limbsOfWordsBE(pads1, 8 * k, l1, 0);
      const io = m * ACC_LIMBS;
      for (let q = 0; q < ACC_LIMBS; q++) {
        const sub = q < SCALAR_LIMBS ? (l1[q] as number) : 0;
        acc[q] = ((acc[q] as number) - sub + (ins[io + q] as number)) | 0;
      }
      reduce(acc, 0, red, 0);
      bytesOfLimbs(red, 0, message, 32 * k);
    }
  }
}

/**
 * Alice's check values `α^0_{j,2} + θ0·α^0_{j,0} + θ1·α^0_{j,1} mod n` (32-byte encodings, for μ) and outputs
 * `c_m = −Σ_j g_j·α^0_{j,m} mod n`, from the pads α^0 (SHA-256 output words, 24 per row), converted to
 * 22-bit limbs row by row (no large buffer: fresh allocations above 128 KB cost page faults every time).
 */
export function aliceChecks(
  pads0: Int32Array,
  g: Float64Array,
  theta0: bigint,
  theta1: bigint,
): { checks: Uint8Array; c: [bigint, bigint] } {
  prime();
  const rows = pads0.length / PAD_WORDS_PER_ROW;
  const t = thetaLimbs(theta0, theta1);
  const checks = new Uint8Array(rows * 32);
  const out = new Int32Array(SCALAR_LIMBS);
  const ip0 = new InnerProduct();
  const ip1 = new InnerProduct();
  const l22 = new Int32Array(L22);
  const x = new Float64Array(PER_ROW * L22);
  aliceLoop(pads0, g, t, rows, l22, x, out, checks, ip0, ip1);
  const c: [bigint, bigint] = [modN(-innerResult(ip0, out)), modN(-innerResult(ip1, out))];
  out.fill(0);
  l22.fill(0);
  x.fill(0);
  return { checks, c };
}

/** The row loop of {@link aliceChecks}, in a function of its own (see {@link bobLoop}). */
function aliceLoop(
  pads0: Int32Array,
  g: Float64Array,
  t: Float64Array,
  rows: number,
  l22: Int32Array,
  x: Float64Array,
  out: Int32Array,
  checks: Uint8Array,
  ip0: InnerProduct,
  ip1: InnerProduct,
): void {
  for (let j = 0, k = 0; j < rows; j++) {
    for (let m = 0; m < PER_ROW; m++, k++) {
      limbs22OfWordsBE(pads0, 8 * k, l22, 0);
      for (let q = 0; q < L22; q++) x[m * L22 + q] = l22[q] as number;
    }
    checkValue(x, 0, t, out, 0);
    bytesOfLimbs(out, 0, checks, 32 * j);
    ip0.add(g, j * L22, x, 0);
    ip1.add(g, j * L22, x, L22);
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
  const dv = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const read = (off: number) =>
    (dv.getBigUint64(off, false) << 192n) |
    (dv.getBigUint64(off + 8, false) << 128n) |
    (dv.getBigUint64(off + 16, false) << 64n) |
    dv.getBigUint64(off + 24, false);
  const aTilde: bigint[] = new Array(L * PER_ROW);
  for (let k = 0; k < L * PER_ROW; k++) aTilde[k] = read(32 * k);
  return { aTilde, etaPrime: read(A_TILDE_BYTES), mu: message.subarray(A_TILDE_BYTES + 32) };
}

/**
 * Bob's arithmetic on Alice's checked message, for rows 0..rows−1 (512 in the protocol; fewer only for
 * measurements such as `npm run ct`): `V_{j,m} = α_{j,m} + β_j·ã_{j,m}` (and `− β_j·η'` in the check term)
 * with β only as the masks `masks[j] = −β_j`, the check values `V_{j,2} + θ0·V_{j,0} + θ1·V_{j,1} mod n` as
 * 32-byte encodings, and `d_m = Σ_j g_j·V_{j,m} mod n`.
 */
export function bobRows(
  masks: Int32Array,
  pads: Int32Array,
  g: Gadget,
  aliceMessage: Uint8Array,
  theta0: bigint,
  theta1: bigint,
  rows: number = L,
): { checks: Uint8Array; d: [bigint, bigint] } {
  prime();
  const t = thetaLimbs(theta0, theta1);
  // n − η' in 22-bit limbs (public; n itself when η' = 0, which is ≡ 0), added under β's mask
  const negEta = new Int32Array(L22);
  const etaBytes = new Uint8Array(32);
  writeScalar(new DataView(etaBytes.buffer), 0, n - readScalar(aliceMessage, A_TILDE_BYTES));
  limbs22OfBytesBE(etaBytes, 0, negEta, 0);

  const checks = new Uint8Array(rows * 32);
  const out = new Int32Array(SCALAR_LIMBS);
  const a = new Int32Array(L22);
  const at = new Int32Array(L22);
  const v = new Float64Array(PER_ROW * L22);
  const ip0 = new InnerProduct();
  const ip1 = new InnerProduct();
  bobLoop(masks, pads, g.limbs22, aliceMessage, negEta, t, rows, { a, at, v, out, checks, ip0, ip1 });
  a.fill(0);
  v.fill(0);
  const d: [bigint, bigint] = [innerResult(ip0, out), innerResult(ip1, out)];
  out.fill(0);
  return { checks, d };
}

/** Scratch and outputs of {@link bobLoop}. */
interface BobBuffers {
  a: Int32Array;
  at: Int32Array;
  v: Float64Array;
  out: Int32Array;
  checks: Uint8Array;
  ip0: InnerProduct;
  ip1: InnerProduct;
}

/**
 * The row loop of {@link bobRows}, in a function of its own: V8 compiles the loop on the stack (OSR) during
 * the first call, and code after a loop that has not run yet would make that compiled loop deoptimise at its
 * exit on every later call.
 */
function bobLoop(
  masks: Int32Array,
  pads: Int32Array,
  g22: Float64Array,
  aliceMessage: Uint8Array,
  negEta: Int32Array,
  t: Float64Array,
  rows: number,
  b: BobBuffers,
): void {
  const { a, at, v, out, checks, ip0, ip1 } = b;
  for (let j = 0, k = 0; j < rows; j++) {
    const mask = masks[j] as number;
    for (let m = 0; m < PER_ROW; m++, k++) {
      // V_{j,m} = α + (−β_j & ã) [+ (−β_j & (n − η')) for the check term], carried to 22-bit limbs
      limbs22OfWordsBE(pads, 8 * k, a, 0);
      limbs22OfBytesBE(aliceMessage, 32 * k, at, 0);
      let c = 0;
      for (let q = 0; q < L22; q++) {
        let s = (a[q] as number) + ((at[q] as number) & mask) + c;
        if (m === 2) s += (negEta[q] as number) & mask;
        c = s >>> 22;
        v[m * L22 + q] = q === L22 - 1 ? s : s & 0x3fffff;
      }
    }
    checkValue(v, 0, t, out, 0);
    bytesOfLimbs(out, 0, checks, 32 * j);
    ip0.add(g22, j * L22, v, 0);
    ip1.add(g22, j * L22, v, L22);
  }
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
  const { masks, pads, gadget: g, msid, sha } = state;
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
