/**
 * Ed25519 through `node:crypto` (OpenSSL) for the control messages: ~20x faster than the pure default, which
 * matters because every session costs a party one record check and one result signature, and the coordinator a record signature and a check of each result. Same signatures as
 * noble (Ed25519 is deterministic); OpenSSL verification rejects a non-canonical s, as RFC 8032 asks.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import type { Ed25519 } from '../../protocols/control/peer-key.js';

// DER prefixes of a PKCS#8 Ed25519 private key and an SPKI Ed25519 public key; the 32 key bytes follow.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const MAX_CACHED = 256;

function cached(cache: Map<string, KeyObject>, bytes: Uint8Array, make: (b: Buffer) => KeyObject): KeyObject {
  const id = Buffer.from(bytes).toString('hex');
  let key = cache.get(id);
  if (!key) {
    if (cache.size >= MAX_CACHED) cache.clear();
    key = make(Buffer.from(bytes));
    cache.set(id, key);
  }
  return key;
}

/** Ed25519 on OpenSSL, with small caches of key objects (a node talks to few peers). */
export function nodeEd25519(): Ed25519 {
  const privates = new Map<string, KeyObject>();
  const publics = new Map<string, KeyObject>();
  return {
    sign(message, seed) {
      const key = cached(privates, seed, (b) =>
        createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, b]), format: 'der', type: 'pkcs8' }),
      );
      return new Uint8Array(sign(null, message, key));
    },
    verify(signature, message, publicKey) {
      try {
        const key = cached(publics, publicKey, (b) =>
          createPublicKey({ key: Buffer.concat([SPKI_PREFIX, b]), format: 'der', type: 'spki' }),
        );
        return signature.length === 64 && verify(null, message, key, signature);
      } catch {
        return false;
      }
    },
  };
}
