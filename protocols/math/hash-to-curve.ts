/**
 * RFC 9380 hash to curve (`secp256k1_XMD:SHA-256_SSWU_RO_`) for PUBLIC INPUTS, on the float-limb arithmetic of
 * secp-field.ts and secp-point.ts, giving exactly the points of `hashToCurve` in common/hash.ts (the reference,
 * noble's) at a fraction of its cost. The same operations run for every input except in cases of negligible
 * probability (an isogeny pole or Q0 = ±Q1), which fall back to noble. libsecp256k1 has no hash to curve.
 * Tested against the RFC 9380 vectors and the reference in test/unit/secp-public.test.ts.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ascii, bytesToBigInt } from '../common/bytes.js';
import { assertArg } from '../common/errors.js';
import { frame, hashToCurve } from '../common/hash.js';
import { nobleSha256, type Sha256 } from '../common/suite.js';
import {
  type Fe,
  fadd,
  feEq,
  feFromBig,
  feIsZero,
  feNew,
  feParity,
  fmul,
  fpowP34,
  fselect,
  fsqr,
  fsub,
  ONE,
  P_BIG,
  ZERO,
} from './secp-field.js';
import { type Jac, jacFromNoble, jacNew, jadd, storeJac } from './secp-point.js';

const ISO_A = feFromBig(0x3f8731abdd661adca08a5558f0f5d272e953d363cb6f0e5d405447c01a444533n);
const ISO_B = feFromBig(1771n);
const SSWU_Z = feFromBig(P_BIG - 11n);
const SQRT_MINUS_Z = feFromBig(secp256k1.Point.Fp.sqrt(11n));
// RFC 9380 Appendix E.1: the 3-isogeny E' → secp256k1, coefficients in ascending degree (denominators monic).
const ISO_XN = [
  0x8e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38daaaaa8c7n,
  0x7d3d4c80bc321d5b9f315cea7fd44c5d595d2fc0bf63b92dfff1044f17c6581n,
  0x534c328d23f234e6e2a413deca25caece4506144037c40314ecbd0b53d9dd262n,
  0x8e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38daaaaa88cn,
].map(feFromBig) as [Fe, Fe, Fe, Fe];
const ISO_XD = [
  0xd35771193d94918a9ca34ccbb7b640dd86cd409542f8487d9fe6b745781eb49bn,
  0xedadc6f64383dc1df7c4b2d51b54225406d36b641f5e41bbc52a56612a8c6d14n,
].map(feFromBig) as [Fe, Fe];
const ISO_YN = [
  0x4bda12f684bda12f684bda12f684bda12f684bda12f684bda12f684b8e38e23cn,
  0xc75e0c32d5cb7c0fa9d0a54b12a0a6d5647ab046d686da6fdffc90fc201d71a3n,
  0x29a6194691f91a73715209ef6512e576722830a201be2018a765e85a9ecee931n,
  0x2f684bda12f684bda12f684bda12f684bda12f684bda12f684bda12f38e38d84n,
].map(feFromBig) as [Fe, Fe, Fe, Fe];
const ISO_YD = [
  0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffff93bn,
  0x7a06534bb8bdb49fd5e9e6632722c2989467c1bfc8e8d978dfb425d2685c2573n,
  0x6484aa716545ca2cf3a70c3fa8fe337e0a3d21162f0d6299a7bf8192bfd2a76fn,
].map(feFromBig) as [Fe, Fe, Fe];

const SW = Array.from({ length: 10 }, feNew);
/**
 * Simplified SWU onto the isogenous curve E' (RFC 9380 §6.6.2, straight-line version of Appendix F.2 with the
 * q ≡ 3 mod 4 square-root ratio): returns x as the fraction xn/xd and y. Every step runs for every input; the
 * conditional moves are masked selections.
 */
function sswu(xn: Fe, xd: Fe, y: Fe, u: Fe): void {
  const [tv1, tv2, tv3, tv4, tv5, tv6, y1, y2, t, isq] = SW as [Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe];
  fsqr(tv1, u);
  fmul(tv1, SSWU_Z, tv1);
  fsqr(tv2, tv1);
  fadd(tv2, tv2, tv1);
  fadd(tv3, tv2, ONE);
  fmul(tv3, tv3, ISO_B);
  fsub(t, ZERO, tv2);
  fselect(tv4, t, SSWU_Z, feIsZero(tv2));
  fmul(tv4, ISO_A, tv4);
  fsqr(tv2, tv3);
  fsqr(tv6, tv4);
  fmul(tv5, ISO_A, tv6);
  fadd(tv2, tv2, tv5);
  fmul(tv2, tv2, tv3);
  fmul(tv6, tv6, tv4);
  fmul(tv5, tv6, ISO_B);
  fadd(tv2, tv2, tv5); // gx1 numerator; tv6 its denominator
  fmul(xn, tv1, tv3);
  // sqrt_ratio(tv2, tv6)
  fsqr(t, tv6);
  fmul(isq, tv2, tv6); // u·v
  fmul(t, t, isq); // u·v³
  fpowP34(y1, t);
  fmul(y1, y1, isq);
  fmul(y2, y1, SQRT_MINUS_Z);
  fsqr(t, y1);
  fmul(t, t, tv6);
  const isQR = feEq(t, tv2);
  fselect(y1, y2, y1, isQR);
  fmul(y, tv1, u);
  fmul(y, y, y1);
  fselect(xn, xn, tv3, isQR);
  fselect(y, y, y1, isQR);
  const e1 = +(feParity(u) === feParity(y));
  fsub(t, ZERO, y);
  fselect(y, t, y, e1);
  xd.set(tv4);
}

const IS = Array.from({ length: 12 }, feNew);
/**
 * The 3-isogeny applied to (xn/xd, y), written homogeneously so no inversion is needed, with the result in
 * Jacobian form: Z = xDen·yDen, X = xNum·xDen·yDen², Y = y·yNum·yDen²·xDen³.
 */
function isoMap(o: Jac, xn: Fe, xd: Fe, y: Fe): void {
  const [X2, X3, D2, D3, XD2, X2D, xN, xD, yN, yD, t, u] = IS as [Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe];
  fsqr(X2, xn);
  fmul(X3, X2, xn);
  fsqr(D2, xd);
  fmul(D3, D2, xd);
  fmul(XD2, xn, D2);
  fmul(X2D, X2, xd);
  // xNum = k13·X³ + k12·X²D + k11·XD² + k10·D³
  fmul(xN, ISO_XN[3], X3);
  fmul(t, ISO_XN[2], X2D);
  fadd(xN, xN, t);
  fmul(t, ISO_XN[1], XD2);
  fadd(xN, xN, t);
  fmul(t, ISO_XN[0], D3);
  fadd(xN, xN, t);
  // xDen = (X² + k21·XD + k20·D²)·D = X²D + k21·XD² + k20·D³
  fmul(xD, ISO_XD[1], XD2);
  fadd(xD, xD, X2D);
  fmul(t, ISO_XD[0], D3);
  fadd(xD, xD, t);
  // yNum = k33·X³ + k32·X²D + k31·XD² + k30·D³
  fmul(yN, ISO_YN[3], X3);
  fmul(t, ISO_YN[2], X2D);
  fadd(yN, yN, t);
  fmul(t, ISO_YN[1], XD2);
  fadd(yN, yN, t);
  fmul(t, ISO_YN[0], D3);
  fadd(yN, yN, t);
  // yDen = X³ + k42·X²D + k41·XD² + k40·D³
  fmul(yD, ISO_YD[2], X2D);
  fadd(yD, yD, X3);
  fmul(t, ISO_YD[1], XD2);
  fadd(yD, yD, t);
  fmul(t, ISO_YD[0], D3);
  fadd(yD, yD, t);
  fmul(o.z, xD, yD);
  fsqr(u, yD); // yDen²
  fmul(t, xN, xD);
  fmul(o.x, t, u);
  fsqr(t, xD);
  fmul(t, t, xD); // xDen³
  fmul(t, t, u);
  fmul(t, t, yN);
  fmul(o.y, t, y);
}

/**
 * RFC 9380 expand_message_xmd with SHA-256 to 96 bytes, reduced to the two field elements (u0, u1) of
 * hash_to_field (L = 48 bytes each). Written out because noble's generic version costs ~50 SHA-256 calls' time.
 */
export function hashToFieldPair(msg: Uint8Array, dst: Uint8Array, sha: Sha256): [bigint, bigint] {
  assertArg(dst.length <= 255, 'hashToFieldPair: DST longer than 255 bytes');
  const dstPrime = new Uint8Array(dst.length + 1);
  dstPrime.set(dst);
  dstPrime[dst.length] = dst.length;
  const m = new Uint8Array(64 + msg.length + 3 + dstPrime.length);
  m.set(msg, 64);
  m[64 + msg.length] = 0;
  m[64 + msg.length + 1] = 96; // I2OSP(96, 2)
  m[64 + msg.length + 2] = 0; // I2OSP(0, 1)
  m.set(dstPrime, 64 + msg.length + 3);
  const b0 = sha([m]);
  const blk = new Uint8Array(32 + 1 + dstPrime.length);
  blk.set(dstPrime, 33);
  const uniform = new Uint8Array(96);
  let prev: Uint8Array = new Uint8Array(32);
  for (let i = 1; i <= 3; i++) {
    for (let j = 0; j < 32; j++) blk[j] = (b0[j] as number) ^ (prev[j] as number); // b_0 ⊕ b_{i−1} (b_0 ⊕ 0 for i = 1)
    blk[32] = i;
    prev = sha([blk]);
    uniform.set(prev, 32 * (i - 1));
  }
  return [bytesToBigInt(uniform.subarray(0, 48)) % P_BIG, bytesToBigInt(uniform.subarray(48, 96)) % P_BIG];
}

const HX = [feNew(), feNew(), feNew(), feNew()];
const HQ = [jacNew(), jacNew()];
/**
 * RFC 9380 hash_to_curve of the raw message `msg` under the domain separation tag `dst`, into Jacobian point
 * `i` of `out` (stride 36). Public inputs only. Returns false, leaving `out` untouched, in the negligible
 * exceptional case (an isogeny pole or Q0 = ±Q1: probability ~2^-250) where the caller must use noble.
 */
export function hashMessageToCurvePublic(
  msg: Uint8Array,
  dst: Uint8Array,
  out: Float64Array,
  i: number,
  sha: Sha256 = nobleSha256,
): boolean {
  const [u0, u1] = hashToFieldPair(msg, dst, sha);
  const [xn, xd, y, u] = HX as [Fe, Fe, Fe, Fe];
  const [q0, q1] = HQ as [Jac, Jac];
  u.set(feFromBig(u0));
  sswu(xn, xd, y, u);
  isoMap(q0, xn, xd, y);
  u.set(feFromBig(u1));
  sswu(xn, xd, y, u);
  isoMap(q1, xn, xd, y);
  if (jadd(q0, q0, q1)) return false;
  storeJac(out, i, q0);
  return true;
}

/**
 * Hash to curve exactly as `hashToCurve(tagName, ...parts)` of common/hash.ts (RFC 9380 random-oracle
 * encoding of the framed parts, the tag as DST), into Jacobian point `i` of `out` (stride 36). Public inputs
 * only. The same operations run for every input except in cases of negligible probability, which take the
 * reference path.
 */
export function hashToCurvePublic(
  tagName: string,
  parts: Uint8Array[],
  out: Float64Array,
  i: number,
  sha: Sha256 = nobleSha256,
): void {
  if (!hashMessageToCurvePublic(frame('', parts), ascii(tagName), out, i, sha)) {
    storeJac(out, i, jacFromNoble(hashToCurve(tagName, ...parts)));
  }
}
