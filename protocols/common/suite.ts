/**
 * What a protocol run gets from its host: randomness and, optionally, faster implementations of heavy
 * primitives. `protocols/` never reaches for global state; the node passes `crypto.getRandomValues` and
 * `node:crypto` hashes, tests pass a seeded generator (reproducible transcripts).
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/** Fills and returns a fresh array of `length` random bytes. */
export type Rng = (length: number) => Uint8Array;

/** A SHA-256 over one whole message. */
export type Sha256 = (message: Uint8Array) => Uint8Array;

/** The injected environment of a protocol run. */
export interface Suite {
  /** Cryptographically secure randomness (production: `crypto.getRandomValues`). */
  readonly rng: Rng;
  /** SHA-256 for bulk inputs (transcripts, OT messages); must give the same bytes as FIPS 180-4 SHA-256. */
  readonly sha256: Sha256;
}

/** A suite with the given randomness and the pure-TS SHA-256 of `@noble/hashes`. */
export function makeSuite(rng: Rng, sha256: Sha256 = nobleSha256): Suite {
  return { rng, sha256 };
}
