/**
 * The fast secp256k1 arithmetic of protocols/common (secp-field.ts, secp-point.ts, hash-to-curve.ts) and the
 * curve.ts operations built on it, all checked against noble (BigInt arithmetic, noble's points, RFC 9380
 * reference, noble's ECDSA verify) on random inputs and edge cases.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigIntToBytes, bytesToBigInt, toHex } from '../../protocols/common/bytes.js';
import {
  CURVE_ORDER,
  decodePoint,
  foldedCheck,
  G,
  IDENTITY,
  mulG,
  mulPublic,
  mulSecret,
  normalizePoint,
  type Point,
  verifyEcdsa,
} from '../../protocols/common/curve.js';
import { DecodeError } from '../../protocols/common/errors.js';
import { hashToCurve } from '../../protocols/common/hash.js';
import * as H from '../../protocols/common/hash-to-curve.js';
import * as F from '../../protocols/common/secp-field.js';
import * as SP from '../../protocols/common/secp-point.js';
import * as ot from '../../protocols/ot/base-ot.js';
import { seededRng } from '../helpers/rng.js';

const P = secp256k1.Point.Fp.ORDER;
const N = CURVE_ORDER;
const rng = seededRng('secp-fast-unit');
const randScalar = () => (bytesToBigInt(rng(32)) % (N - 1n)) + 1n;
const randPoint = () => G.multiply(randScalar());
/** Scalars at the edges: small, around 16^k window borders, near n, λ, 2^128 ± 1. */
const EDGE = [
  1n,
  2n,
  3n,
  15n,
  16n,
  17n,
  255n,
  256n,
  (1n << 128n) - 1n,
  1n << 128n,
  (1n << 128n) + 1n,
  N / 3n,
  N / 2n,
  N / 2n + 1n,
  N - 16n,
  N - 2n,
  N - 1n,
  SP.GLV_LAMBDA,
];

// ───────────── field and point arithmetic against noble (moved from pair-setup.test.ts) ─────────────

test('field arithmetic (22-bit float limbs) agrees with BigInt mod p on random and extreme inputs', () => {
  const val = (a: Float64Array) => a.reduce((acc, l, i) => acc + BigInt(l) * (1n << BigInt(22 * i)), 0n);
  const samples: bigint[] = [0n, 1n, 2n, P - 1n, P - 2n, (1n << 255n) + 7n, (1n << 256n) - 1n];
  for (let i = 0; i < 200; i++) samples.push(BigInt(`0x${toHex(rng(32))}`) % P);
  for (let i = 0; i < samples.length; i++) {
    const a = samples[i] as bigint;
    const b = samples[(i * 7 + 3) % samples.length] as bigint;
    const A = F.feFromBig(a % P);
    const B = F.feFromBig(b % P);
    const O = F.feNew();
    F.fmul(O, A, B);
    assert.is(F.feToBig(O), (a * b) % P);
    F.fsqr(O, A);
    assert.is(F.feToBig(O), (a * a) % P);
    F.fadd(O, A, B);
    assert.is(F.feToBig(O), (a + b) % P);
    F.fsub(O, A, B);
    assert.is(F.feToBig(O), (((a - b) % P) + P) % P);
    F.fmulSmall(O, A, 8);
    assert.is(F.feToBig(O), (8n * a) % P);
    // non-canonical (but normalised) inputs: every limb at its maximum
    const M = F.feNew().fill(2 ** 23 - 1);
    F.fmul(O, M, A);
    assert.is(F.feToBig(O), ((val(M) % P) * (a % P)) % P);
    F.fsub(O, A, M);
    assert.is(F.feToBig(O), (((a - val(M)) % P) + P) % P);
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

test('comb and ladder multiplications agree with noble (edge scalars included)', () => {
  const lam = G.multiply(SP.GLV_LAMBDA).toAffine();
  const beta = 0x7ae96a2b657c07106e64479eac3434e99cf0497512f58995c1396c28719501een;
  assert.is(lam.x, (G.toAffine().x * beta) % P, 'λ·G = (β·x, y)');
  assert.is(lam.y, G.toAffine().y);
  const table = SP.combTable(G);
  const base = G.multiply(0xabcdefn);
  const aff = new Float64Array(24);
  SP.decodeAffine(base.toBytes(true), 0, aff, 0);
  const lt = SP.ladderTables(aff, 1);
  const o = SP.jacNew();
  const scalars = [
    1n,
    2n,
    15n,
    16n,
    17n,
    255n,
    256n,
    CURVE_ORDER - 1n,
    CURVE_ORDER - 16n,
    CURVE_ORDER / 3n,
    SP.GLV_LAMBDA,
  ];
  for (let i = 0; i < 6; i++) scalars.push(BigInt(`0x${toHex(rng(32))}`) % CURVE_ORDER);
  for (const x of scalars) {
    if (x === 0n) continue;
    SP.combMul(o, table, SP.scalarDigits(x));
    assert.ok(SP.jacToNoble(o).equals(G.multiply(x)), `comb ${x}`);
    SP.ladderMul(o, lt, 0, SP.scalarDigits(x));
    assert.ok(SP.jacToNoble(o).equals(base.multiply(x)), `ladder ${x}`);
    assert.is(SP.ladderMulGlvChecked(o, lt, 0, SP.glvDigits(x)), 0, `GLV ladder ${x}: no exceptional addition`);
    assert.ok(SP.jacToNoble(o).equals(base.multiply(x)), `GLV ladder ${x}`);
  }
});

test('checked GLV ladder and variable-time GLV: equal noble, flags a crafted exceptional addition, and the fallback is exact', () => {
  const M = randPoint();
  const aff = new Float64Array(24);
  SP.nobleToAffine(M, aff, 0);
  const lt = SP.ladderTables(aff, 1);
  const o = SP.jacNew();
  const scalars = [0n, ...EDGE];
  for (let i = 0; i < 16; i++) scalars.push(randScalar());
  for (const x of scalars) {
    assert.is(SP.ladderMulGlvChecked(o, lt, 0, SP.glvDigits(x)), 0, `flag ${x}`);
    assert.ok(x === 0n ? SP.jacToNoble(o).is0() : SP.jacToNoble(o).equals(M.multiply(x)), `GLV ${x}`);
    if (x !== 0n) {
      assert.is(SP.mulPublicGlvTable(o, lt, 0, x), 0, `public flag ${x}`);
      assert.ok(SP.jacToNoble(o).equals(M.multiply(x)), `public GLV ${x}`);
    }
    SP.ladderMulSecret(o, lt, 0, x);
    assert.ok(x === 0n ? SP.jacToNoble(o).is0() : SP.jacToNoble(o).equals(M.multiply(x)), `secret ${x}`);
  }
  // a1 − |b1|·λ ≡ 0 (a vector of the GLV basis): the last addition adds −d·λM to d·λM, the case p = −q
  const a1 = 0x3086d221a7d46bcde86c90e49284eb15n;
  const b1 = 0xe4437ed6010e88286f547fa90abfe4c3n;
  assert.is((((a1 - b1 * SP.GLV_LAMBDA) % N) + N) % N, 0n);
  const crafted = {
    d1: SP.scalarDigits(a1).subarray(0, 32),
    d2: SP.scalarDigits(b1).subarray(0, 32),
    neg1: 0,
    neg2: 1,
  };
  assert.is(SP.ladderMulGlvChecked(o, lt, 0, crafted), 1);
});

test('fast point decoding accepts and rejects exactly what noble does for compressed encodings', () => {
  const aff = new Float64Array(24);
  const out = new Uint8Array(33);
  for (let i = 0; i < 40; i++) {
    const bytes = rng(33);
    bytes[0] = i % 5 === 0 ? (bytes[0] as number) : 2 + (i & 1);
    if (i === 1) bytes.fill(0xff, 1); // x ≥ p
    let ref: boolean;
    try {
      secp256k1.Point.fromBytes(bytes); // noble's reference (decodePoint itself now uses decodeAffine)
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
    } catch (e) {
      assert.instance(e, DecodeError);
      fast = false;
    }
    assert.is(fast, ref, toHex(bytes));
  }
  assert.throws(
    () => SP.decodeAffine(new Uint8Array(33), 0, aff, 0),
    (e: unknown) => e instanceof DecodeError,
  );
});

test('fast hash to curve equals the RFC 9380 reference of common/hash.ts', () => {
  const out = new Float64Array(36);
  const o = SP.jacNew();
  for (let i = 0; i < 12; i++) {
    const parts = [rng(32), Uint8Array.of(i), rng(i)];
    H.hashToCurveJac(ot.H2C_TAG, parts, out, 0);
    o.x.set(out.subarray(0, 12));
    o.y.set(out.subarray(12, 24));
    o.z.set(out.subarray(24, 36));
    assert.ok(SP.jacToNoble(o).equals(hashToCurve(ot.H2C_TAG, ...parts)));
  }
});

// ───────────── curve.ts on the fast arithmetic, against noble ─────────────

test('mulG (comb) equals noble on random and edge scalars; 0 and n are refused as noble refuses them', () => {
  const scalars = [...EDGE];
  for (let i = 0; i < 40; i++) scalars.push(randScalar());
  for (const x of scalars) {
    const p = mulG(x);
    assert.ok(p.equals(G.multiply(x)), `mulG ${x}`);
    assert.equal(p.toBytes(true), G.multiply(x).toBytes(true));
  }
  for (const bad of [0n, N, N + 1n, -1n]) {
    assert.throws(() => mulG(bad));
    assert.throws(() => G.multiply(bad));
  }
});

test('mulSecret (ladder) equals noble on random points and scalars; 0 and the identity give the identity', () => {
  const pts: Point[] = [G, G.negate(), G.multiply(N - 1n), G.multiply(SP.GLV_LAMBDA)];
  for (let i = 0; i < 6; i++) pts.push(randPoint());
  // a point with Z ≠ 1 (a sum), as sign.ts passes
  pts.push(randPoint().add(randPoint()));
  for (const [k, pt] of pts.entries()) {
    const scalars = k < 2 ? [...EDGE] : [1n, 2n, 16n, N - 1n, N / 2n];
    for (let i = 0; i < 4; i++) scalars.push(randScalar());
    for (const x of scalars) assert.ok(mulSecret(pt, x).equals(pt.multiply(x)), `mulSecret ${k} ${x}`);
  }
  assert.ok(mulSecret(randPoint(), 0n).is0());
  assert.ok(mulSecret(IDENTITY, randScalar()).is0());
  assert.ok(mulSecret(G, N - 1n).equals(G.negate()));
  assert.throws(() => mulSecret(G, N));
});

test('mulPublic (variable time) equals noble multiplyUnsafe, 128-bit ρ and full-width scalars; 0 → identity', () => {
  const pts: Point[] = [G, randPoint(), randPoint().add(randPoint())];
  for (const [k, pt] of pts.entries()) {
    const scalars = [...EDGE];
    for (let i = 0; i < 8; i++) scalars.push(bytesToBigInt(rng(16)) | 1n); // ρ as sign.ts draws it
    for (let i = 0; i < 8; i++) scalars.push(randScalar());
    for (const x of scalars) assert.ok(mulPublic(pt, x).equals(pt.multiplyUnsafe(x)), `mulPublic ${k} ${x}`);
  }
  assert.ok(mulPublic(randPoint(), 0n).is0());
  assert.ok(mulPublic(IDENTITY, 5n).is0());
  assert.throws(() => mulPublic(G, N));
});

test("decodePoint (fast square root) gives noble's point for valid encodings and DecodeError for the rest", () => {
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

test('verifyEcdsa agrees with noble verify: valid, tampered, high-s, out-of-range and degenerate signatures', () => {
  const nobleVerify = (r: bigint, s: bigint, h: Uint8Array, pk: Point): boolean => {
    if (r < 0n || r >= 1n << 256n || s < 0n || s >= 1n << 256n) return false;
    const compact = new Uint8Array([...bigIntToBytes(r, 32), ...bigIntToBytes(s, 32)]);
    return secp256k1.verify(compact, h, pk.toBytes(true), { prehash: false, lowS: true, format: 'compact' });
  };
  const check = (r: bigint, s: bigint, h: Uint8Array, pk: Point, expected?: boolean): void => {
    const ref = nobleVerify(r, s, h, pk);
    if (expected !== undefined) assert.is(ref, expected, 'reference');
    assert.is(verifyEcdsa(r, s, h, pk), ref, `r=${r} s=${s} h=${toHex(h)}`);
  };
  for (let i = 0; i < 24; i++) {
    const sk = bigIntToBytes(randScalar(), 32);
    const pk = secp256k1.Point.fromBytes(secp256k1.getPublicKey(sk, true));
    const h = i === 0 ? new Uint8Array(32) : i === 1 ? new Uint8Array(32).fill(0xff) : rng(32); // m = 0, m ≥ n
    const sig = secp256k1.sign(h, sk, { prehash: false, lowS: true, format: 'compact' });
    const r = bytesToBigInt(sig.subarray(0, 32));
    const s = bytesToBigInt(sig.subarray(32));
    check(r, s, h, pk, true);
    check(r, N - s, h, pk, false); // high s
    check(r, s + 1n, h, pk, false);
    check(r + 1n, s, h, pk, false);
    const h2 = h.slice();
    h2[31] = (h2[31] as number) ^ 1;
    check(r, s, h2, pk, false);
    check(r, s, h, randPoint(), false);
    check(0n, s, h, pk, false);
    check(r, 0n, h, pk, false);
    check(N + r, s, h, pk, false);
    check(r, N, h, pk, false);
  }
  // u1·G = −u2·P (R is the identity) and u1·G = +u2·P: the cases the incomplete formulas hand to noble
  const x = randScalar();
  const pk = G.multiply(x);
  for (const sign of [-1n, 1n]) {
    const r = randScalar();
    const s = randScalar() >> 1n;
    const m = (((sign * r * x) % N) + N) % N;
    check(r, s, bigIntToBytes(m, 32), pk, false);
  }
  // a valid signature with u1 = 0 (m ≡ 0 mod n): h = n itself
  const sk = bigIntToBytes(randScalar(), 32);
  const pk0 = secp256k1.Point.fromBytes(secp256k1.getPublicKey(sk, true));
  const hn = bigIntToBytes(N, 32);
  const sig = secp256k1.sign(hn, sk, { prehash: false, lowS: true, format: 'compact' });
  check(bytesToBigInt(sig.subarray(0, 32)), bytesToBigInt(sig.subarray(32)), hn, pk0, true);
  assert.not.ok(verifyEcdsa(1n, 1n, rng(32), IDENTITY));
});

test('foldedCheck (the Γ check of signing) equals the noble computation, honest, tampered and degenerate', () => {
  const ref = (b: bigint, D: bigint, rho: bigint, R: Point, pk: Point, gu: Point, gv: Point): boolean => {
    const lhs = b === 0n ? IDENTITY : R.add(pk.multiplyUnsafe(rho)).multiply(b);
    const rhs = (D === 0n ? IDENTITY : G.multiply(D)).add(gu).add(gv.multiplyUnsafe(rho));
    return lhs.equals(rhs);
  };
  const mod = (x: bigint) => ((x % N) + N) % N;
  const check = (b: bigint, D: bigint, rho: bigint, R: Point, pk: Point, gu: Point, gv: Point, want: boolean) => {
    assert.is(ref(b, D, rho, R, pk, gu, gv), want, 'reference');
    assert.is(foldedCheck(b, D, rho, R, pk, gu, gv), want);
  };
  for (let i = 0; i < 12; i++) {
    const b = i === 0 ? 1n : i === 1 ? N - 1n : randScalar();
    const rho = i === 2 ? 1n : i === 3 ? N - 1n : bytesToBigInt(rng(16)) | 1n;
    const R = randPoint();
    const pk = randPoint();
    const d0 = randScalar();
    const d1 = randScalar();
    // honest Alice: Γu = b·R − d0·G, Γv = b·pk − d1·G (c = a·b − d)
    const gu = R.multiply(b).subtract(G.multiply(d0));
    const gv = pk.multiply(b).subtract(G.multiply(d1));
    const D = mod(d0 + rho * d1);
    check(b, D, rho, R, pk, gu, gv, true);
    check(b, D, rho, R, pk, gu.add(G), gv, false);
    check(b, D, rho, R, pk, gu, gv.add(G), false);
    check(b, mod(D + 1n), rho, R, pk, gu, gv, false);
    check(mod(b + 1n), D, rho, R, pk, gu, gv, false);
    if (rho !== 1n) check(b, D, rho, pk, R, gu, gv, false); // R and pk swapped (the same X when ρ = 1)
  }
  // degenerate inputs the fast formulas hand to the generic path (or that hit the identity), each true and false
  const rho = bytesToBigInt(rng(16)) | 1n;
  const [r, p, b, D] = [randScalar(), randScalar(), randScalar(), randScalar()];
  const pk = G.multiply(p);
  const gv = randPoint();
  // A: R = −ρ·pk, so X = O and the left side is O
  const Ra = pk.multiply(N - rho);
  check(b, D, rho, Ra, pk, G.multiply(D).add(gv.multiply(rho)).negate(), gv, true);
  check(b, D, rho, Ra, pk, randPoint(), gv, false);
  // B: Γu = −ρ·Γv, so Y = O and the right side is D·G
  const R = G.multiply(r);
  const Db = mod(b * (r + rho * p));
  check(b, Db, rho, R, pk, gv.multiply(N - rho), gv, true);
  check(b, mod(Db + 1n), rho, R, pk, gv.multiply(N - rho), gv, false);
  // C: D·G = −(Γu + ρ·Γv), so the right side is O
  const guC = G.multiply(D).add(gv.multiply(rho)).negate();
  check(b, D, rho, R, pk, guC, gv, false);
  check(0n, D, rho, R, pk, guC, gv, true);
  // D = 0, and b = 0
  const guD = R.add(pk.multiply(rho)).multiply(b).subtract(gv.multiply(rho));
  check(b, 0n, rho, R, pk, guD, gv, true);
  check(b, 0n, rho, R, pk, guD.add(G), gv, false);
  check(0n, D, rho, R, pk, guD, gv, false);
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
