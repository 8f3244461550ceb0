/** Deterministic randomness for tests: a SHA-256 counter-mode stream from a seed, so transcripts reproduce. */
import { sha256 } from '@noble/hashes/sha2.js';
import type { Rng } from '../../protocols/common/suite.js';

/** A seeded generator: the same seed always yields the same byte stream. */
export function seededRng(seed: string): Rng {
  const key = sha256(new TextEncoder().encode(seed));
  let counter = 0;
  let pool = new Uint8Array(0);
  let off = 0;
  return (length: number) => {
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      if (off === pool.length) {
        const block = new Uint8Array(36);
        block.set(key);
        new DataView(block.buffer).setUint32(32, counter++);
        pool = sha256(block);
        off = 0;
      }
      const take = Math.min(length - filled, pool.length - off);
      out.set(pool.subarray(off, off + take), filled);
      filled += take;
      off += take;
    }
    return out;
  };
}

/** Production-like randomness (`crypto.getRandomValues`). */
export function systemRng(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let off = 0; off < length; off += 65536)
    crypto.getRandomValues(out.subarray(off, Math.min(length, off + 65536)));
  return out;
}
