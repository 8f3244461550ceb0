import { secp256k1 } from '@noble/curves/secp256k1.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigIntToBytes, bytesToBigInt, equalBytes } from '../../protocols/common/bytes.js';
import { decodeAll, type Reader, Writer } from '../../protocols/common/codec.js';
import { commit, verifyOpening } from '../../protocols/common/commit.js';
import {
  CURVE_ORDER,
  decodePoint,
  decodeScalar,
  evalPoly,
  G,
  lagrangeAtZero,
  modN,
} from '../../protocols/common/curve.js';
import { DecodeError } from '../../protocols/common/errors.js';
import { frame, hashToCurve, tag } from '../../protocols/common/hash.js';
import { proveDlog, verifyDlog } from '../../protocols/common/schnorr.js';
import { testCurve } from '../helpers/curve.js';
import { seededRng } from '../helpers/rng.js';

const rng = seededRng('common');

test('frame puts an 8-byte length before the tag and every field (no c-split ambiguity)', () => {
  const a = frame('t', [Uint8Array.of(1, 2), Uint8Array.of(3)]);
  const b = frame('t', [Uint8Array.of(1), Uint8Array.of(2, 3)]);
  assert.not.ok(equalBytes(a, b));
  assert.is(a.length, 8 + 1 + 8 + 2 + 8 + 1);
});

test('scalars decode only when canonical', () => {
  assert.is(decodeScalar(bigIntToBytes(CURVE_ORDER - 1n, 32)), CURVE_ORDER - 1n);
  assert.throws(
    () => decodeScalar(bigIntToBytes(CURVE_ORDER, 32)),
    (e: unknown) => e instanceof DecodeError,
  );
  assert.throws(
    () => decodeScalar(new Uint8Array(31)),
    (e: unknown) => e instanceof DecodeError,
  );
  assert.throws(
    () => decodeScalar(new Uint8Array(32), { nonZero: true }),
    (e: unknown) => e instanceof DecodeError,
  );
});

test('points decode only when compressed, on the curve and not the identity', () => {
  const P = G.multiply(12345n);
  assert.ok(decodePoint(P.toBytes(true)).equals(P));
  assert.throws(
    () => decodePoint(P.toBytes(false)),
    (e: unknown) => e instanceof DecodeError,
  );
  const off = P.toBytes(true);
  off[32] = (off[32] as number) ^ 1;
  let rejectedOrDifferent = false;
  try {
    rejectedOrDifferent = !decodePoint(off).equals(P);
  } catch (e) {
    rejectedOrDifferent = e instanceof DecodeError;
  }
  assert.ok(rejectedOrDifferent);
  const notOnCurve = new Uint8Array(33);
  notOnCurve[0] = 2;
  notOnCurve[32] = 5; // x = 5: 5^3 + 7 = 132 is not a square mod p
  assert.throws(
    () => decodePoint(notOnCurve),
    (e: unknown) => e instanceof DecodeError,
  );
  assert.throws(
    () => decodePoint(new Uint8Array(33)),
    (e: unknown) => e instanceof DecodeError,
  );
});

test('leading-zero bytes survive encoding (fixed width)', () => {
  const small = 5n;
  const enc = bigIntToBytes(small, 32);
  assert.is(enc.length, 32);
  assert.is(bytesToBigInt(enc), small);
  const w = new Writer().scalar(small).finish();
  assert.is(
    decodeAll(w, (r: Reader) => r.scalar()),
    small,
  );
});

test('reader rejects truncated input and trailing bytes', () => {
  const msg = new Writer()
    .u32(7)
    .varBytes(Uint8Array.of(1, 2, 3))
    .finish();
  assert.equal(
    decodeAll(msg, (r) => [r.u32(), r.varBytes(8)]),
    [7, Uint8Array.of(1, 2, 3)],
  );
  assert.throws(() => decodeAll(msg.subarray(0, msg.length - 1), (r) => [r.u32(), r.varBytes(8)]));
  assert.throws(() => decodeAll(new Uint8Array([...msg, 0]), (r) => [r.u32(), r.varBytes(8)]));
  assert.throws(
    () => decodeAll(msg, (r) => [r.u32(), r.varBytes(2)]),
    (e: unknown) => e instanceof DecodeError,
  );
});

test('Writer.finishBefore writes the head in front of a tail with exactly that headroom, never elsewhere', () => {
  const tail = new Uint8Array(3 + 4).subarray(3);
  tail.set([9, 8, 7, 6]);
  const msg = new Writer().u8(1).u16(0x0203).finishBefore(tail);
  assert.equal([...msg], [1, 2, 3, 9, 8, 7, 6]);
  assert.is(msg.buffer, tail.buffer, 'the tail is not copied');
  // a tail without headroom, with the wrong headroom, or with bytes after it in its buffer is refused
  for (const bad of [Uint8Array.of(1, 2), new Uint8Array(6).subarray(2), new Uint8Array(8).subarray(3, 7)]) {
    const before = [...new Uint8Array(bad.buffer)];
    assert.throws(
      () => new Writer().u8(1).u16(2).finishBefore(bad),
      (e: unknown) => e instanceof RangeError,
    );
    assert.equal([...new Uint8Array(bad.buffer)], before, 'nothing written on refusal');
  }
});

test('commitments open only with the same sid, party, salt and data', () => {
  const sid = rng(32);
  const salt = rng(32);
  const data = rng(40);
  const c = commit(sid, 3, salt, data);
  assert.ok(verifyOpening(c, sid, 3, salt, data));
  assert.not.ok(verifyOpening(c, sid, 4, salt, data));
  assert.not.ok(verifyOpening(c, rng(32), 3, salt, data));
  assert.not.ok(verifyOpening(c, sid, 3, rng(32), data));
  assert.not.ok(verifyOpening(c, sid, 3, salt, data.subarray(1)));
});

test('Schnorr proofs verify and are bound to tag, session and party', () => {
  const curve = testCurve();
  const x = 987654321n;
  const X = G.multiply(x);
  const sid = rng(32);
  const p = proveDlog(curve, tag('test'), sid, 2, x, X, rng);
  assert.ok(verifyDlog(curve, tag('test'), sid, 2, X, p));
  assert.not.ok(verifyDlog(curve, tag('test'), sid, 3, X, p), 'replayed by another party');
  assert.not.ok(verifyDlog(curve, tag('test'), rng(32), 2, X, p), 'replayed in another session');
  assert.not.ok(verifyDlog(curve, tag('other'), sid, 2, X, p), 'replayed for another purpose');
  assert.not.ok(verifyDlog(curve, tag('test'), sid, 2, X.add(G), p), 'another statement');
  assert.not.ok(verifyDlog(curve, tag('test'), sid, 2, X, { A: p.A, z: modN(p.z + 1n) }), 'tampered response');
});

test('Lagrange coefficients at 0 reconstruct the secret over any subset', () => {
  const coeffs = [111n, 222n, 333n];
  for (const set of [
    [1, 2, 3],
    [2, 4, 5],
    [1, 3, 7],
  ]) {
    let acc = 0n;
    for (const i of set) acc = modN(acc + lagrangeAtZero(i, set) * evalPoly(coeffs, BigInt(i)));
    assert.is(acc, 111n);
  }
});

test('hash to curve follows RFC 9380 (noble) and depends on the tag', () => {
  const a = hashToCurve('tag-a', Uint8Array.of(1));
  const b = hashToCurve('tag-b', Uint8Array.of(1));
  assert.not.ok(a.equals(b));
  a.assertValidity();
  assert.ok(secp256k1.Point.fromBytes(a.toBytes(true)).equals(a));
});

test.run();
