/**
 * Pair states between test nodes 1..7, made once by real pair setup (seeded, so reproducible) and committed
 * under test/vectors/, because pair setup costs seconds per node pair and one set serves every key.
 * `npm run fixtures` regenerates the file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeSuite } from '../../protocols/common/suite.js';
import { runPairSetupInMemory } from '../../protocols/dkls23/pair-setup.js';
import { decodePairState, encodePairState, type PairState } from '../../protocols/dkls23/pair-state.js';
import { testCurve } from './curve.js';
import { nodeId } from './ids.js';
import { seededRng } from './rng.js';

/** Nodes covered by the fixture. */
export const FIXTURE_NODES = 7;
/** Path of the committed fixture. */
export const FIXTURE_PATH = fileURLToPath(new URL('../vectors/pair-states-7.bin', import.meta.url));

/** Pair states: `states.get(a)?.get(b)` is node a's state with node b. */
export type PairTable = Map<number, Map<number, PairState>>;

let cache: PairTable | undefined;

/** Runs real pair setups for every pair of nodes 1..`nodes` and encodes them (a's then b's, a < b). */
export function generatePairFixture(nodes = FIXTURE_NODES, log?: (line: string) => void): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let a = 1; a <= nodes; a++) {
    for (let b = a + 1; b <= nodes; b++) {
      const t0 = performance.now();
      const r = runPairSetupInMemory(
        nodeId(a),
        nodeId(b),
        makeSuite(seededRng(`pair-fixture/${a}-${b}/a`), testCurve()),
        makeSuite(seededRng(`pair-fixture/${a}-${b}/b`), testCurve()),
      );
      log?.(`pair ${a}-${b}: ${(performance.now() - t0).toFixed(0)} ms`);
      for (const s of [r.a, r.b]) {
        const enc = encodePairState(s);
        const len = new Uint8Array(4);
        new DataView(len.buffer).setUint32(0, enc.length);
        parts.push(len, enc);
      }
    }
  }
  const total = parts.reduce((n, p) => n + p.length, 1);
  const out = new Uint8Array(total);
  out[0] = nodes;
  let off = 1;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function parseFixture(bytes: Uint8Array): PairTable {
  const nodes = bytes[0] as number;
  const table: PairTable = new Map();
  const put = (x: number, y: number, s: PairState) => {
    const row = table.get(x) ?? new Map<number, PairState>();
    table.set(x, row);
    row.set(y, s);
  };
  let off = 1;
  const next = () => {
    const len = new DataView(bytes.buffer, bytes.byteOffset + off, 4).getUint32(0);
    const s = decodePairState(bytes.subarray(off + 4, off + 4 + len));
    off += 4 + len;
    return s;
  };
  for (let a = 1; a <= nodes; a++) {
    for (let b = a + 1; b <= nodes; b++) {
      put(a, b, next());
      put(b, a, next());
    }
  }
  return table;
}

/** The committed pair states (generated and written on first use if the file is missing). */
export function pairTable(): PairTable {
  if (cache) return cache;
  if (!existsSync(FIXTURE_PATH)) writeFileSync(FIXTURE_PATH, generatePairFixture());
  cache = parseFixture(new Uint8Array(readFileSync(FIXTURE_PATH)));
  return cache;
}

/** Node `self`'s pair states with each other signer, keyed by signer index (= node number in tests). */
export function pairsOf(self: number, signers: readonly number[]): Map<number, PairState> {
  const row = pairTable().get(self);
  const out = new Map<number, PairState>();
  for (const j of signers) if (j !== self) out.set(j, row?.get(j) as PairState);
  return out;
}
