/**
 * BIP32 public (non-hardened) derivation for a threshold key: everything here is public data. The key's chain
 * code is made jointly at key generation (keygen.ts), so with the public key it forms an extended public key
 * (`xpub`) that anyone can derive child public keys from. A child key is the parent plus `t·G`, where the tweak
 * `t` is the sum of the steps' `I_L`; since adding `t` to every Shamir share adds `t` to the secret, signers
 * sign for a child key by adding `t` in the online round (online.ts) — nobody ever holds a child secret.
 *
 * Only non-hardened steps exist here: a hardened step hashes the secret key, which no party has.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToBigInt, concatBytes, u32be } from '../common/bytes.js';
import { CURVE_ORDER, encodePoint, modN, mulGPublic, normalizePoint, type Point } from '../common/curve.js';
import { ProtocolError } from '../common/errors.js';
import type { CurveBackend } from '../common/suite.js';

/** Length of a BIP32 chain code. */
export const CHAIN_CODE_BYTES = 32;
/** First hardened child number (2^31): a step at or above it is refused. */
export const HARDENED_OFFSET = 0x8000_0000;
/** Most steps of a derivation path (the session record carries at most this many). */
export const MAX_DERIVATION_DEPTH = 8;
/** BIP32 version bytes of a mainnet extended public key (`xpub…`). */
export const XPUB_VERSION = 0x0488_b21e;

/** A BIP32 extended public key. */
export interface ExtendedPublicKey {
  readonly publicKey: Point;
  readonly chainCode: Uint8Array;
  /** 0 for the key itself, +1 per step. */
  readonly depth: number;
  /** The first 4 bytes of HASH160 of the parent's compressed key (zero for the key itself). */
  readonly parentFingerprint: Uint8Array;
  /** The last step's child number (0 for the key itself). */
  readonly childNumber: number;
}

/** A derived child: its extended public key, and the tweak `t` with `child = parent + t·G`. */
export interface DerivedKey {
  readonly key: ExtendedPublicKey;
  readonly tweak: bigint;
  readonly path: readonly number[];
}

/** The extended public key of a key itself (depth 0), from its public key and chain code. */
export function rootKey(publicKey: Point, chainCode: Uint8Array): ExtendedPublicKey {
  if (chainCode.length !== CHAIN_CODE_BYTES) throw invalid(`a chain code is ${CHAIN_CODE_BYTES} bytes`);
  return { publicKey, chainCode, depth: 0, parentFingerprint: new Uint8Array(4), childNumber: 0 };
}

/**
 * Parses `m/0/5` (or `m` for the key itself) into its steps. Refuses a hardened step (`0'`, `0h`), a number
 * at or above 2^31, more than {@link MAX_DERIVATION_DEPTH} steps, and anything else that is not a path, with
 * `INVALID_ARGUMENT` naming the problem.
 */
export function parseDerivationPath(path: string): number[] {
  const parts = path.split('/');
  if (parts[0] !== 'm') throw invalid(`a derivation path starts with "m", like m/0/5; got ${JSON.stringify(path)}`);
  const steps = parts.slice(1).map((p) => {
    if (/^\d+['hH]$/.test(p)) {
      throw invalid(`hardened step ${p} in ${path}: a threshold key derives non-hardened children only`);
    }
    if (!/^\d{1,10}$/.test(p)) throw invalid(`step ${JSON.stringify(p)} of ${path} is not a number`);
    const n = Number(p);
    if (n >= HARDENED_OFFSET) throw invalid(`step ${p} of ${path} is hardened (≥ 2^31): only non-hardened steps`);
    return n;
  });
  checkPath(steps);
  return steps;
}

/** Formats steps as `m/0/5`. */
export function formatDerivationPath(steps: readonly number[]): string {
  return ['m', ...steps.map(String)].join('/');
}

/** Throws `INVALID_ARGUMENT` unless `steps` is a path this module derives: 0..8 non-hardened child numbers. */
export function checkPath(steps: readonly number[]): void {
  if (steps.length > MAX_DERIVATION_DEPTH) {
    throw invalid(`a derivation path has at most ${MAX_DERIVATION_DEPTH} steps, got ${steps.length}`);
  }
  for (const s of steps) {
    if (!Number.isInteger(s) || s < 0 || s >= HARDENED_OFFSET) throw invalid(`step ${s} is not a non-hardened index`);
  }
}

/**
 * BIP32 CKDpub for one step: `I = HMAC-SHA512(c, ser_P(K) ‖ ser_32(i))`, child `K + I_L·G`, chain code `I_R`.
 * An `I_L ≥ n` or an identity child (probability below 2^-127) is `DERIVATION_INVALID`: BIP32 says to use the
 * next index, which the caller decides.
 */
export function deriveChild(curve: CurveBackend, parent: ExtendedPublicKey, index: number): DerivedKey {
  checkPath([index]);
  const parentBytes = encodePoint(parent.publicKey);
  const I = hmac(sha512, parent.chainCode, concatBytes(parentBytes, u32be(index)));
  const tweak = bytesToBigInt(I.subarray(0, 32));
  if (tweak >= CURVE_ORDER) throw new ProtocolError('DERIVATION_INVALID', `child ${index} is invalid (I_L ≥ n)`);
  const child = parent.publicKey.add(mulGPublic(curve, tweak));
  if (child.is0()) throw new ProtocolError('DERIVATION_INVALID', `child ${index} is the identity`);
  const key: ExtendedPublicKey = {
    publicKey: normalizePoint(child),
    chainCode: I.slice(32),
    depth: parent.depth + 1,
    parentFingerprint: fingerprint(parentBytes),
    childNumber: index,
  };
  return { key, tweak, path: [index] };
}

/** Derives `steps` from `root`: the child's extended key and the total tweak (the sum of every step's `I_L`). */
export function derivePath(curve: CurveBackend, root: ExtendedPublicKey, steps: readonly number[]): DerivedKey {
  checkPath(steps);
  let key = root;
  let tweak = 0n;
  for (const s of steps) {
    const d = deriveChild(curve, key, s);
    key = d.key;
    tweak = modN(tweak + d.tweak);
  }
  return { key, tweak, path: [...steps] };
}

/** The BIP32 serialisation of an extended public key, Base58Check with mainnet `xpub` version bytes. */
export function encodeXpub(k: ExtendedPublicKey): string {
  if (k.depth > 255) throw invalid('depth above 255');
  const payload = concatBytes(
    u32be(XPUB_VERSION),
    Uint8Array.of(k.depth),
    k.parentFingerprint,
    u32be(k.childNumber),
    k.chainCode,
    encodePoint(k.publicKey),
  );
  return base58(concatBytes(payload, sha256(sha256(payload)).subarray(0, 4)));
}

/** The first 4 bytes of HASH160 (RIPEMD-160 of SHA-256) of a compressed key. */
function fingerprint(compressed: Uint8Array): Uint8Array {
  return ripemd160(sha256(compressed)).slice(0, 4);
}

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Base58 (Bitcoin alphabet) of public bytes: one leading '1' per leading zero byte. */
function base58(bytes: Uint8Array): string {
  let x = bytesToBigInt(bytes);
  let out = '';
  while (x > 0n) {
    out = ALPHABET[Number(x % 58n)] + out;
    x /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

function invalid(message: string): ProtocolError {
  return new ProtocolError('INVALID_ARGUMENT', message);
}
