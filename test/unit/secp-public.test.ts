/**
 * The public-data arithmetic of protocols/math (secp-field.ts and its generated kernels, secp-point.ts,
 * hash-to-curve.ts) and curve.ts's decoding on it, against BigInt arithmetic, noble's points and RFC 9380:
 * random and limb-boundary inputs, long chains of operations, the suite's published vectors, and 1,000
 * hash-to-curve inputs against the reference.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ascii, bigIntToBytes, bytesToBigInt, fromHex, toHex } from '../../protocols/common/bytes.js';
import { CURVE_ORDER, decodePoint, G, IDENTITY, normalizePoint } from '../../protocols/common/curve.js';
import { DecodeError } from '../../protocols/common/errors.js';
import { hashToCurve } from '../../protocols/common/hash.js';
import { nobleSha256 } from '../../protocols/common/suite.js';
import * as H from '../../protocols/math/hash-to-curve.js';
import * as F from '../../protocols/math/secp-field.js';
import * as SP from '../../protocols/math/secp-point.js';
import * as ot from '../../protocols/ot/base-ot.js';
import { seededRng } from '../helpers/rng.js';

const P = secp256k1.Point.Fp.ORDER;
const N = CURVE_ORDER;
const rng = seededRng('secp-public-unit');
const randScalar = () => (bytesToBigInt(rng(32)) % (N - 1n)) + 1n;
const randPoint = () => G.multiply(randScalar());
const mod = (x: bigint) => ((x % P) + P) % P;
/** The value of a limb vector, whatever its normalisation. */
const val = (a: Float64Array) => a.reduce((acc, l, i) => acc + BigInt(l) * (1n << BigInt(22 * i)), 0n);

// ───────────── field ─────────────

test('field arithmetic (22-bit float limbs) agrees with BigInt mod p on random and extreme inputs', () => {
  const samples: bigint[] = [0n, 1n, 2n, P - 1n, P - 2n, (1n << 255n) + 7n, (1n << 256n) - 1n];
  for (let i = 0; i < 200; i++) samples.push(bytesToBigInt(rng(32)) % P);
  const O = F.feNew();
  for (let i = 0; i < samples.length; i++) {
    const a = samples[i] as bigint;
    const b = samples[(i * 7 + 3) % samples.length] as bigint;
    const A = F.feFromBig(a % P);
    const B = F.feFromBig(b % P);
    F.fmul(O, A, B);
    assert.is(F.feToBig(O), (a * b) % P);
    F.fsqr(O, A);
    assert.is(F.feToBig(O), (a * a) % P);
    F.fadd(O, A, B);
    assert.is(F.feToBig(O), (a + b) % P);
    F.fsub(O, A, B);
    assert.is(F.feToBig(O), mod(a - b));
    F.fmulSmall(O, A, 8);
    assert.is(F.feToBig(O), (8n * a) % P);
    if (i < 20 && a % P !== 0n) {
      F.finv(O, A);
      assert.is(F.feToBig(O), secp256k1.Point.Fp.inv(a % P));
      const sq = (a * a) % P;
      F.fsqrtCand(O, F.feFromBig(sq));
      assert.is(F.feToBig(O) ** 2n % P, sq);
    }
    const bytes = new Uint8Array(32);
    F.feToBytes(A, bytes, 0);
    F.feFromBytes(O, bytes, 0);
    assert.is(F.feToBig(O), a % P);
  }
});

test('field kernels at the limb boundaries: every limb 0, 2^22 − 1 or 2^23 − 1 (the normalised maximum)', () => {
  const patterns: Float64Array[] = [];
  const fill = (f: (i: number) => number) => Float64Array.from({ length: 12 }, (_, i) => f(i));
  patterns.push(
    fill(() => 0),
    fill(() => 2 ** 22 - 1),
    fill(() => 2 ** 23 - 1),
  );
  patterns.push(
    fill((i) => (i % 2 ? 2 ** 23 - 1 : 0)),
    fill((i) => (i % 2 ? 0 : 2 ** 23 - 1)),
  );
  patterns.push(
    fill((i) => (i === 11 ? 2 ** 23 - 1 : 0)),
    fill((i) => (i === 0 ? 2 ** 23 - 1 : 0)),
  );
  for (let k = 0; k < 40; k++) patterns.push(fill(() => [0, 1, 2 ** 22 - 1, 2 ** 22, 2 ** 23 - 1][rng(1)[0]! % 5]!));
  // and the representations of p − 1, p, p + 1 and 2^256 − 1 as limbs
  for (const v of [P - 1n, P, P + 1n, (1n << 256n) - 1n, 1n << 255n]) patterns.push(F.feFromBig(v));
  const O = F.feNew();
  for (const A of patterns) {
    for (const B of patterns) {
      const a = val(A);
      const b = val(B);
      F.fmul(O, A, B);
      assert.is(F.feToBig(O), (a * b) % P, `fmul ${[...A]} × ${[...B]}`);
      assert.ok(
        O.every((l) => l >= 0 && l < 2 ** 23),
        'fmul output normalised',
      );
      F.fadd(O, A, B);
      assert.is(F.feToBig(O), (a + b) % P);
      assert.ok(O.every((l) => l >= 0 && l < 2 ** 23));
      F.fsub(O, A, B);
      assert.is(F.feToBig(O), mod(a - b));
      assert.ok(O.every((l) => l >= 0 && l < 2 ** 23));
    }
    F.fsqr(O, A);
    assert.is(F.feToBig(O), (val(A) * val(A)) % P);
    assert.ok(O.every((l) => l >= 0 && l < 2 ** 23));
    F.fmulSmall(O, A, 8);
    assert.is(F.feToBig(O), (8n * val(A)) % P);
    const bytes = new Uint8Array(32);
    F.feToBytes(A, bytes, 0);
    assert.is(bytesToBigInt(bytes), val(A) % P, 'canonical bytes');
  }
});

test('chained field operations stay exact: 400 chains of 60 random operations each, against BigInt', () => {
  const A = F.feNew();
  const B = F.feNew();
  for (let chain = 0; chain < 400; chain++) {
    let a = bytesToBigInt(rng(32)) % P;
    let b = bytesToBigInt(rng(32)) % P;
    A.set(F.feFromBig(a));
    B.set(F.feFromBig(b));
    const ops = rng(60);
    for (let s = 0; s < 60; s++) {
      switch ((ops[s] as number) % 6) {
        case 0:
          F.fmul(A, A, B);
          a = (a * b) % P;
          break;
        case 1:
          F.fsqr(B, B);
          b = (b * b) % P;
          break;
        case 2:
          F.fadd(A, A, B);
          a = (a + b) % P;
          break;
        case 3:
          F.fsub(B, A, B);
          b = mod(a - b);
          break;
        case 4:
          F.fmulSmall(A, A, 1 + ((ops[s] as number) % 8));
          a = (a * BigInt(1 + ((ops[s] as number) % 8))) % P;
          break;
        default:
          F.fsub(A, F.ZERO, A);
          a = mod(-a);
      }
      assert.ok(
        A.every((l) => l >= 0 && l < 2 ** 23) && B.every((l) => l >= 0 && l < 2 ** 23),
        `chain ${chain} step ${s}: not normalised`,
      );
    }
    assert.is(F.feToBig(A), a, `chain ${chain}`);
    assert.is(F.feToBig(B), b, `chain ${chain}`);
  }
});

// ───────────── points ─────────────

test('decodeAffine accepts and rejects exactly what noble does for compressed encodings; encodings round-trip', () => {
  const aff = new Float64Array(24);
  const out = new Uint8Array(33);
  const out65 = new Uint8Array(65);
  for (let i = 0; i < 60; i++) {
    const bytes = i < 20 ? randPoint().toBytes(true) : rng(33);
    if (i >= 20) bytes[0] = i % 5 === 0 ? (bytes[0] as number) : 2 + (i & 1);
    if (i === 21) bytes.fill(0xff, 1); // x ≥ p
    let ref: boolean;
    try {
      secp256k1.Point.fromBytes(bytes);
      ref = [2, 3].includes(bytes[0] as number);
    } catch {
      ref = false;
    }
    let fast: boolean;
    try {
      SP.decodeAffine(bytes, 0, aff, 0);
      fast = true;
      SP.encodeAffine(aff, 0, out, 0);
      assert.equal(out, bytes);
      SP.encodeAffine65(aff, 0, out65, 0);
      assert.equal(out65, secp256k1.Point.fromBytes(bytes).toBytes(false));
    } catch (e) {
      assert.instance(e, DecodeError);
      fast = false;
    }
    assert.is(fast, ref, toHex(bytes));
  }
});

test('Jacobian addition and batch conversion to affine agree with noble; the exceptional cases are flagged', () => {
  const pts = Array.from({ length: 12 }, randPoint);
  const jac = new Float64Array(12 * 36);
  for (let i = 0; i < 12; i++) {
    const a = SP.jacFromNoble(pts[i] as (typeof pts)[0]);
    const b = SP.jacFromNoble(pts[(i + 1) % 12] as (typeof pts)[0]);
    assert.is(SP.jadd(a, a, b), 0);
    assert.ok(SP.jacToNoble(a).equals((pts[i] as (typeof pts)[0]).add(pts[(i + 1) % 12] as (typeof pts)[0])));
    SP.storeJac(jac, i, a);
  }
  const aff = new Float64Array(12 * 24);
  SP.batchToAffine(jac, 12, aff);
  for (let i = 0; i < 12; i++) {
    const want = (pts[i] as (typeof pts)[0]).add(pts[(i + 1) % 12] as (typeof pts)[0]);
    assert.ok(SP.affineToNoble(aff, i).equals(want));
  }
  const p = SP.jacFromNoble(G);
  assert.is(SP.jadd(SP.jacNew(), p, SP.jacFromNoble(G)), 1, 'P + P');
  assert.is(SP.jadd(SP.jacNew(), p, SP.jacFromNoble(G.negate())), 1, 'P + (−P)');
});

// ───────────── hash to curve ─────────────

/** RFC 9380, Appendix J.8.1 (secp256k1_XMD:SHA-256_SSWU_RO_): msg, u0, u1, P.x, P.y. */
const RFC9380: readonly [string, string, string, string, string][] = [
  [
    '',
    '6b0f9910dd2ba71c78f2ee9f04d73b5f4c5f7fc773a701abea1e573cab002fb3',
    '1ae6c212e08fe1a5937f6202f929a2cc8ef4ee5b9782db68b0d5799fd8f09e16',
    'c1cae290e291aee617ebaef1be6d73861479c48b841eaba9b7b5852ddfeb1346',
    '64fa678e07ae116126f08b022a94af6de15985c996c3a91b64c406a960e51067',
  ],
  [
    'abc',
    '128aab5d3679a1f7601e3bdf94ced1f43e491f544767e18a4873f397b08a2b61',
    '5897b65da3b595a813d0fdcc75c895dc531be76a03518b044daaa0f2e4689e00',
    '3377e01eab42db296b512293120c6cee72b6ecf9f9205760bd9ff11fb3cb2c4b',
    '7f95890f33efebd1044d382a01b1bee0900fb6116f94688d487c6c7b9c8371f6',
  ],
  [
    'abcdef0123456789',
    'ea67a7c02f2cd5d8b87715c169d055a22520f74daeb080e6180958380e2f98b9',
    '7434d0d1a500d38380d1f9615c021857ac8d546925f5f2355319d823a478da18',
    'bac54083f293f1fe08e4a70137260aa90783a5cb84d3f35848b324d0674b0e3a',
    '4436476085d4c3c4508b60fcf4389c40176adce756b398bdee27bca19758d828',
  ],
  [
    `q128_${'q'.repeat(128)}`,
    'eda89a5024fac0a8207a87e8cc4e85aa3bce10745d501a30deb87341b05bcdf5',
    'dfe78cd116818fc2c16f3837fedbe2639fab012c407eac9dfe9245bf650ac51d',
    'e2167bc785333a37aa562f021f1e881defb853839babf52a7f72b102e41890e9',
    'f2401dd95cc35867ffed4f367cd564763719fbc6a53e969fb8496a1e6685d873',
  ],
  [
    `a512_${'a'.repeat(512)}`,
    '8d862e7e7e23d7843fe16d811d46d7e6480127a6b78838c277bca17df6900e9f',
    '68071d2530f040f081ba818d3c7188a94c900586761e9115efa47ae9bd847938',
    'e3c8d35aaaf0b9b647e88a0a0a7ee5d5bed5ad38238152e4e6fd8c1f8cb7c998',
    '8446eeb6181bf12f56a9d24e262221cc2f0c4725c7e3803024b5888ee5823aa6',
  ],
];

test('hash to curve reproduces the RFC 9380 vectors of secp256k1_XMD:SHA-256_SSWU_RO_ (u and P)', () => {
  const dst = ascii('QUUX-V01-CS02-with-secp256k1_XMD:SHA-256_SSWU_RO_');
  const out = new Float64Array(36);
  const o = SP.jacNew();
  for (const [msg, u0, u1, x, y] of RFC9380) {
    const m = ascii(msg);
    const [got0, got1] = H.hashToFieldPair(m, dst, nobleSha256);
    assert.is(got0, bytesToBigInt(fromHex(u0)), `u0 of '${msg.slice(0, 8)}'`);
    assert.is(got1, bytesToBigInt(fromHex(u1)), `u1 of '${msg.slice(0, 8)}'`);
    assert.ok(H.hashMessageToCurvePublic(m, dst, out, 0));
    SP.loadJac(o, out, 0);
    const p = SP.jacToNoble(o).toAffine();
    assert.is(p.x, bytesToBigInt(fromHex(x)), `P.x of '${msg.slice(0, 8)}'`);
    assert.is(p.y, bytesToBigInt(fromHex(y)), `P.y of '${msg.slice(0, 8)}'`);
  }
});

test('hash to curve equals the reference (noble, common/hash.ts) on 1,000 inputs of every length class', () => {
  const out = new Float64Array(36);
  const o = SP.jacNew();
  for (let i = 0; i < 1000; i++) {
    const tag = i % 3 === 0 ? ot.H2C_TAG : `mpc/dkls23/test-${i % 7}/v1`;
    const parts = [rng(i % 40), Uint8Array.of(i & 0xff), rng(33)];
    H.hashToCurvePublic(tag, parts, out, 0);
    SP.loadJac(o, out, 0);
    assert.ok(SP.jacToNoble(o).equals(hashToCurve(tag, ...parts)), `input ${i}`);
  }
});

// ───────────── curve.ts decoding on it ─────────────

test("decodePoint (square root in the float field) gives noble's point for valid encodings and DecodeError for the rest", () => {
  for (let i = 0; i < 40; i++) {
    const p = i === 0 ? G : i === 1 ? G.negate() : randPoint();
    const bytes = p.toBytes(true);
    const q = decodePoint(bytes);
    assert.ok(q.equals(p));
    assert.equal(q.toAffine(), p.toAffine());
    assert.equal(q.toBytes(true), bytes);
  }
  const bad: Uint8Array[] = [
    new Uint8Array(33), // prefix 0 (and the all-zero identity-like encoding)
    Uint8Array.of(2, ...new Uint8Array(32)), // x = 0 is not on the curve
    Uint8Array.of(2, ...new Uint8Array(32).fill(0xff)), // x ≥ p
    Uint8Array.of(3, ...bigIntToBytes(P, 32)), // x = p
    Uint8Array.of(4, ...G.toBytes(true).subarray(1)), // uncompressed prefix with 32 bytes
    G.toBytes(false), // 65 bytes
    G.toBytes(true).subarray(0, 32),
  ];
  let offCurve = 0;
  for (let i = 0; offCurve < 10; i++) {
    const b = rng(33);
    b[0] = 2 + (i & 1);
    try {
      secp256k1.Point.fromBytes(b);
    } catch {
      bad.push(b);
      offCurve++;
    }
  }
  for (const b of bad) {
    assert.throws(
      () => decodePoint(b),
      (e: unknown) => e instanceof DecodeError,
      toHex(b),
    );
  }
});

test('normalizePoint keeps the point and its bytes', () => {
  for (let i = 0; i < 5; i++) {
    const p = randPoint().add(randPoint());
    const q = normalizePoint(p);
    assert.ok(q.equals(p));
    assert.equal(q.toBytes(true), p.toBytes(true));
  }
  assert.ok(normalizePoint(IDENTITY).is0());
});

test.run();
