/**
 * Ethereum-facing formats of keys and signatures, computed with libsecp256k1's own public-key recovery and point
 * encoding — not with the threshold code — so the coordinator's check of every signature before release is
 * independent of the engine that made it. libsecp256k1 rather than noble because the check is on every signing's
 * critical path: recovery takes 0.065 ms here in the native addon (used where it loads), 0.26 ms in the
 * WebAssembly build (tiny-secp256k1, everywhere else), 1.2 ms in noble.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import * as ecc from 'tiny-secp256k1';
import { bigIntToBytes } from '../../protocols/common/bytes.js';
import { CURVE_ORDER } from '../../protocols/common/curve.js';
import { loadNativeAddon } from '../../src/runtime/curve-backend.js';
import type { SignatureView } from '../service.js';

/** libsecp256k1's public-key recovery: the native addon's where it loads, else the WebAssembly build's. */
const recoverKey: (hash: Uint8Array, compact: Uint8Array, recovery: 0 | 1) => Uint8Array | null = (() => {
  try {
    const { addon } = loadNativeAddon();
    return (hash, compact, recovery) => {
      const out = new Uint8Array(33);
      return addon.ecdsaRecover(out, compact, recovery, hash) === 0 ? out : null;
    };
  } catch {
    return (hash, compact, recovery) => ecc.recover(hash, compact, recovery, true);
  }
})();

/** EIP-55 checksummed address of a compressed or uncompressed secp256k1 public key. */
export function ethereumAddress(publicKey: Uint8Array): string {
  const uncompressed = ecc.pointCompress(publicKey, false);
  const lower = bytesToHex(keccak_256(uncompressed.subarray(1)).subarray(12));
  const digest = bytesToHex(keccak_256(new TextEncoder().encode(lower)));
  let out = '0x';
  for (let i = 0; i < lower.length; i++) {
    const c = lower[i] as string;
    out += Number.parseInt(digest[i] as string, 16) >= 8 ? c.toUpperCase() : c;
  }
  return out;
}

const hex32 = (v: bigint) => v.toString(16).padStart(64, '0');

/** Keys checked against most recently: their compressed form (hex) and address, by the bytes given (hex). */
const known = new Map<string, { compressed: string; address: string }>();
const MAX_KNOWN = 1024;

/**
 * The compressed form and address of `publicKey`, remembered: a signing checks against its account's key (or one
 * of its children) again and again, and each costs a point decompression.
 */
function keyForms(publicKey: Uint8Array): { compressed: string; address: string } {
  const id = bytesToHex(publicKey);
  let forms = known.get(id);
  if (!forms) {
    forms = { compressed: bytesToHex(ecc.pointCompress(publicKey, true)), address: ethereumAddress(publicKey) };
    if (known.size >= MAX_KNOWN) known.delete(known.keys().next().value as string);
    known.set(id, forms);
  }
  return forms;
}

/**
 * Checks a signature over the 32-byte `hash` the way Ethereum will: low s, verifies under `publicKey`, and the
 * recovery id recovers exactly that key. Returns the API view, or a reason it must not be released.
 */
export function checkSignature(
  sig: { r: bigint; s: bigint; recovery: number },
  hash: Uint8Array,
  publicKey: Uint8Array,
  ids: { accountId: string; sessionId: string; derivationPath?: string },
): { ok: true; view: SignatureView } | { ok: false; reason: string } {
  if (sig.recovery > 1) return { ok: false, reason: 'recovery id above 1 cannot be expressed as v = 27|28' };
  if (sig.s > CURVE_ORDER >> 1n) return { ok: false, reason: 's is not low' };
  // Recovery is verification: Q = r⁻¹(s·R − e·G) equals the account key exactly when s·R = e·G + r·Q, i.e.
  // when (r, s) verifies under that key, with R the point of x-coordinate r and the recovery id's parity.
  let recovered: Uint8Array | null = null;
  try {
    const compact = new Uint8Array(64);
    compact.set(bigIntToBytes(sig.r, 32), 0);
    compact.set(bigIntToBytes(sig.s, 32), 32);
    recovered = recoverKey(hash, compact, sig.recovery as 0 | 1);
  } catch {
    recovered = null; // r or s out of range
  }
  if (recovered === null) return { ok: false, reason: 'no public key recovers from the signature' };
  const { compressed, address } = keyForms(publicKey);
  if (bytesToHex(recovered) !== compressed) {
    return { ok: false, reason: 'the signature does not verify under the account key with its recovery id' };
  }
  const v = (27 + sig.recovery) as 27 | 28;
  const r = hex32(sig.r);
  const sHex = hex32(sig.s);
  return {
    ok: true,
    view: {
      accountId: ids.accountId,
      sessionId: ids.sessionId,
      messageHash: `0x${bytesToHex(hash)}`,
      signature: { r: `0x${r}`, s: `0x${sHex}`, v, recoveryId: sig.recovery as 0 | 1 },
      signatureHex: `0x${r}${sHex}${v.toString(16)}`,
      derivationPath: ids.derivationPath ?? 'm',
      publicKey: `0x${compressed}`,
      address,
      presigned: false,
    },
  };
}
