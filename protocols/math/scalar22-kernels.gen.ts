// generated — do not edit: `npm run gen` writes this file from gen-scalar22-kernels.ts.
/** Unrolled kernels of scalar22.ts (constant time: float64 additions and multiplications only). */

const RADIX = 4194304; // 2^22
const INV = 1 / RADIX;
/** Adding then subtracting 1.5·2^52 rounds a float below 2^51 in magnitude to the nearest integer. */
const ROUND = 6755399441055744;
/** y − (1/2 − 2^-24) rounds to ⌊y⌋ when y ≥ 0 has at most 22 fractional bits and is below 2^29. */
const FLOOR_BIAS = 0.5 - 2 ** -24;

/** Writes the 8 big-endian 32-bit words at `words[off..]` (a SHA-256 digest) as 12 limbs at `out[at..]`. */
export function limbsOfWordsBE(words: Int32Array, off: number, out: Int32Array, at: number): void {
  const w0 = words[off + 7] as number,
    w1 = words[off + 6] as number,
    w2 = words[off + 5] as number,
    w3 = words[off + 4] as number,
    w4 = words[off + 3] as number,
    w5 = words[off + 2] as number,
    w6 = words[off + 1] as number,
    w7 = words[off + 0] as number;
  out[at + 0] = (w0) & 0x3fffff;
  out[at + 1] = ((w0 >>> 22) | (w1 << 10)) & 0x3fffff;
  out[at + 2] = ((w1 >>> 12) | (w2 << 20)) & 0x3fffff;
  out[at + 3] = ((w2 >>> 2)) & 0x3fffff;
  out[at + 4] = ((w2 >>> 24) | (w3 << 8)) & 0x3fffff;
  out[at + 5] = ((w3 >>> 14) | (w4 << 18)) & 0x3fffff;
  out[at + 6] = ((w4 >>> 4)) & 0x3fffff;
  out[at + 7] = ((w4 >>> 26) | (w5 << 6)) & 0x3fffff;
  out[at + 8] = ((w5 >>> 16) | (w6 << 16)) & 0x3fffff;
  out[at + 9] = ((w6 >>> 6)) & 0x3fffff;
  out[at + 10] = ((w6 >>> 28) | (w7 << 4)) & 0x3fffff;
  out[at + 11] = ((w7 >>> 18)) & 0x3fffff;
}

/** Writes the 32 big-endian bytes at `bytes[off..]` as 12 limbs at `out[at..]`. */
export function limbsOfBytesBE(bytes: Uint8Array, off: number, out: Int32Array, at: number): void {
  const w0 = ((bytes[off + 28] as number) << 24) | ((bytes[off + 29] as number) << 16) | ((bytes[off + 30] as number) << 8) | (bytes[off + 31] as number),
    w1 = ((bytes[off + 24] as number) << 24) | ((bytes[off + 25] as number) << 16) | ((bytes[off + 26] as number) << 8) | (bytes[off + 27] as number),
    w2 = ((bytes[off + 20] as number) << 24) | ((bytes[off + 21] as number) << 16) | ((bytes[off + 22] as number) << 8) | (bytes[off + 23] as number),
    w3 = ((bytes[off + 16] as number) << 24) | ((bytes[off + 17] as number) << 16) | ((bytes[off + 18] as number) << 8) | (bytes[off + 19] as number),
    w4 = ((bytes[off + 12] as number) << 24) | ((bytes[off + 13] as number) << 16) | ((bytes[off + 14] as number) << 8) | (bytes[off + 15] as number),
    w5 = ((bytes[off + 8] as number) << 24) | ((bytes[off + 9] as number) << 16) | ((bytes[off + 10] as number) << 8) | (bytes[off + 11] as number),
    w6 = ((bytes[off + 4] as number) << 24) | ((bytes[off + 5] as number) << 16) | ((bytes[off + 6] as number) << 8) | (bytes[off + 7] as number),
    w7 = ((bytes[off + 0] as number) << 24) | ((bytes[off + 1] as number) << 16) | ((bytes[off + 2] as number) << 8) | (bytes[off + 3] as number);
  out[at + 0] = (w0) & 0x3fffff;
  out[at + 1] = ((w0 >>> 22) | (w1 << 10)) & 0x3fffff;
  out[at + 2] = ((w1 >>> 12) | (w2 << 20)) & 0x3fffff;
  out[at + 3] = ((w2 >>> 2)) & 0x3fffff;
  out[at + 4] = ((w2 >>> 24) | (w3 << 8)) & 0x3fffff;
  out[at + 5] = ((w3 >>> 14) | (w4 << 18)) & 0x3fffff;
  out[at + 6] = ((w4 >>> 4)) & 0x3fffff;
  out[at + 7] = ((w4 >>> 26) | (w5 << 6)) & 0x3fffff;
  out[at + 8] = ((w5 >>> 16) | (w6 << 16)) & 0x3fffff;
  out[at + 9] = ((w6 >>> 6)) & 0x3fffff;
  out[at + 10] = ((w6 >>> 28) | (w7 << 4)) & 0x3fffff;
  out[at + 11] = ((w7 >>> 18)) & 0x3fffff;
}

/** `acc[0..23) += a·b` for 12-limb a at `a[aAt..]` and b at `b[bAt..]` (limbs below 2^22). */
export function mulAcc(acc: Float64Array, a: Float64Array, aAt: number, b: Float64Array, bAt: number): void {
  const a0 = a[aAt + 0] as number,
    a1 = a[aAt + 1] as number,
    a2 = a[aAt + 2] as number,
    a3 = a[aAt + 3] as number,
    a4 = a[aAt + 4] as number,
    a5 = a[aAt + 5] as number,
    a6 = a[aAt + 6] as number,
    a7 = a[aAt + 7] as number,
    a8 = a[aAt + 8] as number,
    a9 = a[aAt + 9] as number,
    a10 = a[aAt + 10] as number,
    a11 = a[aAt + 11] as number;
  const b0 = b[bAt + 0] as number,
    b1 = b[bAt + 1] as number,
    b2 = b[bAt + 2] as number,
    b3 = b[bAt + 3] as number,
    b4 = b[bAt + 4] as number,
    b5 = b[bAt + 5] as number,
    b6 = b[bAt + 6] as number,
    b7 = b[bAt + 7] as number,
    b8 = b[bAt + 8] as number,
    b9 = b[bAt + 9] as number,
    b10 = b[bAt + 10] as number,
    b11 = b[bAt + 11] as number;
  acc[0] = (acc[0] as number) + a0 * b0;
  acc[1] = (acc[1] as number) + a0 * b1 + a1 * b0;
  acc[2] = (acc[2] as number) + a0 * b2 + a1 * b1 + a2 * b0;
  acc[3] = (acc[3] as number) + a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
  acc[4] = (acc[4] as number) + a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0;
  acc[5] = (acc[5] as number) + a0 * b5 + a1 * b4 + a2 * b3 + a3 * b2 + a4 * b1 + a5 * b0;
  acc[6] = (acc[6] as number) + a0 * b6 + a1 * b5 + a2 * b4 + a3 * b3 + a4 * b2 + a5 * b1 + a6 * b0;
  acc[7] = (acc[7] as number) + a0 * b7 + a1 * b6 + a2 * b5 + a3 * b4 + a4 * b3 + a5 * b2 + a6 * b1 + a7 * b0;
  acc[8] = (acc[8] as number) + a0 * b8 + a1 * b7 + a2 * b6 + a3 * b5 + a4 * b4 + a5 * b3 + a6 * b2 + a7 * b1 + a8 * b0;
  acc[9] = (acc[9] as number) + a0 * b9 + a1 * b8 + a2 * b7 + a3 * b6 + a4 * b5 + a5 * b4 + a6 * b3 + a7 * b2 + a8 * b1 + a9 * b0;
  acc[10] = (acc[10] as number) + a0 * b10 + a1 * b9 + a2 * b8 + a3 * b7 + a4 * b6 + a5 * b5 + a6 * b4 + a7 * b3 + a8 * b2 + a9 * b1 + a10 * b0;
  acc[11] = (acc[11] as number) + a0 * b11 + a1 * b10 + a2 * b9 + a3 * b8 + a4 * b7 + a5 * b6 + a6 * b5 + a7 * b4 + a8 * b3 + a9 * b2 + a10 * b1 + a11 * b0;
  acc[12] = (acc[12] as number) + a1 * b11 + a2 * b10 + a3 * b9 + a4 * b8 + a5 * b7 + a6 * b6 + a7 * b5 + a8 * b4 + a9 * b3 + a10 * b2 + a11 * b1;
  acc[13] = (acc[13] as number) + a2 * b11 + a3 * b10 + a4 * b9 + a5 * b8 + a6 * b7 + a7 * b6 + a8 * b5 + a9 * b4 + a10 * b3 + a11 * b2;
  acc[14] = (acc[14] as number) + a3 * b11 + a4 * b10 + a5 * b9 + a6 * b8 + a7 * b7 + a8 * b6 + a9 * b5 + a10 * b4 + a11 * b3;
  acc[15] = (acc[15] as number) + a4 * b11 + a5 * b10 + a6 * b9 + a7 * b8 + a8 * b7 + a9 * b6 + a10 * b5 + a11 * b4;
  acc[16] = (acc[16] as number) + a5 * b11 + a6 * b10 + a7 * b9 + a8 * b8 + a9 * b7 + a10 * b6 + a11 * b5;
  acc[17] = (acc[17] as number) + a6 * b11 + a7 * b10 + a8 * b9 + a9 * b8 + a10 * b7 + a11 * b6;
  acc[18] = (acc[18] as number) + a7 * b11 + a8 * b10 + a9 * b9 + a10 * b8 + a11 * b7;
  acc[19] = (acc[19] as number) + a8 * b11 + a9 * b10 + a10 * b9 + a11 * b8;
  acc[20] = (acc[20] as number) + a9 * b11 + a10 * b10 + a11 * b9;
  acc[21] = (acc[21] as number) + a10 * b11 + a11 * b10;
  acc[22] = (acc[22] as number) + a11 * b11;
}

/**
 * `out[0..25) = x2 + θ0·x0 + θ1·x1 + k` (columns, not carried): x0, x1, x2 at `x[xAt..]`, `x[xAt + 12..]`,
 * `x[xAt + 24..]`; θ0, θ1, k at `t[0..]`, `t[12..]`, `t[24..]` (limbs below 2^22).
 */
export function checkRow(out: Float64Array, x: Float64Array, xAt: number, t: Float64Array): void {
  const x0 = x[xAt + 0] as number,
    x1 = x[xAt + 1] as number,
    x2 = x[xAt + 2] as number,
    x3 = x[xAt + 3] as number,
    x4 = x[xAt + 4] as number,
    x5 = x[xAt + 5] as number,
    x6 = x[xAt + 6] as number,
    x7 = x[xAt + 7] as number,
    x8 = x[xAt + 8] as number,
    x9 = x[xAt + 9] as number,
    x10 = x[xAt + 10] as number,
    x11 = x[xAt + 11] as number;
  const y0 = x[xAt + 12 + 0] as number,
    y1 = x[xAt + 12 + 1] as number,
    y2 = x[xAt + 12 + 2] as number,
    y3 = x[xAt + 12 + 3] as number,
    y4 = x[xAt + 12 + 4] as number,
    y5 = x[xAt + 12 + 5] as number,
    y6 = x[xAt + 12 + 6] as number,
    y7 = x[xAt + 12 + 7] as number,
    y8 = x[xAt + 12 + 8] as number,
    y9 = x[xAt + 12 + 9] as number,
    y10 = x[xAt + 12 + 10] as number,
    y11 = x[xAt + 12 + 11] as number;
  const p0 = t[0 + 0] as number,
    p1 = t[0 + 1] as number,
    p2 = t[0 + 2] as number,
    p3 = t[0 + 3] as number,
    p4 = t[0 + 4] as number,
    p5 = t[0 + 5] as number,
    p6 = t[0 + 6] as number,
    p7 = t[0 + 7] as number,
    p8 = t[0 + 8] as number,
    p9 = t[0 + 9] as number,
    p10 = t[0 + 10] as number,
    p11 = t[0 + 11] as number;
  const q0 = t[12 + 0] as number,
    q1 = t[12 + 1] as number,
    q2 = t[12 + 2] as number,
    q3 = t[12 + 3] as number,
    q4 = t[12 + 4] as number,
    q5 = t[12 + 5] as number,
    q6 = t[12 + 6] as number,
    q7 = t[12 + 7] as number,
    q8 = t[12 + 8] as number,
    q9 = t[12 + 9] as number,
    q10 = t[12 + 10] as number,
    q11 = t[12 + 11] as number;
  out[0] = x0 * p0 + y0 * q0 + (x[xAt + 24] as number) + (t[24] as number);
  out[1] = x0 * p1 + x1 * p0 + y0 * q1 + y1 * q0 + (x[xAt + 25] as number) + (t[25] as number);
  out[2] = x0 * p2 + x1 * p1 + x2 * p0 + y0 * q2 + y1 * q1 + y2 * q0 + (x[xAt + 26] as number) + (t[26] as number);
  out[3] = x0 * p3 + x1 * p2 + x2 * p1 + x3 * p0 + y0 * q3 + y1 * q2 + y2 * q1 + y3 * q0 + (x[xAt + 27] as number) + (t[27] as number);
  out[4] = x0 * p4 + x1 * p3 + x2 * p2 + x3 * p1 + x4 * p0 + y0 * q4 + y1 * q3 + y2 * q2 + y3 * q1 + y4 * q0 + (x[xAt + 28] as number) + (t[28] as number);
  out[5] = x0 * p5 + x1 * p4 + x2 * p3 + x3 * p2 + x4 * p1 + x5 * p0 + y0 * q5 + y1 * q4 + y2 * q3 + y3 * q2 + y4 * q1 + y5 * q0 + (x[xAt + 29] as number) + (t[29] as number);
  out[6] = x0 * p6 + x1 * p5 + x2 * p4 + x3 * p3 + x4 * p2 + x5 * p1 + x6 * p0 + y0 * q6 + y1 * q5 + y2 * q4 + y3 * q3 + y4 * q2 + y5 * q1 + y6 * q0 + (x[xAt + 30] as number) + (t[30] as number);
  out[7] = x0 * p7 + x1 * p6 + x2 * p5 + x3 * p4 + x4 * p3 + x5 * p2 + x6 * p1 + x7 * p0 + y0 * q7 + y1 * q6 + y2 * q5 + y3 * q4 + y4 * q3 + y5 * q2 + y6 * q1 + y7 * q0 + (x[xAt + 31] as number) + (t[31] as number);
  out[8] = x0 * p8 + x1 * p7 + x2 * p6 + x3 * p5 + x4 * p4 + x5 * p3 + x6 * p2 + x7 * p1 + x8 * p0 + y0 * q8 + y1 * q7 + y2 * q6 + y3 * q5 + y4 * q4 + y5 * q3 + y6 * q2 + y7 * q1 + y8 * q0 + (x[xAt + 32] as number) + (t[32] as number);
  out[9] = x0 * p9 + x1 * p8 + x2 * p7 + x3 * p6 + x4 * p5 + x5 * p4 + x6 * p3 + x7 * p2 + x8 * p1 + x9 * p0 + y0 * q9 + y1 * q8 + y2 * q7 + y3 * q6 + y4 * q5 + y5 * q4 + y6 * q3 + y7 * q2 + y8 * q1 + y9 * q0 + (x[xAt + 33] as number) + (t[33] as number);
  out[10] = x0 * p10 + x1 * p9 + x2 * p8 + x3 * p7 + x4 * p6 + x5 * p5 + x6 * p4 + x7 * p3 + x8 * p2 + x9 * p1 + x10 * p0 + y0 * q10 + y1 * q9 + y2 * q8 + y3 * q7 + y4 * q6 + y5 * q5 + y6 * q4 + y7 * q3 + y8 * q2 + y9 * q1 + y10 * q0 + (x[xAt + 34] as number) + (t[34] as number);
  out[11] = x0 * p11 + x1 * p10 + x2 * p9 + x3 * p8 + x4 * p7 + x5 * p6 + x6 * p5 + x7 * p4 + x8 * p3 + x9 * p2 + x10 * p1 + x11 * p0 + y0 * q11 + y1 * q10 + y2 * q9 + y3 * q8 + y4 * q7 + y5 * q6 + y6 * q5 + y7 * q4 + y8 * q3 + y9 * q2 + y10 * q1 + y11 * q0 + (x[xAt + 35] as number) + (t[35] as number);
  out[12] = x1 * p11 + x2 * p10 + x3 * p9 + x4 * p8 + x5 * p7 + x6 * p6 + x7 * p5 + x8 * p4 + x9 * p3 + x10 * p2 + x11 * p1 + y1 * q11 + y2 * q10 + y3 * q9 + y4 * q8 + y5 * q7 + y6 * q6 + y7 * q5 + y8 * q4 + y9 * q3 + y10 * q2 + y11 * q1;
  out[13] = x2 * p11 + x3 * p10 + x4 * p9 + x5 * p8 + x6 * p7 + x7 * p6 + x8 * p5 + x9 * p4 + x10 * p3 + x11 * p2 + y2 * q11 + y3 * q10 + y4 * q9 + y5 * q8 + y6 * q7 + y7 * q6 + y8 * q5 + y9 * q4 + y10 * q3 + y11 * q2;
  out[14] = x3 * p11 + x4 * p10 + x5 * p9 + x6 * p8 + x7 * p7 + x8 * p6 + x9 * p5 + x10 * p4 + x11 * p3 + y3 * q11 + y4 * q10 + y5 * q9 + y6 * q8 + y7 * q7 + y8 * q6 + y9 * q5 + y10 * q4 + y11 * q3;
  out[15] = x4 * p11 + x5 * p10 + x6 * p9 + x7 * p8 + x8 * p7 + x9 * p6 + x10 * p5 + x11 * p4 + y4 * q11 + y5 * q10 + y6 * q9 + y7 * q8 + y8 * q7 + y9 * q6 + y10 * q5 + y11 * q4;
  out[16] = x5 * p11 + x6 * p10 + x7 * p9 + x8 * p8 + x9 * p7 + x10 * p6 + x11 * p5 + y5 * q11 + y6 * q10 + y7 * q9 + y8 * q8 + y9 * q7 + y10 * q6 + y11 * q5;
  out[17] = x6 * p11 + x7 * p10 + x8 * p9 + x9 * p8 + x10 * p7 + x11 * p6 + y6 * q11 + y7 * q10 + y8 * q9 + y9 * q8 + y10 * q7 + y11 * q6;
  out[18] = x7 * p11 + x8 * p10 + x9 * p9 + x10 * p8 + x11 * p7 + y7 * q11 + y8 * q10 + y9 * q9 + y10 * q8 + y11 * q7;
  out[19] = x8 * p11 + x9 * p10 + x10 * p9 + x11 * p8 + y8 * q11 + y9 * q10 + y10 * q9 + y11 * q8;
  out[20] = x9 * p11 + x10 * p10 + x11 * p9 + y9 * q11 + y10 * q10 + y11 * q9;
  out[21] = x10 * p11 + x11 * p10 + y10 * q11 + y11 * q10;
  out[22] = x11 * p11 + y11 * q11;
  out[23] = 0;
  out[24] = 0;
}

/**
 * Carries columns 0..24 of `c` into 22-bit limbs, the last keeping the rest (columns above are
 * untouched). Every column (with the carry it receives) must be a non-negative integer below 2^51: then
 * `y − FLOOR_BIAS` rounds to ⌊y⌋ exactly.
 */
export function carry(c: Float64Array): void {
  let x = c[0] as number;
  let y = 0;
  let q = 0;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[0] = (y - q) * RADIX;
  x = (c[1] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[1] = (y - q) * RADIX;
  x = (c[2] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[2] = (y - q) * RADIX;
  x = (c[3] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[3] = (y - q) * RADIX;
  x = (c[4] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[4] = (y - q) * RADIX;
  x = (c[5] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[5] = (y - q) * RADIX;
  x = (c[6] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[6] = (y - q) * RADIX;
  x = (c[7] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[7] = (y - q) * RADIX;
  x = (c[8] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[8] = (y - q) * RADIX;
  x = (c[9] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[9] = (y - q) * RADIX;
  x = (c[10] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[10] = (y - q) * RADIX;
  x = (c[11] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[11] = (y - q) * RADIX;
  x = (c[12] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[12] = (y - q) * RADIX;
  x = (c[13] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[13] = (y - q) * RADIX;
  x = (c[14] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[14] = (y - q) * RADIX;
  x = (c[15] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[15] = (y - q) * RADIX;
  x = (c[16] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[16] = (y - q) * RADIX;
  x = (c[17] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[17] = (y - q) * RADIX;
  x = (c[18] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[18] = (y - q) * RADIX;
  x = (c[19] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[19] = (y - q) * RADIX;
  x = (c[20] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[20] = (y - q) * RADIX;
  x = (c[21] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[21] = (y - q) * RADIX;
  x = (c[22] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[22] = (y - q) * RADIX;
  x = (c[23] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[23] = (y - q) * RADIX;
  x = (c[24] as number) + q;
  c[24] = x;
}

/**
 * Carries columns 0..19 of `c` into 22-bit limbs, the last keeping the rest (columns above are
 * untouched). Every column (with the carry it receives) must be a non-negative integer below 2^51: then
 * `y − FLOOR_BIAS` rounds to ⌊y⌋ exactly.
 */
export function carry20(c: Float64Array): void {
  let x = c[0] as number;
  let y = 0;
  let q = 0;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[0] = (y - q) * RADIX;
  x = (c[1] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[1] = (y - q) * RADIX;
  x = (c[2] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[2] = (y - q) * RADIX;
  x = (c[3] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[3] = (y - q) * RADIX;
  x = (c[4] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[4] = (y - q) * RADIX;
  x = (c[5] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[5] = (y - q) * RADIX;
  x = (c[6] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[6] = (y - q) * RADIX;
  x = (c[7] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[7] = (y - q) * RADIX;
  x = (c[8] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[8] = (y - q) * RADIX;
  x = (c[9] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[9] = (y - q) * RADIX;
  x = (c[10] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[10] = (y - q) * RADIX;
  x = (c[11] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[11] = (y - q) * RADIX;
  x = (c[12] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[12] = (y - q) * RADIX;
  x = (c[13] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[13] = (y - q) * RADIX;
  x = (c[14] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[14] = (y - q) * RADIX;
  x = (c[15] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[15] = (y - q) * RADIX;
  x = (c[16] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[16] = (y - q) * RADIX;
  x = (c[17] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[17] = (y - q) * RADIX;
  x = (c[18] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[18] = (y - q) * RADIX;
  x = (c[19] as number) + q;
  c[19] = x;
}

/**
 * Carries columns 0..14 of `c` into 22-bit limbs, the last keeping the rest (columns above are
 * untouched). Every column (with the carry it receives) must be a non-negative integer below 2^51: then
 * `y − FLOOR_BIAS` rounds to ⌊y⌋ exactly.
 */
export function carry15(c: Float64Array): void {
  let x = c[0] as number;
  let y = 0;
  let q = 0;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[0] = (y - q) * RADIX;
  x = (c[1] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[1] = (y - q) * RADIX;
  x = (c[2] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[2] = (y - q) * RADIX;
  x = (c[3] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[3] = (y - q) * RADIX;
  x = (c[4] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[4] = (y - q) * RADIX;
  x = (c[5] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[5] = (y - q) * RADIX;
  x = (c[6] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[6] = (y - q) * RADIX;
  x = (c[7] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[7] = (y - q) * RADIX;
  x = (c[8] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[8] = (y - q) * RADIX;
  x = (c[9] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[9] = (y - q) * RADIX;
  x = (c[10] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[10] = (y - q) * RADIX;
  x = (c[11] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[11] = (y - q) * RADIX;
  x = (c[12] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[12] = (y - q) * RADIX;
  x = (c[13] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[13] = (y - q) * RADIX;
  x = (c[14] as number) + q;
  c[14] = x;
}

/**
 * Carries columns 0..12 of `c` into 22-bit limbs, the last keeping the rest (columns above are
 * untouched). Every column (with the carry it receives) must be a non-negative integer below 2^51: then
 * `y − FLOOR_BIAS` rounds to ⌊y⌋ exactly.
 */
export function carry13(c: Float64Array): void {
  let x = c[0] as number;
  let y = 0;
  let q = 0;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[0] = (y - q) * RADIX;
  x = (c[1] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[1] = (y - q) * RADIX;
  x = (c[2] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[2] = (y - q) * RADIX;
  x = (c[3] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[3] = (y - q) * RADIX;
  x = (c[4] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[4] = (y - q) * RADIX;
  x = (c[5] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[5] = (y - q) * RADIX;
  x = (c[6] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[6] = (y - q) * RADIX;
  x = (c[7] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[7] = (y - q) * RADIX;
  x = (c[8] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[8] = (y - q) * RADIX;
  x = (c[9] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[9] = (y - q) * RADIX;
  x = (c[10] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[10] = (y - q) * RADIX;
  x = (c[11] as number) + q;
  y = x * INV;
  q = y - FLOOR_BIAS + ROUND - ROUND;
  c[11] = (y - q) * RADIX;
  x = (c[12] as number) + q;
  c[12] = x;
}

/**
 * The first fold of a carried value below 2^550: the limbs 12..24 times 2^264 mod n (below 2^137), added to the low 12 limbs, the
 * limbs above cleared, columns 0..19 carried (column 19 takes the rest).
 */
export function fold13(c: Float64Array): void {
  const h0 = c[12 + 0] as number,
    h1 = c[12 + 1] as number,
    h2 = c[12 + 2] as number,
    h3 = c[12 + 3] as number,
    h4 = c[12 + 4] as number,
    h5 = c[12 + 5] as number,
    h6 = c[12 + 6] as number,
    h7 = c[12 + 7] as number,
    h8 = c[12 + 8] as number,
    h9 = c[12 + 9] as number,
    h10 = c[12 + 10] as number,
    h11 = c[12 + 11] as number,
    h12 = c[12 + 12] as number;
  c[0] = (c[0] as number) + h0 * 4112128;
  c[1] = (c[1] as number) + h0 * 835366 + h1 * 4112128;
  c[2] = (c[2] as number) + h0 * 186903 + h1 * 835366 + h2 * 4112128;
  c[3] = (c[3] as number) + h0 * 1569040 + h1 * 186903 + h2 * 835366 + h3 * 4112128;
  c[4] = (c[4] as number) + h0 * 1659063 + h1 * 1569040 + h2 * 186903 + h3 * 835366 + h4 * 4112128;
  c[5] = (c[5] as number) + h0 * 1393804 + h1 * 1659063 + h2 * 1569040 + h3 * 186903 + h4 * 835366 + h5 * 4112128;
  c[6] = (c[6] as number) + h0 * 20 + h1 * 1393804 + h2 * 1659063 + h3 * 1569040 + h4 * 186903 + h5 * 835366 + h6 * 4112128;
  c[7] = (c[7] as number) + h1 * 20 + h2 * 1393804 + h3 * 1659063 + h4 * 1569040 + h5 * 186903 + h6 * 835366 + h7 * 4112128;
  c[8] = (c[8] as number) + h2 * 20 + h3 * 1393804 + h4 * 1659063 + h5 * 1569040 + h6 * 186903 + h7 * 835366 + h8 * 4112128;
  c[9] = (c[9] as number) + h3 * 20 + h4 * 1393804 + h5 * 1659063 + h6 * 1569040 + h7 * 186903 + h8 * 835366 + h9 * 4112128;
  c[10] = (c[10] as number) + h4 * 20 + h5 * 1393804 + h6 * 1659063 + h7 * 1569040 + h8 * 186903 + h9 * 835366 + h10 * 4112128;
  c[11] = (c[11] as number) + h5 * 20 + h6 * 1393804 + h7 * 1659063 + h8 * 1569040 + h9 * 186903 + h10 * 835366 + h11 * 4112128;
  c[12] = 0 + h6 * 20 + h7 * 1393804 + h8 * 1659063 + h9 * 1569040 + h10 * 186903 + h11 * 835366 + h12 * 4112128;
  c[13] = 0 + h7 * 20 + h8 * 1393804 + h9 * 1659063 + h10 * 1569040 + h11 * 186903 + h12 * 835366;
  c[14] = 0 + h8 * 20 + h9 * 1393804 + h10 * 1659063 + h11 * 1569040 + h12 * 186903;
  c[15] = 0 + h9 * 20 + h10 * 1393804 + h11 * 1659063 + h12 * 1569040;
  c[16] = 0 + h10 * 20 + h11 * 1393804 + h12 * 1659063;
  c[17] = 0 + h11 * 20 + h12 * 1393804;
  c[18] = 0 + h12 * 20;
  c[19] = 0;
  c[20] = 0;
  c[21] = 0;
  c[22] = 0;
  c[23] = 0;
  c[24] = 0;
  carry20(c);
}

/**
 * The second fold, of a value below 2^264 + 2^423: the limbs 12..19 times 2^264 mod n (below 2^137), added to the low 12 limbs, the
 * limbs above cleared, columns 0..14 carried (column 14 takes the rest).
 */
export function fold8(c: Float64Array): void {
  const h0 = c[12 + 0] as number,
    h1 = c[12 + 1] as number,
    h2 = c[12 + 2] as number,
    h3 = c[12 + 3] as number,
    h4 = c[12 + 4] as number,
    h5 = c[12 + 5] as number,
    h6 = c[12 + 6] as number,
    h7 = c[12 + 7] as number;
  c[0] = (c[0] as number) + h0 * 4112128;
  c[1] = (c[1] as number) + h0 * 835366 + h1 * 4112128;
  c[2] = (c[2] as number) + h0 * 186903 + h1 * 835366 + h2 * 4112128;
  c[3] = (c[3] as number) + h0 * 1569040 + h1 * 186903 + h2 * 835366 + h3 * 4112128;
  c[4] = (c[4] as number) + h0 * 1659063 + h1 * 1569040 + h2 * 186903 + h3 * 835366 + h4 * 4112128;
  c[5] = (c[5] as number) + h0 * 1393804 + h1 * 1659063 + h2 * 1569040 + h3 * 186903 + h4 * 835366 + h5 * 4112128;
  c[6] = (c[6] as number) + h0 * 20 + h1 * 1393804 + h2 * 1659063 + h3 * 1569040 + h4 * 186903 + h5 * 835366 + h6 * 4112128;
  c[7] = (c[7] as number) + h1 * 20 + h2 * 1393804 + h3 * 1659063 + h4 * 1569040 + h5 * 186903 + h6 * 835366 + h7 * 4112128;
  c[8] = (c[8] as number) + h2 * 20 + h3 * 1393804 + h4 * 1659063 + h5 * 1569040 + h6 * 186903 + h7 * 835366;
  c[9] = (c[9] as number) + h3 * 20 + h4 * 1393804 + h5 * 1659063 + h6 * 1569040 + h7 * 186903;
  c[10] = (c[10] as number) + h4 * 20 + h5 * 1393804 + h6 * 1659063 + h7 * 1569040;
  c[11] = (c[11] as number) + h5 * 20 + h6 * 1393804 + h7 * 1659063;
  c[12] = 0 + h6 * 20 + h7 * 1393804;
  c[13] = 0 + h7 * 20;
  c[14] = 0;
  c[15] = 0;
  c[16] = 0;
  c[17] = 0;
  c[18] = 0;
  c[19] = 0;
  carry15(c);
}

/**
 * The third fold, of a value below 2^264 + 2^296: the limbs 12..13 times 2^264 mod n (below 2^137), added to the low 12 limbs, the
 * limbs above cleared, columns 0..12 carried (column 12 takes the rest).
 */
export function fold2(c: Float64Array): void {
  const h0 = c[12 + 0] as number,
    h1 = c[12 + 1] as number;
  c[0] = (c[0] as number) + h0 * 4112128;
  c[1] = (c[1] as number) + h0 * 835366 + h1 * 4112128;
  c[2] = (c[2] as number) + h0 * 186903 + h1 * 835366;
  c[3] = (c[3] as number) + h0 * 1569040 + h1 * 186903;
  c[4] = (c[4] as number) + h0 * 1659063 + h1 * 1569040;
  c[5] = (c[5] as number) + h0 * 1393804 + h1 * 1659063;
  c[6] = (c[6] as number) + h0 * 20 + h1 * 1393804;
  c[7] = (c[7] as number) + h1 * 20;
  c[8] = (c[8] as number);
  c[9] = (c[9] as number);
  c[10] = (c[10] as number);
  c[11] = (c[11] as number);
  c[12] = 0;
  c[13] = 0;
  carry13(c);
}
