import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  gfAdd,
  gfFromBytes,
  gfMul,
  gfMulAcc,
  gfMulXInPlace,
  gfPowerTable,
  gfToBytes,
} from '../../protocols/math/gf128.js';
import { seededRng } from '../helpers/rng.js';

const rng = seededRng('gf128');

/** The element x^k (bit k set, little-endian polynomial). */
function xPow(k: number): Uint32Array {
  const a = new Uint32Array(4);
  a[k >>> 5] = (1 << (k & 31)) >>> 0;
  return a;
}

/** Reference multiplication: schoolbook over bits, then reduction by x^128 = x^7 + x^2 + x + 1. */
function mulRef(a: Uint32Array, b: Uint32Array): Uint32Array {
  const prod = new Array<number>(255).fill(0);
  for (let i = 0; i < 128; i++) {
    for (let j = 0; j < 128; j++) {
      const ai = ((a[i >>> 5] as number) >>> (i & 31)) & 1;
      const bj = ((b[j >>> 5] as number) >>> (j & 31)) & 1;
      prod[i + j] = (prod[i + j] as number) ^ (ai & bj);
    }
  }
  for (let k = 254; k >= 128; k--) {
    if (prod[k]) {
      prod[k] = 0;
      for (const t of [7, 2, 1, 0]) prod[k - 128 + t] = (prod[k - 128 + t] as number) ^ 1;
    }
  }
  const out = new Uint32Array(4);
  for (let k = 0; k < 128; k++) if (prod[k]) out[k >>> 5] = ((out[k >>> 5] as number) | (1 << (k & 31))) >>> 0;
  return out;
}

const rand = (): Uint32Array => gfFromBytes(rng(16));

test('bit order: byte i bit j is the coefficient of x^(8i+j)', () => {
  const bytes = new Uint8Array(16);
  bytes[1] = 0b100; // x^10
  const a = gfFromBytes(bytes);
  assert.equal([...a], [...xPow(10)]);
  assert.equal([...gfToBytes(a)], [...bytes]);
  const all = rng(16);
  assert.equal([...gfToBytes(gfFromBytes(all))], [...all]);
});

test('x · x^127 = x^7 + x^2 + x + 1', () => {
  assert.equal([...gfMul(xPow(1), xPow(127))], [0x87, 0, 0, 0]);
  const a = xPow(127);
  gfMulXInPlace(a);
  assert.equal([...a], [0x87, 0, 0, 0]);
});

test('hand-checked products', () => {
  // (x + 1)(x + 1) = x^2 + 1 in characteristic 2
  assert.equal([...gfMul(Uint32Array.of(3, 0, 0, 0), Uint32Array.of(3, 0, 0, 0))], [5, 0, 0, 0]);
  // x^64 · x^64 = x^128 = x^7 + x^2 + x + 1
  assert.equal([...gfMul(xPow(64), xPow(64))], [0x87, 0, 0, 0]);
  // x^127 · x^127 = x^254 = x^126 · x^128 = x^133 + x^128 + x^127 + x^126 → x^133 = x^5·x^128 = x^12+x^7+x^6+x^5,
  // and x^128 = x^7+x^2+x+1: total x^127 + x^126 + x^12 + x^6 + x^5 + x^2 + x + 1
  const expect = new Uint32Array(4);
  for (const k of [127, 126, 12, 6, 5, 2, 1, 0])
    expect[k >>> 5] = ((expect[k >>> 5] as number) | (1 << (k & 31))) >>> 0;
  assert.equal([...gfMul(xPow(127), xPow(127))], [...expect]);
});

test('multiplication by 1 and by 0', () => {
  for (let r = 0; r < 20; r++) {
    const a = rand();
    assert.equal([...gfMul(a, xPow(0))], [...a]);
    assert.equal([...gfMul(new Uint32Array(4), a)], [0, 0, 0, 0]);
  }
});

test('matches the schoolbook reference on random inputs', () => {
  for (let r = 0; r < 30; r++) {
    const a = rand();
    const b = rand();
    assert.equal([...gfMul(a, b)], [...mulRef(a, b)]);
  }
});

test('commutative, associative and distributive on random inputs', () => {
  for (let r = 0; r < 50; r++) {
    const a = rand();
    const b = rand();
    const c = rand();
    assert.equal([...gfMul(a, b)], [...gfMul(b, a)]);
    assert.equal([...gfMul(gfMul(a, b), c)], [...gfMul(a, gfMul(b, c))]);
    assert.equal([...gfMul(a, gfAdd(b, c))], [...gfAdd(gfMul(a, b), gfMul(a, c))]);
  }
});

test('a power table accumulates c·y into acc', () => {
  const c = rand();
  const table = gfPowerTable(c);
  const ys = new Uint32Array(12);
  ys.set(rand(), 0);
  ys.set(rand(), 4);
  ys.set(rand(), 8);
  const acc = new Uint32Array(4);
  let expect: Uint32Array = new Uint32Array(4);
  for (let k = 0; k < 3; k++) {
    gfMulAcc(table, ys, 4 * k, acc, 0);
    expect = gfAdd(expect, gfMul(c, ys.subarray(4 * k, 4 * k + 4)));
  }
  assert.equal([...acc], [...expect]);
});

test.run();
