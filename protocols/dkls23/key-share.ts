/**
 * The key share a party stores after key generation (encrypted by the node), with a versioned binary format.
 * A few hundred bytes to a few KB: it carries no OT state (that belongs to node pairs, see pair-state.ts).
 */
import { decodeAll, type Reader, Writer } from '../common/codec.js';
import { IDENTITY, lagrangeAt, mulGSecret, mulPublic, type Point } from '../common/curve.js';
import { DecodeError } from '../common/errors.js';
import type { CurveBackend } from '../common/suite.js';
import { CHAIN_CODE_BYTES } from './derive.js';

/** Current key-share format version (2: with the key's chain code). */
export const KEY_SHARE_VERSION = 2;
/** The first version, without a chain code, which still decodes (such a key derives no children). */
export const KEY_SHARE_VERSION_WITHOUT_CHAIN_CODE = 1;
/** Largest supported number of parties. */
export const MAX_PARTIES = 16;
/** Longest key id, in bytes. */
export const MAX_KEY_ID_BYTES = 64;
/** Longest node id, in bytes (libp2p peer ids are 38–42 bytes). */
export const MAX_NODE_ID_BYTES = 128;

/** One party's share of a threshold key. */
export interface KeyShare {
  /** Identifier the coordinator gave the key. */
  readonly keyId: Uint8Array;
  /** Number of parties N. */
  readonly n: number;
  /** Parties needed to sign (polynomial degree threshold − 1). */
  readonly threshold: number;
  /** This party's index, 1..N. */
  readonly index: number;
  /** Node ids of parties 1..N (element k is party k + 1). */
  readonly nodeIds: readonly Uint8Array[];
  /** The aggregate public key PK. */
  readonly publicKey: Point;
  /** This party's Shamir share s_i (secret). */
  readonly secretShare: bigint;
  /** S_j = s_j·G for parties 1..N (element k is party k + 1). */
  readonly publicShares: readonly Point[];
  /** The key-generation session id (binds every signing to this key). */
  readonly ksid: Uint8Array;
  /** Zero-share seed shared with each other party (element k is party k + 1; own entry is empty). */
  readonly zeroSeeds: readonly Uint8Array[];
  /**
   * The key's BIP32 chain code (public, 32 bytes), made jointly at key generation and kept by a reshare; absent
   * in shares of keys made before chain codes existed.
   */
  readonly chainCode?: Uint8Array;
}

/**
 * Serialises a key share: version 2 (`version ‖ … ‖ zero seeds ‖ chainCode(32)`) when it has a chain code,
 * else version 1 (the same without it).
 */
export function encodeKeyShare(k: KeyShare): Uint8Array {
  const version = k.chainCode ? KEY_SHARE_VERSION : KEY_SHARE_VERSION_WITHOUT_CHAIN_CODE;
  const w = new Writer().u8(version).varBytes(k.keyId).u8(k.n).u8(k.threshold).u8(k.index);
  for (const id of k.nodeIds) w.varBytes(id);
  w.point(k.publicKey).scalar(k.secretShare);
  for (const S of k.publicShares) w.point(S);
  w.bytes(k.ksid);
  for (let j = 1; j <= k.n; j++) if (j !== k.index) w.bytes(k.zeroSeeds[j - 1] as Uint8Array);
  if (k.chainCode) w.bytes(k.chainCode);
  return w.finish();
}

/**
 * Whether the public shares S_1..S_N lie on one polynomial of degree threshold − 1 whose value at 0 is the
 * public key: S_j and PK must equal the interpolation of S_1..S_threshold at j and at 0 (public data).
 */
export function publicSharesConsistent(
  curve: CurveBackend,
  publicKey: Point,
  publicShares: readonly Point[],
  threshold: number,
): boolean {
  const base = Array.from({ length: threshold }, (_, k) => k + 1);
  const at = (x: number) => {
    let acc = IDENTITY;
    for (const i of base) acc = acc.add(mulPublic(curve, publicShares[i - 1] as Point, lagrangeAt(i, base, BigInt(x))));
    return acc;
  };
  if (!at(0).equals(publicKey)) return false;
  for (let j = threshold + 1; j <= publicShares.length; j++)
    if (!at(j).equals(publicShares[j - 1] as Point)) return false;
  return true;
}

/**
 * Parses and validates a key share; throws {@link DecodeError} for anything malformed or inconsistent: the
 * secret share must match its public share (checked with `curve`'s constant-time multiplication) and the
 * public shares must interpolate to the public key.
 */
export function decodeKeyShare(bytes: Uint8Array, curve: CurveBackend): KeyShare {
  return decodeAll(bytes, (r: Reader) => {
    const version = r.u8();
    if (version !== KEY_SHARE_VERSION && version !== KEY_SHARE_VERSION_WITHOUT_CHAIN_CODE) {
      throw new DecodeError(`key share: unsupported version ${version}`);
    }
    const keyId = r.varBytes(MAX_KEY_ID_BYTES);
    const n = r.u8();
    const threshold = r.u8();
    const index = r.u8();
    if (n < 2 || n > MAX_PARTIES) throw new DecodeError(`key share: n = ${n} out of range`);
    if (threshold < 2 || threshold > n) throw new DecodeError(`key share: threshold = ${threshold} out of range`);
    if (index < 1 || index > n) throw new DecodeError(`key share: index = ${index} out of range`);
    const nodeIds: Uint8Array[] = [];
    for (let j = 0; j < n; j++) nodeIds.push(r.varBytes(MAX_NODE_ID_BYTES));
    const publicKey = r.point();
    const secretShare = r.scalar({ nonZero: true });
    const publicShares: Point[] = [];
    for (let j = 0; j < n; j++) publicShares.push(r.point());
    const ksid = r.copy(32);
    const zeroSeeds: Uint8Array[] = [];
    for (let j = 1; j <= n; j++) zeroSeeds.push(j === index ? new Uint8Array(0) : r.copy(32));
    const chainCode = version === KEY_SHARE_VERSION ? r.copy(CHAIN_CODE_BYTES) : undefined;
    if (!mulGSecret(curve, secretShare).equals(publicShares[index - 1] as Point)) {
      throw new DecodeError('key share: secret share does not match its public share');
    }
    if (!publicSharesConsistent(curve, publicKey, publicShares, threshold)) {
      throw new DecodeError('key share: the public shares do not interpolate to the public key');
    }
    const share = { keyId, n, threshold, index, nodeIds, publicKey, secretShare, publicShares, ksid, zeroSeeds };
    return chainCode ? { ...share, chainCode } : share;
  });
}
