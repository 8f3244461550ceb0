/** Mutation fuzzing of decoders: random inputs and mutations of a valid message, reproducible from a seed. */
import { DecodeError } from '../../protocols/common/errors.js';
import type { Rng } from '../../protocols/common/suite.js';

/** Counts of one fuzz campaign. */
export interface FuzzStats {
  inputs: number;
  accepted: number;
  rejected: number;
}

function randInt(rng: Rng, below: number): number {
  if (below <= 1) return 0;
  const b = rng(4);
  return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) % below;
}

function join(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** One mutated input derived from `valid` (or plain random bytes). */
export function mutate(valid: Uint8Array, rng: Rng): Uint8Array {
  const len = valid.length;
  switch (randInt(rng, 8)) {
    case 0:
      return rng(randInt(rng, len + 65));
    case 1:
      return valid.slice(0, randInt(rng, len));
    case 2:
      return join(valid, rng(1 + randInt(rng, 64)));
    case 3: {
      const out = valid.slice();
      const flips = 1 + randInt(rng, 4);
      for (let k = 0; k < flips && len > 0; k++) {
        const bit = randInt(rng, len * 8);
        out[bit >> 3] = out[bit >> 3]! ^ (1 << (bit & 7));
      }
      return out;
    }
    case 4: {
      const out = valid.slice();
      const at = randInt(rng, len);
      out.set(rng(Math.min(33, len - at)), at);
      return out;
    }
    case 5: {
      const out = valid.slice();
      if (len > 0) out[randInt(rng, len)] = randInt(rng, 2) === 0 ? 0x00 : 0xff;
      return out;
    }
    case 6: {
      const at = randInt(rng, len + 1);
      return join(valid.subarray(0, at), Uint8Array.of(randInt(rng, 256)), valid.subarray(at));
    }
    default: {
      const at = randInt(rng, len);
      return join(valid.subarray(0, at), valid.subarray(at + 1));
    }
  }
}

/**
 * Feeds `count` mutated inputs to `decode`; every input must either decode or throw {@link DecodeError}.
 * Any other exception is a crash and is rethrown with the offending input.
 */
export function fuzzDecoder(
  valid: Uint8Array,
  decode: (bytes: Uint8Array) => unknown,
  rng: Rng,
  count = 10_000,
): FuzzStats {
  const stats: FuzzStats = { inputs: 0, accepted: 0, rejected: 0 };
  for (let k = 0; k < count; k++) {
    const input = mutate(valid, rng);
    stats.inputs++;
    try {
      decode(input);
      stats.accepted++;
    } catch (e) {
      if (!(e instanceof DecodeError)) {
        throw new Error(`decoder crashed on input ${Buffer.from(input).toString('hex').slice(0, 200)}…: ${String(e)}`);
      }
      stats.rejected++;
    }
  }
  return stats;
}
