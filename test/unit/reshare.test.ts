/**
 * Refresh and reshare (protocols/dkls23/reshare.ts) as pure runs: the public key stays, the shares change, the
 * new shares sign, an old share and a new one cannot sign together, and every check fails with its code and
 * culprit when a party cheats.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes } from '../../protocols/common/bytes.js';
import { G, lagrangeAtZero, modN } from '../../protocols/common/curve.js';
import { ProtocolError } from '../../protocols/common/errors.js';
import { makeSuite } from '../../protocols/common/suite.js';
import { decodeKeyShare, encodeKeyShare, type KeyShare } from '../../protocols/dkls23/key-share.js';
import { type ReshareConfig, type ReshareParty, ReshareRun } from '../../protocols/dkls23/reshare.js';
import { testCurve } from '../helpers/curve.js';
import { pairTable } from '../helpers/fixture.js';
import { type Envelope, NetworkFailure, type TamperResult } from '../helpers/network.js';
import { keygen, nodeId, reshare, sign } from '../helpers/parties.js';
import { seededRng } from '../helpers/rng.js';

/** The fixture's pair state of node `a` with node `b`. */
const pairState = (a: number, b: number) => pairTable().get(a)!.get(b)!;
const hash = sha256(new TextEncoder().encode('reshare test message'));
const old23 = keygen(3, 2, 'reshare-base').results;
const PK = (old23.get(1) as KeyShare).publicKey;

/** Parties 1..n keeping their index (dealers among `dealers`), plus newcomers up to `newN` (node k at index k). */
function roster(dealers: number[], keep: number[], newN: number): ReshareParty[] {
  const out: ReshareParty[] = [];
  for (let k = 1; k <= Math.max(newN, ...dealers); k++) {
    const deals = dealers.includes(k);
    const receives = keep.includes(k) || k > Math.max(...dealers, ...keep);
    if (!deals && !(receives && k <= newN)) continue;
    out.push({
      nodeId: nodeId(k),
      ...(deals ? { oldIndex: k } : {}),
      ...(receives && k <= newN ? { newIndex: k } : {}),
    });
  }
  return out;
}

/** The new shares of a successful run, by new index. */
function newShares(results: Map<number, KeyShare | undefined>): Map<number, KeyShare> {
  const out = new Map<number, KeyShare>();
  for (const s of results.values()) if (s) out.set(s.index, s);
  return out;
}

function secretOf(shares: Map<number, KeyShare>, set: number[]): bigint {
  let acc = 0n;
  for (const i of set) acc = modN(acc + lagrangeAtZero(i, set) * (shares.get(i) as KeyShare).secretShare);
  return acc;
}

function verifies(shares: Map<number, KeyShare>, signers: number[], seed: string): void {
  const sig = sign(shares, signers, hash, seed).results.get(signers[0] as number)!;
  assert.ok(secp256k1.verify(sig.compact, hash, PK.toBytes(true), { prehash: false, format: 'compact' }), seed);
}

function failing(run: () => unknown): NetworkFailure {
  try {
    run();
  } catch (e) {
    if (e instanceof NetworkFailure) return e;
    throw e;
  }
  throw new Error('the run unexpectedly succeeded');
}

function expectFailure(f: NetworkFailure, code: string, culprit: number | undefined): void {
  assert.is(f.error.code, code, f.message);
  assert.is(f.error.culprit, culprit, f.message);
}

test('refresh 2-of-3: same public key, every share new, new ksid and seeds, the new shares sign', () => {
  const parties = roster([1, 2, 3], [1, 2, 3], 3);
  const fresh = newShares(reshare(old23, parties, 2, 'refresh').results);
  assert.is(fresh.size, 3);
  for (const [i, s] of fresh) {
    const before = old23.get(i) as KeyShare;
    assert.ok(s.publicKey.equals(PK));
    assert.is(s.threshold, 2);
    assert.is.not(s.secretShare, before.secretShare, `share ${i} changed`);
    assert.not.ok(equalBytes(s.ksid, before.ksid), 'a new ksid');
    assert.ok(equalBytes(s.chainCode!, before.chainCode!), 'the chain code is kept (the xpub does not change)');
    for (let j = 1; j <= 3; j++) {
      if (j === i) continue;
      assert.not.ok(equalBytes(s.zeroSeeds[j - 1]!, before.zeroSeeds[j - 1]!), 'new zero-share seeds');
      assert.ok(equalBytes(s.zeroSeeds[j - 1]!, fresh.get(j)!.zeroSeeds[i - 1]!), 'seeds agree pairwise');
    }
    decodeKeyShare(encodeKeyShare(s), testCurve()); // the stored form checks it all again
  }
  assert.ok(G.multiply(secretOf(fresh, [1, 3])).equals(PK));
  verifies(fresh, [1, 2], 'refresh-sign-12');
  verifies(fresh, [2, 3], 'refresh-sign-23');
});

test('a newcomer told another chain code fails the echo check instead of ending with another one', () => {
  const parties = roster([1, 2], [1, 2], 3); // party 3 joins and knows the chain code only from the record
  const f = failing(() =>
    reshare(old23, parties, 2, 'chain-mismatch', {
      override: (i, c) => (i === 3 ? { ...c, chainCode: new Uint8Array(32).fill(7) } : c),
    }),
  );
  assert.is(f.error.code, 'ECHO_MISMATCH', f.message);
});

test('refresh with only a threshold of dealers (party 3 offline would not do: it must receive) and 3-of-5', () => {
  const old35 = keygen(5, 3, 'reshare-35').results;
  const parties = roster([1, 3, 5], [1, 2, 3, 4, 5], 5);
  const fresh = newShares(reshare(old35, parties, 3, 'refresh-35').results);
  assert.is(fresh.size, 5);
  assert.ok(G.multiply(secretOf(fresh, [2, 4, 5])).equals((old35.get(1) as KeyShare).publicKey));
});

test('reshare 2-of-3 → 3-of-5: two old parties deal, two newcomers join, the new key signs with 3', () => {
  const parties = roster([1, 2], [1, 2, 3], 5);
  assert.equal(
    parties.map((p) => [p.oldIndex, p.newIndex]),
    [
      [1, 1],
      [2, 2],
      [undefined, 3],
      [undefined, 4],
      [undefined, 5],
    ],
  );
  const fresh = newShares(reshare(old23, parties, 3, 'grow').results);
  assert.is(fresh.size, 5);
  for (const s of fresh.values()) assert.is(s.threshold, 3);
  assert.ok(G.multiply(secretOf(fresh, [3, 4, 5])).equals(PK), 'the newcomers alone hold the same key');
  verifies(fresh, [1, 4, 5], 'grow-sign');
});

test('reshare away from a party: the leaving dealer ends with no share, the rest sign', () => {
  // old 2-of-3; party 3 deals but leaves, node 4 takes new index 3
  const parties: ReshareParty[] = [
    { nodeId: nodeId(1), oldIndex: 1, newIndex: 1 },
    { nodeId: nodeId(2), oldIndex: 2, newIndex: 2 },
    { nodeId: nodeId(3), oldIndex: 3 },
    { nodeId: nodeId(4), newIndex: 3 },
  ];
  const { results } = reshare(old23, parties, 2, 'replace');
  assert.is(results.get(3), undefined, 'the leaving party gets nothing');
  const fresh = newShares(results);
  assert.ok(equalBytes(fresh.get(3)!.nodeIds[2]!, nodeId(4)));
  const node = (i: number) => (i === 3 ? 4 : i);
  const sig = sign(fresh, [1, 3], hash, 'replace-sign', {
    override: (i, c) => ({ ...c, pairs: new Map([...c.pairs.keys()].map((j) => [j, pairState(node(i), node(j))])) }),
  }).results.get(1)!;
  assert.ok(secp256k1.verify(sig.compact, hash, PK.toBytes(true), { prehash: false, format: 'compact' }));
});

test('an old share and a new share cannot sign together: a check names the inconsistency', () => {
  const fresh = newShares(reshare(old23, roster([1, 2, 3], [1, 2, 3], 3), 2, 'mix').results);
  const mixed = new Map([
    [1, old23.get(1) as KeyShare],
    [2, fresh.get(2) as KeyShare],
  ]);
  const f = failing(() => sign(mixed, [1, 2], hash, 'mix-sign'));
  // the ssid binds the key's ksid, which a reshare renews: the signers disagree before anything is evaluated
  assert.instance(f.error, ProtocolError);
  assert.is(f.error.code, 'SESSION_MISMATCH', f.message);
  assert.match(f.error.message, /derived another ssid/);
});

/** Runs the standard refresh with one tamper hook. */
function tamperedRefresh(
  tamper: (e: Envelope) => TamperResult,
  override?: (i: number, c: ReshareConfig) => ReshareConfig,
) {
  return failing(() =>
    reshare(old23, roster([1, 2, 3], [1, 2, 3], 3), 2, 'neg', override ? { tamper, override } : { tamper }),
  );
}

const flip = (e: Envelope, at: number): Uint8Array => {
  const p = e.payload.slice();
  const k = at < 0 ? p.length + at : at;
  p[k] = (p[k] as number) ^ 1;
  return p;
};

/** Party 2 deals with a wrong secret: its commitments are consistent, so only the constant-term check sees it. */
const cheatingDealer = (i: number, c: ReshareConfig): ReshareConfig =>
  i === 2 ? { ...c, share: { ...(c.share as KeyShare), secretShare: 12345n } } : c;
/** Keeps the cheater from reaching its own checks (it is not honest; only the others' verdict counts). */
const muteTo2 = (e: Envelope): TamperResult => (e.to === 2 && e.round >= 2 ? 'drop' : undefined);

test('a dealer whose constant term is not its weighted old share → BAD_CONSTANT_TERM naming it', () => {
  const f = tamperedRefresh(muteTo2, cheatingDealer);
  expectFailure(f, 'BAD_CONSTANT_TERM', 2);
  assert.is.not(f.party, 2);
});

test('a newcomer, who cannot pin a dealer, refuses constant terms that miss the key → PUBLIC_KEY_MISMATCH', () => {
  // dealers 1 and 2, node 3 new; only the newcomer hears the cheater's round 2
  const parties = roster([1, 2], [1, 2], 3);
  const f = failing(() =>
    reshare(old23, parties, 2, 'neg-new', {
      override: cheatingDealer,
      tamper: (e) => (e.round >= 2 && e.to !== 3 ? 'drop' : undefined),
    }),
  );
  expectFailure(f, 'PUBLIC_KEY_MISMATCH', undefined);
  assert.is(f.party, 3);
});

test('tampered messages: each check with its code and culprit', () => {
  // round 1 of party 3 changed for party 1 only: party 1 sees another round 1 than the rest → echo mismatch
  expectFailure(
    tamperedRefresh((e) => (e.round === 1 && e.from === 3 && e.to === 1 ? flip(e, 0) : undefined)),
    'ECHO_MISMATCH',
    1,
  );
  // a coefficient commitment changed after the commitment → BAD_COMMITMENT
  expectFailure(
    tamperedRefresh((e) => (e.round === 2 && e.from === 2 ? flip(e, 32 + 32 + 1 + 40) : undefined)),
    'BAD_COMMITMENT',
    2,
  );
  // the proof of the constant term → BAD_PROOF
  expectFailure(
    tamperedRefresh((e) => (e.round === 2 && e.from === 3 ? flip(e, -1) : undefined)),
    'BAD_PROOF',
    3,
  );
  // a private share → BAD_SHARE, a dispute naming both (never attributable)
  const share = tamperedRefresh((e) => (e.round === 3 && e.from === 1 && e.to === 2 ? flip(e, 31) : undefined));
  expectFailure(share, 'BAD_SHARE', 1);
  assert.equal(share.error.dispute, { accuser: 2, accused: 1 });
  assert.not.ok(share.error.attributable, 'a private share is one word against another');
  // a new public share → BAD_PUBLIC_SHARE
  expectFailure(
    tamperedRefresh((e) => (e.round === 4 && e.from === 2 ? flip(e, 5) : undefined)),
    'BAD_PUBLIC_SHARE',
    2,
  );
  // truncated → BAD_MESSAGE
  expectFailure(
    tamperedRefresh((e) => (e.round === 1 && e.from === 1 ? e.payload.subarray(0, 40) : undefined)),
    'BAD_MESSAGE',
    1,
  );
});

test('rejects invalid configurations with INVALID_ARGUMENT', () => {
  const share1 = old23.get(1) as KeyShare;
  const base: ReshareConfig = {
    sessionId: new Uint8Array(32),
    keyId: share1.keyId,
    publicKey: PK,
    oldThreshold: 2,
    newThreshold: 2,
    parties: roster([1, 2, 3], [1, 2, 3], 3),
    self: 1,
    share: share1,
    chainCode: share1.chainCode as Uint8Array,
    suite: makeSuite(seededRng('cfg'), testCurve()),
  };
  new ReshareRun(base); // the valid one
  const bad: [string, ReshareConfig][] = [
    ['too few dealers', { ...base, parties: roster([1], [1, 2, 3], 3) }],
    ['another chain code than the share', { ...base, chainCode: new Uint8Array(32) }],
    ['no chain code for a share that has one', { ...base, chainCode: undefined } as unknown as ReshareConfig],
    ['a chain code of 31 bytes', { ...base, chainCode: new Uint8Array(31) }],
    ['new threshold above N′', { ...base, newThreshold: 4 }],
    ['a dealer without its share', { ...base, share: undefined } as unknown as ReshareConfig],
    ['a share of another index', { ...base, share: old23.get(2) as KeyShare }],
    ['a share of another key', { ...base, publicKey: PK.add(G) }],
    [
      'new indices with a gap',
      { ...base, parties: base.parties.map((p) => (p.newIndex === 3 ? { ...p, newIndex: 4 } : p)) },
    ],
    [
      'a node id the old key gives another index',
      { ...base, parties: base.parties.map((p, k) => (k === 1 ? { ...p, nodeId: nodeId(9) } : p)) },
    ],
  ];
  for (const [why, c] of bad) {
    assert.throws(
      () => new ReshareRun(c),
      (e: unknown) => e instanceof ProtocolError && e.code === 'INVALID_ARGUMENT',
      why,
    );
  }
});

test('reshare is deterministic under a seeded rng (the golden vector is in vectors.test.ts)', () => {
  const parties = roster([1, 2, 3], [1, 2, 3], 3);
  const a = reshare(old23, parties, 2, 'det');
  assert.ok(equalBytes(a.transcriptHash, reshare(old23, parties, 2, 'det').transcriptHash));
  assert.not.ok(equalBytes(a.transcriptHash, reshare(old23, parties, 2, 'det2').transcriptHash));
});

test.run();
