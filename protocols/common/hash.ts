/**
 * Domain-separated hashing. Every input is length-framed (8-byte big-endian length before each field), so no
 * two different field lists hash the same bytes (the TSSHOCK "c-split" mistake), and every use has its own tag.
 */
import { secp256k1_hasher } from '@noble/curves/secp256k1.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { ascii, bytesToBigInt, concatBytes, u64be } from './bytes.js';
import { CURVE_ORDER, type Point } from './curve.js';
import type { Sha256 } from './suite.js';

/** The full tag of one use: `mpc/dkls23/<purpose>/v1`. */
export function tag(purpose: string): string {
  return `mpc/dkls23/${purpose}/v1`;
}

/** The pieces of {@link frame}, not concatenated. */
function framePieces(tagName: string, parts: readonly Uint8Array[]): Uint8Array[] {
  const t = ascii(tagName);
  const pieces: Uint8Array[] = [u64be(t.length), t];
  for (const p of parts) pieces.push(u64be(p.length), p);
  return pieces;
}

/** `len(tag) ‖ tag ‖ len(x1) ‖ x1 ‖ …` with 8-byte big-endian lengths. */
export function frame(tagName: string, parts: readonly Uint8Array[]): Uint8Array {
  return concatBytes(...framePieces(tagName, parts));
}

/** `H(tag, x1, …, xk)`: SHA-256 of the framed input (32 bytes). */
export function taggedHash(tagName: string, ...parts: Uint8Array[]): Uint8Array {
  return sha256(frame(tagName, parts));
}

/**
 * `H(tag, …)` with an injected SHA-256 (for bulk inputs, where `node:crypto` is much faster); the framed input
 * is hashed piece by piece, never copied.
 */
export function taggedHashWith(sha: Sha256, tagName: string, ...parts: Uint8Array[]): Uint8Array {
  return sha(framePieces(tagName, parts));
}

/** Hash to a scalar: SHA-512 of the framed input (64 bytes) reduced mod n (bias below 2^-256). */
export function hashToScalar(tagName: string, ...parts: Uint8Array[]): bigint {
  return bytesToBigInt(sha512(frame(tagName, parts))) % CURVE_ORDER;
}

/**
 * Hash to curve, RFC 9380 `secp256k1_XMD:SHA-256_SSWU_RO_` with the tag as domain separation tag. Its discrete
 * logarithm is unknown to everyone, unlike `hash·G`.
 */
export function hashToCurve(tagName: string, ...parts: Uint8Array[]): Point {
  return secp256k1_hasher.hashToCurve(frame('', parts), { DST: tagName }) as Point;
}
