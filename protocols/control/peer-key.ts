/**
 * libp2p Ed25519 identities: peer id ⇄ public key, and domain-separated signatures by a peer's key.
 *
 * A peer id (binary form) of an Ed25519 key is the identity multihash of the protobuf-encoded public key:
 * `00 24 08 01 12 20 ‖ pk(32)`. Every signature here is an Ed25519 signature over
 * `taggedHash(tag('session/<domain>'), payload)`, so a signature made for one message type is never valid for
 * another. Because the signed message is that 32-byte digest, a node may also sign with its libp2p key object
 * (`privateKey.sign(signingDigest(domain, payload))`) instead of handing the seed to {@link signAs}.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { concatBytes, equalBytes, toHex } from '../common/bytes.js';
import { DecodeError } from '../common/errors.js';
import { tag, taggedHash } from '../common/hash.js';
import { ControlError } from './errors.js';
import { SIGNATURE_BYTES } from './wire.js';

/** Multihash identity code, digest length 36, protobuf {Type: Ed25519 (1), Data: 32 bytes}. */
const PEER_ID_PREFIX = Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20);
/** Peer ids already checked (decoding a point costs a square root), by hex; cleared when full. */
const validated = new Map<string, Uint8Array>();
const MAX_VALIDATED = 4096;

/** Length of an Ed25519 public key and of its secret seed. */
export const ED25519_KEY_BYTES = 32;
/** Length of the binary peer id of an Ed25519 key. */
export const ED25519_PEER_ID_BYTES = PEER_ID_PREFIX.length + ED25519_KEY_BYTES;

/** What a signature is for; each has its own hash tag. The strings are part of the wire format. */
export type SignatureDomain = 'record' | 'result' | 'decision';

/**
 * The Ed25519 public key inside a binary peer id. Strict: anything but the 38-byte identity multihash of an
 * Ed25519 key whose bytes decode to a curve point throws {@link DecodeError}.
 */
export function ed25519PublicKeyFromPeerId(peerIdBytes: Uint8Array): Uint8Array {
  const memo = peerIdBytes instanceof Uint8Array ? validated.get(toHex(peerIdBytes)) : undefined;
  if (memo) return memo.slice();
  if (!(peerIdBytes instanceof Uint8Array) || peerIdBytes.length !== ED25519_PEER_ID_BYTES) {
    throw new DecodeError(`peer id: expected ${ED25519_PEER_ID_BYTES} bytes of an Ed25519 identity multihash`);
  }
  if (!equalBytes(peerIdBytes.subarray(0, PEER_ID_PREFIX.length), PEER_ID_PREFIX)) {
    throw new DecodeError('peer id: not the identity multihash of an Ed25519 public key');
  }
  const pub = peerIdBytes.slice(PEER_ID_PREFIX.length);
  try {
    ed25519.Point.fromBytes(pub);
  } catch {
    throw new DecodeError('peer id: public key is not a valid Ed25519 point');
  }
  if (validated.size >= MAX_VALIDATED) validated.clear();
  validated.set(toHex(peerIdBytes), pub.slice());
  return pub;
}

/** The binary peer id of an Ed25519 public key (32 bytes). */
export function peerIdFromEd25519PublicKey(pub: Uint8Array): Uint8Array {
  if (!(pub instanceof Uint8Array) || pub.length !== ED25519_KEY_BYTES) {
    throw new ControlError('INVALID_ARGUMENT', 'Ed25519 public key must be 32 bytes');
  }
  return concatBytes(PEER_ID_PREFIX, pub);
}

/** The binary peer id of the key with this 32-byte secret seed. */
export function peerIdFromSecretKey(secretKey: Uint8Array): Uint8Array {
  return peerIdFromEd25519PublicKey(ed25519.getPublicKey(checkSecretKey(secretKey)));
}

/**
 * An Ed25519 implementation. The default is noble's (pure, as protocols/ must be); a node may inject a faster
 * one (OpenSSL through `node:crypto`) — Ed25519 signing is deterministic, so both give the same signatures.
 */
export interface Ed25519 {
  /** The 64-byte signature of `message` by the key with this 32-byte secret seed. */
  sign(message: Uint8Array, seed: Uint8Array): Uint8Array;
  /** True when `signature` is valid for `message` under the 32-byte `publicKey`; never throws. */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

/** noble's Ed25519, with strict RFC 8032 verification (no ZIP-215 leniency). */
export const nobleEd25519: Ed25519 = {
  sign: (message, seed) => ed25519.sign(message, seed),
  verify: (signature, message, publicKey) => {
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
};

/** The 32-byte digest that is actually signed for `payload` in `domain`. */
export function signingDigest(domain: SignatureDomain, payload: Uint8Array): Uint8Array {
  return taggedHash(tag(`session/${domain}`), payload);
}

/** Signs `payload` for `domain` with a 32-byte Ed25519 secret seed; returns the 64-byte signature. */
export function signAs(
  domain: SignatureDomain,
  payload: Uint8Array,
  secretKey: Uint8Array,
  impl: Ed25519 = nobleEd25519,
): Uint8Array {
  return impl.sign(signingDigest(domain, payload), checkSecretKey(secretKey));
}

/**
 * True when `signature` is a valid signature of `payload` for `domain` by the key of `peerId` (strict RFC 8032
 * verification, no ZIP-215 leniency). Never throws on peer data; a `peerId` that is not an Ed25519 peer id
 * throws {@link ControlError} `BAD_PEER_ID`.
 */
export function verifyAs(
  domain: SignatureDomain,
  payload: Uint8Array,
  signature: Uint8Array,
  peerId: Uint8Array,
  impl: Ed25519 = nobleEd25519,
): boolean {
  const pub = publicKeyOrThrow(peerId);
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return false;
  return impl.verify(signature, signingDigest(domain, payload), pub);
}

/** {@link ed25519PublicKeyFromPeerId}, reporting failure as {@link ControlError} `BAD_PEER_ID`. */
export function publicKeyOrThrow(peerId: Uint8Array): Uint8Array {
  try {
    return ed25519PublicKeyFromPeerId(peerId);
  } catch (e) {
    throw new ControlError('BAD_PEER_ID', (e as Error).message, { cause: e });
  }
}

function checkSecretKey(secretKey: Uint8Array): Uint8Array {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== ED25519_KEY_BYTES) {
    throw new ControlError('INVALID_ARGUMENT', 'Ed25519 secret key must be a 32-byte seed');
  }
  return secretKey;
}
