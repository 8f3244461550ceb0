/**
 * The constant-time scalar arithmetic of the vector OLE (protocols/math/scalar16.ts and scalar22.ts) against
 * BigInt: conversions, reductions mod n at the edges (0, n − 1, n, 2^256 − 1 and the largest accumulators the
 * engine can produce), masked sums, inner products and check values.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToBigInt } from '../../protocols/common/bytes.js';
import { CURVE_ORDER } from '../../protocols/common/curve.js';
import * as S from '../../protocols/math/scalar16.js';
import * as W from '../../protocols/math/scalar22.js';
import { seededRng } from '../helpers/rng.js';

const n = CURVE_ORDER;
const rng = seededRng('scalar-limbs');
const rand256 = () => bytesToBigInt(rng(32));
const EDGE = [0n, 1n, 2n, n - 1n, n, n + 1n, (1n << 256n) - 1n, 1n << 255n, (1n << 128n) + 1n, (1n << 128n) - 1n];
const bytes32 = (x: bigint) => {
  const b = new Uint8Array(32);
  for (let i = 0; i < 32; i++) b[31 - i] = Number((x >> BigInt(8 * i)) & 0xffn);
  return b;
};
const words8 = (x: bigint) =>
  Int32Array.from({ length: 8 }, (_, w) => Number((x >> BigInt(32 * (7 - w))) & 0xffffffffn));
const val16 = (l: Int32Array, at = 0, count = 16) =>
  [...l.subarray(at, at + count)].reduceRight((acc, v) => acc * 65536n + BigInt(v), 0n);
const val22 = (l: ArrayLike<number>) => Array.from(l).reduceRight((acc, v) => acc * 4194304n + BigInt(v), 0n);

test('16-bit limbs: conversions from words, bytes and bigints, and back to bytes and bigints', () => {
  for (const x of [...EDGE, ...Array.from({ length: 50 }, rand256)]) {
    const v = x & ((1n << 256n) - 1n);
    const a = new Int32Array(17);
    S.limbsOfWordsBE(words8(v), 0, a, 0);
    assert.is(val16(a), v);
    const b = new Int32Array(17);
    S.limbsOfBytesBE(bytes32(v), 0, b, 0);
    assert.equal([...b], [...a]);
    const c = new Int32Array(17);
    S.limbsOfScalar(v, c, 0);
    assert.equal([...c], [...a]);
    const out = new Uint8Array(32);
    S.bytesOfLimbs(a, 0, out, 0);
    assert.is(bytesToBigInt(out), v);
    assert.is(S.bigIntOfLimbs(a, 0), v);
  }
});

test('16-bit reduce: any accumulator below 2^270, signed limbs included, reduces to the canonical value mod n', () => {
  const cases: bigint[] = [...EDGE, (1n << 270n) - 1n, 3n * n, 2n * n - 1n, 2n * n, (1n << 259n) + 5n];
  for (let i = 0; i < 300; i++) cases.push(bytesToBigInt(rng(34)) >> BigInt(2 + (rng(1)[0]! % 8)));
  for (const x of cases) {
    const acc = new Int32Array(17);
    for (let k = 0; k < 16; k++) acc[k] = Number((x >> BigInt(16 * k)) & 0xffffn);
    acc[16] = Number(x >> 256n);
    // move value between limbs (negative and oversized limbs, the same total) as the multiplication does
    const k = rng(1)[0]! % 15;
    acc[k] = (acc[k] as number) - 65536 * 3;
    acc[k + 1] = (acc[k + 1] as number) + 3;
    const out = new Int32Array(16);
    S.reduce(acc, 0, out, 0);
    assert.is(val16(out), x % n, `x = 0x${x.toString(16)}`);
    assert.ok(out.every((l) => l >= 0 && l < 65536));
  }
});

test('22-bit limbs: conversions from words and bytes', () => {
  for (const x of [...EDGE, ...Array.from({ length: 50 }, rand256)]) {
    const v = x & ((1n << 256n) - 1n);
    const a = new Int32Array(12);
    W.limbsOfWordsBE(words8(v), 0, a, 0);
    assert.is(val22(a), v);
    const b = new Int32Array(12);
    W.limbsOfBytesBE(bytes32(v), 0, b, 0);
    assert.equal([...b], [...a]);
    const f = new Float64Array(12);
    W.limbsOfBigInt(v, f, 0);
    assert.equal([...f], [...a]);
  }
});

/** Random limbs below 2^22, or all at the maximum. */
function limbs22(max: boolean): Float64Array {
  return Float64Array.from({ length: 12 }, () => (max ? 4194303 : Number(bytesToBigInt(rng(3)) % 4194304n)));
}

test('inner products of 512 rows equal BigInt, also with every limb at its maximum (2^22 − 1)', () => {
  W.prime();
  for (const max of [false, true]) {
    const ip = new W.InnerProduct();
    let want = 0n;
    for (let j = 0; j < 512; j++) {
      const a = limbs22(max);
      const b = limbs22(max);
      ip.add(a, 0, b, 0);
      want += val22(a) * val22(b);
    }
    const out = new Int32Array(16);
    ip.result(out, 0);
    assert.is(val16(out), want % n, max ? 'maximal limbs' : 'random limbs');
  }
});

test('check values x2 + θ0·x0 + θ1·x1 + k mod n equal BigInt, edge values and maximal limbs included', () => {
  W.prime();
  const out = new Int32Array(16);
  for (let r = 0; r < 300; r++) {
    const x = new Float64Array(36);
    const t = new Float64Array(36);
    const max = r < 3;
    for (let m = 0; m < 3; m++) {
      x.set(limbs22(max), 12 * m);
      t.set(limbs22(max), 12 * m);
    }
    if (r === 3) {
      W.limbsOfBigInt(n - 1n, x, 0);
      W.limbsOfBigInt(n, x, 12);
      W.limbsOfBigInt(0n, x, 24);
    }
    const part = (a: Float64Array, at: number) => val22(a.subarray(at, at + 12));
    const want = (part(x, 24) + part(t, 0) * part(x, 0) + part(t, 12) * part(x, 12) + part(t, 24)) % n;
    W.checkValue(x, 0, t, out, 0);
    assert.is(val16(out), want, `row ${r}`);
  }
});

test('prime() leaves the kernels exact (it only warms them up on fractional values)', () => {
  W.prime();
  const ip = new W.InnerProduct();
  const one = new Float64Array(12);
  one[0] = 1;
  const v = new Float64Array(12);
  W.limbsOfBigInt(n + 5n, v, 0);
  ip.add(one, 0, v, 0);
  const out = new Int32Array(16);
  ip.result(out, 0);
  assert.is(val16(out), 5n);
});

test.run();
