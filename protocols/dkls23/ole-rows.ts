/**
 * The vector OLE's row arithmetic (multiply.ts runs the protocol around it): Alice's masked values ã and check
 * values, Bob's `V = α + β·ã`, his check values and the gadget sums, all on fixed-width limbs.
 *
 * Constant time (the review's finding 1). Bob's choice bits β never reach a multiplication or a BigInt: each
 * β_j becomes a mask `−β_j` over integer limbs, so `β_j·ã_{j,m}`, `β_j·η'` and `Σ β_j·g_j` are masked
 * additions of the same cost whatever β is (math/scalar16.ts, math/scalar22.ts). The products with the
 * gadget and θ and every reduction mod n of a secret run on fixed-width limbs in the same operations for
 * every value (math/scalar22.ts: float64 columns without integer speculation; math/scalar16.ts: 32-bit
 * integers); BigInt remains only for one-off values (Alice's η', the outputs c and d).
 *
 * Every row loop is a function of its own: V8 compiles a hot loop on the stack (OSR) during the first call,
 * and code after a loop that has not run yet would make that compiled loop deoptimise at its exit on every
 * later call.
 */
import { CURVE_ORDER, modN } from '../common/curve.js';
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
import { KOS_CHOICES } from '../ot/kos.js';
import { type Gadget, PAD_WORDS_PER_ROW } from './ole-hash.js';

const n = CURVE_ORDER;
/** Number of OLE instances (rows carrying β). */
const L = KOS_CHOICES;
/** Scalars per row: a_0, a_1 and the check value η. */
export const PER_ROW = 3;
/** Bytes of all ã. */
export const A_TILDE_BYTES = L * PER_ROW * 32;
/** n and 2n as accumulator limbs. */
const N_LIMBS = new Int32Array(ACC_LIMBS);
const TWO_N_LIMBS = new Int32Array(ACC_LIMBS);
limbsOfScalar(n, N_LIMBS, 0);
for (let k = 0; k < SCALAR_LIMBS; k++) TWO_N_LIMBS[k] = 2 * (N_LIMBS[k] as number);
carry(TWO_N_LIMBS, 0);

/** Writes `v` (0 ≤ v < 2^256) as 32 big-endian bytes at `off` (setBigUint64 keeps the low 64 bits). */
export function writeScalar(dv: DataView, off: number, v: bigint): void {
  dv.setBigUint64(off, v >> 192n, false);
  dv.setBigUint64(off + 8, v >> 128n, false);
  dv.setBigUint64(off + 16, v >> 64n, false);
  dv.setBigUint64(off + 24, v, false);
}

/** The 32 big-endian bytes at `off` as a bigint (public values). */
export function readScalar(bytes: Uint8Array, off: number): bigint {
  const dv = new DataView(bytes.buffer, bytes.byteOffset + off, 32);
  return (
    (dv.getBigUint64(0, false) << 192n) |
    (dv.getBigUint64(8, false) << 128n) |
    (dv.getBigUint64(16, false) << 64n) |
    dv.getBigUint64(24, false)
  );
}

/**
 * Working buffers reused by every multiplication step (multiply.ts: aliceRespond, bobStart, bobFinish): they
 * run to the end synchronously and never re-enter, and the secret ones are wiped before they return. Fresh
 * buffers of ~100 KB per multiplication cost page faults on every signing (the allocator keeps handing back
 * memory the kernel must map again).
 */
let scratch: OleScratch | undefined;
/** See {@link oleScratch}. */
export interface OleScratch {
  pads0: Int32Array;
  pads1: Int32Array;
  gadget: Gadget;
  /** The check values v_j (32 bytes each) before they are hashed into μ. */
  checks: Uint8Array;
}
export function oleScratch(): OleScratch {
  scratch ??= {
    pads0: new Int32Array(L * PAD_WORDS_PER_ROW),
    pads1: new Int32Array(L * PAD_WORDS_PER_ROW),
    gadget: { limbs16: new Int32Array(L * SCALAR_LIMBS), limbs22: new Float64Array(L * L22) },
    checks: new Uint8Array(L * 32),
  };
  return scratch;
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
 * `checks` is a view of a reused buffer: hash it and wipe it before the next multiplication step.
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
  const checks = oleScratch().checks.subarray(0, rows * 32);
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
 * Bob's arithmetic on Alice's checked message, for rows 0..rows−1 (512 in the protocol; fewer only for
 * measurements such as `npm run ct`): `V_{j,m} = α_{j,m} + β_j·ã_{j,m}` (and `− β_j·η'` in the check term)
 * with β only as the masks `masks[j] = −β_j`, the check values `V_{j,2} + θ0·V_{j,0} + θ1·V_{j,1} mod n` as
 * 32-byte encodings, and `d_m = Σ_j g_j·V_{j,m} mod n`. `checks` is a view of a reused buffer: hash it and
 * wipe it before the next multiplication step.
 */
export function bobRows(
  masks: Int32Array,
  pads: Int32Array,
  g: Float64Array,
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

  const checks = oleScratch().checks.subarray(0, rows * 32);
  const out = new Int32Array(SCALAR_LIMBS);
  const a = new Int32Array(L22);
  const at = new Int32Array(L22);
  const v = new Float64Array(PER_ROW * L22);
  const ip0 = new InnerProduct();
  const ip1 = new InnerProduct();
  bobLoop(masks, pads, g, aliceMessage, negEta, t, rows, { a, at, v, out, checks, ip0, ip1 });
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

/** The row loop of {@link bobRows}, in a function of its own (see the top of this file). */
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
