/**
 * Constant-time products mod the group order n for the vector OLE: the inner products `Σ g_j·x_j` and the
 * per-row check values `x_2 + θ_0·x_0 + θ_1·x_1 + k mod n`, where the x are secret (OT pads, Bob's corrected
 * values) and g, θ, k public. A scalar is 12 limbs of 22 bits in a Float64Array; products are summed in
 * float64 columns, where a product of two limbs and the sum of a few dozen of them stay exact integers below
 * 2^51.
 *
 * Why floats and not BigInt: these are ~4,000 products and ~1,000 reductions per multiplication, and V8's
 * BigInt costs ~0.6 µs per conversion from bytes and ~1.6 µs per reduced row (allocations, a division); the
 * columns cost a fraction of that.
 *
 * Why this is constant time although the float field code of secp-field.ts is not: there, `Math.floor` on
 * small integers let V8 speculate on 32-bit integers, and that conversion tests a zero result with a branch.
 * Here there is no `Math.floor` and no integer speculation: a carry is taken with the exact round-to-nearest
 * trick `((y − (1/2 − 2^-24)) + 1.5·2^52) − 1.5·2^52`, limbs become integers only through `| 0` and
 * shifts, and {@link prime} runs every kernel on fractional values before the first secret arrives (the
 * multiplication calls it each time), so V8 records "any number" at every arithmetic site and compiles plain
 * float64 instructions, whose time does not depend on the (normal or zero) values. `npm run ct` measures it.
 * Secrets allowed. Tested against BigInt in test/unit/scalar-limbs.test.ts.
 */
import { ACC_LIMBS, SCALAR_LIMBS as L16, reduce as reduce16 } from './scalar16.js';
import { carry, checkRow, fold2, fold8, fold13, mulAcc } from './scalar22-kernels.gen.js';

export { carry, limbsOfBytesBE, limbsOfWordsBE, mulAcc } from './scalar22-kernels.gen.js';

/** Limbs of a scalar. */
export const LIMBS = 12;
/** Columns of a product accumulator (24 limbs and a spill). */
export const COLUMNS = 25;

/** The 22-bit limbs of a non-negative bigint below 2^264 (public values: constants, g, θ). */
export function limbsOfBigInt(x: bigint, out: Float64Array, at: number): void {
  for (let k = 0; k < LIMBS; k++) out[at + k] = Number((x >> BigInt(22 * k)) & 0x3fffffn);
}

const A16 = new Int32Array(ACC_LIMBS);
/**
 * Reduces the accumulator `c` (25 non-negative integer columns, each below 2^51, value below 2^540) mod n into
 * 16 canonical 16-bit limbs at `out[at..]` (see scalar16.ts). `c` is overwritten.
 */
export function reduceColumns(c: Float64Array, out: Int32Array, at: number): void {
  carry(c);
  fold13(c); // below 2^264 + 2^423
  fold8(c); // below 2^264 + 2^296
  fold2(c); // below 2^264 + 2^169 < 2^265
  // 22-bit limbs 0..12 → 16-bit limbs 0..16 (public bit positions; integer operations)
  for (let k = 0; k < ACC_LIMBS; k++) {
    const bit = 16 * k;
    const i = (bit / 22) | 0;
    const s = bit - 22 * i;
    const lo = ((c[i] as number) | 0) >>> s;
    const hi = ((c[i + 1] as number) | 0) << (22 - s);
    A16[k] = (lo | hi) & 0xffff;
  }
  reduce16(A16, 0, out, at);
  A16.fill(0);
}

/**
 * An inner product `Σ_j a_j·b_j mod n` over rows added one by one (limbs below 2^22; the value of each factor
 * below 2^264), carried every 8 rows so that columns stay below 2^51 (8 · 12 · 2^44 < 2^51).
 */
export class InnerProduct {
  private readonly acc = new Float64Array(COLUMNS);
  private rows = 0;

  /** Adds `a·b` for 12-limb a at `a[aAt..]` and b at `b[bAt..]`. */
  add(a: Float64Array, aAt: number, b: Float64Array, bAt: number): void {
    mulAcc(this.acc, a, aAt, b, bAt);
    if (++this.rows % 8 === 0) carry(this.acc);
  }

  /** The sum mod n as 16 canonical 16-bit limbs at `out[at..]`; the accumulator is wiped. */
  result(out: Int32Array, at: number): void {
    reduceColumns(this.acc, out, at);
    this.acc.fill(0);
    this.rows = 0;
  }
}

const ROW = new Float64Array(COLUMNS);
/**
 * `x2 + θ0·x0 + θ1·x1 + k mod n` as 16 canonical 16-bit limbs at `out[at..]`: x0, x1, x2 are 12-limb
 * values at `x[xAt..]`, `x[xAt + 12..]`, `x[xAt + 24..]`, θ0, θ1, k 12-limb public values at `t[0..]`,
 * `t[12..]`, `t[24..]` (all limbs below 2^22: columns below 24 · 2^44 + 2^23 < 2^51).
 */
export function checkValue(x: Float64Array, xAt: number, t: Float64Array, out: Int32Array, at: number): void {
  checkRow(ROW, x, xAt, t);
  reduceColumns(ROW, out, at);
}

/**
 * Runs every kernel of this file on fractional values (not limbs: their results are meaningless and
 * discarded), so that V8's type feedback at each arithmetic site says "any number" before a secret arrives
 * and no site is compiled with integer speculation (see the module note). Cheap; called by every
 * multiplication before it touches secret data.
 */
export function prime(): void {
  const f = new Float64Array(3 * LIMBS).fill(0.5);
  const o = new Int32Array(L16);
  const ip = new InnerProduct();
  for (let r = 0; r < 8; r++) ip.add(f, 0, f, 0); // 8 rows: the periodic carry runs too
  ip.result(o, 0);
  checkValue(f, 0, f, o, 0);
  const c = new Float64Array(COLUMNS).fill(0.25);
  carry(c);
  fold13(c);
  fold8(c);
  fold2(c);
  mulAcc(c, f, 0, f, 0);
}
