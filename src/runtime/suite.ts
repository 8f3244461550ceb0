/**
 * The protocol suite a party node passes to `protocols/`: system randomness, `node:crypto`'s SHA-256 (the
 * CPU's SHA extensions, an order of magnitude faster than pure TS on large inputs) and the process's
 * libsecp256k1 backend (curve-backend.ts: native addon or WebAssembly, chosen once at start-up).
 */
import { createHash, getRandomValues } from 'node:crypto';
import { makeSuite, type Rng, type Suite } from '../../protocols/common/suite.js';
import { curveBackend } from './curve-backend.js';

/** `crypto.getRandomValues` in chunks of 64 KiB (its per-call limit). */
export const systemRng: Rng = (length: number) => {
  const out = new Uint8Array(length);
  for (let off = 0; off < length; off += 65536) getRandomValues(out.subarray(off, Math.min(length, off + 65536)));
  return out;
};

/** SHA-256 of the concatenated `parts` by `node:crypto`. */
export function nodeSha256(parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** The production suite; `rng` may be replaced (tests pass a seeded one to compare transcripts). */
export function nodeSuite(rng: Rng = systemRng): Suite {
  return makeSuite(rng, curveBackend(), nodeSha256);
}
