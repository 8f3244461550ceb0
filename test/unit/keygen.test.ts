import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes } from '../../protocols/common/bytes.js';
import { CURVE_ORDER, G, lagrangeAtZero, modN } from '../../protocols/common/curve.js';
import { DecodeError, ProtocolError } from '../../protocols/common/errors.js';
import { makeSuite } from '../../protocols/common/suite.js';
import { decodeKeyShare, encodeKeyShare, type KeyShare } from '../../protocols/dkls23/key-share.js';
import { KeygenRun } from '../../protocols/dkls23/keygen.js';
import { testCurve } from '../helpers/curve.js';
import { type Envelope, NetworkFailure } from '../helpers/network.js';
import { keygen, nodeIds } from '../helpers/parties.js';
import { seededRng } from '../helpers/rng.js';

/** Runs a keygen expecting a failure; returns it. */
function failingKeygen(
  n: number,
  t: number,
  tamper: (e: Envelope) => Uint8Array | 'drop' | 'duplicate' | undefined,
  inject?: Envelope[],
) {
  try {
    keygen(n, t, 'neg', inject ? { tamper, inject } : { tamper });
  } catch (e) {
    if (e instanceof NetworkFailure) return e;
    throw e;
  }
  throw new Error('keygen unexpectedly succeeded');
}

function expectFailure(f: NetworkFailure, code: string, culprit: number | undefined) {
  assert.is(f.error.code, code, f.message);
  assert.is(f.error.culprit, culprit, f.message);
}

function reconstruct(shares: KeyShare[], set: number[]): bigint {
  let acc = 0n;
  for (const i of set) acc = modN(acc + lagrangeAtZero(i, set) * (shares[i - 1] as KeyShare).secretShare);
  return acc;
}

for (const [t, n] of [
  [2, 2],
  [2, 3],
  [3, 3],
  [3, 5],
  [4, 7],
] as const) {
  test(`${t}-of-${n} keygen: all parties agree on PK and any ${t} shares interpolate its secret`, () => {
    const { results } = keygen(n, t, `kg-${t}-${n}`);
    const shares = [...results.values()];
    const PK = (shares[0] as KeyShare).publicKey;
    for (const s of shares) {
      assert.ok(s.publicKey.equals(PK));
      assert.ok(equalBytes(s.ksid, (shares[0] as KeyShare).ksid));
      assert.ok(G.multiply(s.secretShare).equals(s.publicShares[s.index - 1]!));
      for (let j = 0; j < n; j++) assert.ok(s.publicShares[j]!.equals((shares[0] as KeyShare).publicShares[j]!));
    }
    const first = Array.from({ length: t }, (_, k) => k + 1);
    const last = Array.from({ length: t }, (_, k) => n - k);
    for (const set of [first, last]) assert.ok(G.multiply(reconstruct(shares, set)).equals(PK));
    if (t < n) {
      const tooFew = first.slice(0, t - 1);
      const partial = tooFew.length > 0 ? reconstruct(shares, tooFew) : 0n;
      assert.not.ok(partial !== 0n && G.multiply(partial).equals(PK), 'threshold − 1 shares must not give the key');
    }
    // zero-share seeds agree pairwise
    for (const a of shares)
      for (const b of shares)
        if (a.index !== b.index) assert.ok(equalBytes(a.zeroSeeds[b.index - 1]!, b.zeroSeeds[a.index - 1]!));
  });
}

test('key share format round-trips and rejects malformed bytes', () => {
  const { results } = keygen(3, 2, 'codec');
  const share = results.get(2) as KeyShare;
  const bytes = encodeKeyShare(share);
  const back = decodeKeyShare(bytes, testCurve());
  assert.ok(equalBytes(encodeKeyShare(back), bytes));
  assert.is(back.secretShare, share.secretShare);
  assert.ok(back.publicKey.equals(share.publicKey));
  const isDecode = (e: unknown) => e instanceof DecodeError;
  assert.throws(() => decodeKeyShare(bytes.subarray(0, bytes.length - 1), testCurve()), isDecode);
  assert.throws(() => decodeKeyShare(new Uint8Array([...bytes, 0]), testCurve()), isDecode);
  const wrongVersion = bytes.slice();
  wrongVersion[0] = 3;
  assert.throws(() => decodeKeyShare(wrongVersion, testCurve()), isDecode);
  // version 1 (a key made before chain codes) still decodes, without a chain code; version 2 needs all 32 bytes
  const v1 = encodeKeyShare({ ...share, chainCode: undefined });
  assert.is(v1[0], 1);
  assert.is(decodeKeyShare(v1, testCurve()).chainCode, undefined);
  const v2Short = v1.slice();
  v2Short[0] = 2;
  assert.throws(() => decodeKeyShare(v2Short, testCurve()), isDecode);
  assert.ok(equalBytes(back.chainCode!, share.chainCode!));
  // a secret share that does not match its public share is refused
  const idLen = (bytes[1]! << 8) | bytes[2]!;
  let off = 3 + idLen + 3;
  for (let j = 0; j < 3; j++) off += 2 + ((bytes[off]! << 8) | bytes[off + 1]!);
  const tampered = bytes.slice();
  const secretOff = off + 33;
  tampered[secretOff + 31] = tampered[secretOff + 31]! ^ 1;
  assert.throws(() => decodeKeyShare(tampered, testCurve()), isDecode);
});

test('a key share whose public shares do not interpolate to the public key is refused (DecodeError)', () => {
  const { results } = keygen(5, 3, 'interp');
  const share = results.get(2) as KeyShare;
  const isInterp = (e: unknown) => e instanceof DecodeError && /interpolate/.test(e.message);
  const withShares = (publicShares: KeyShare['publicShares'], publicKey = share.publicKey) =>
    encodeKeyShare({ ...share, publicShares, publicKey });
  // another party's public share moved off the polynomial (a beyond-threshold one and a base one)
  for (const j of [4, 0]) {
    const moved = share.publicShares.map((S, k) => (k === j ? S.add(G) : S));
    assert.throws(() => decodeKeyShare(withShares(moved), testCurve()), isInterp, `S_${j + 1}`);
  }
  // a public key that is not the polynomial's value at 0
  assert.throws(() => decodeKeyShare(withShares(share.publicShares, share.publicKey.add(G)), testCurve()), isInterp);
  // the genuine share passes, for every threshold and size
  for (const [n, t] of [
    [2, 2],
    [3, 2],
    [4, 4],
  ] as const) {
    for (const s of keygen(n, t, `interp-${n}-${t}`).results.values()) decodeKeyShare(encodeKeyShare(s), testCurve());
  }
});

test('keygen is deterministic under a seeded rng', () => {
  const a = keygen(3, 2, 'det');
  const b = keygen(3, 2, 'det');
  assert.ok(equalBytes(a.transcriptHash, b.transcriptHash));
  assert.ok(a.results.get(1)!.publicKey.equals(b.results.get(1)!.publicKey));
  assert.not.ok(equalBytes(a.transcriptHash, keygen(3, 2, 'det2').transcriptHash));
});

test('rejects invalid configurations with INVALID_ARGUMENT', () => {
  const ids = nodeIds(3);
  const base = {
    sessionId: new Uint8Array(32),
    keyId: Uint8Array.of(1),
    threshold: 2,
    nodeIds: ids,
    self: 1,
    suite: makeSuite(seededRng('x'), testCurve()),
  };
  const bad = [
    { ...base, threshold: 1 },
    { ...base, threshold: 4 },
    { ...base, self: 0 },
    { ...base, self: 4 },
    { ...base, sessionId: new Uint8Array(31) },
    { ...base, nodeIds: [ids[0]!, ids[0]!, ids[2]!] },
    { ...base, nodeIds: nodeIds(17), threshold: 2 },
  ];
  for (const c of bad)
    assert.throws(
      () => new KeygenRun(c),
      (e: unknown) => e instanceof ProtocolError && e.code === 'INVALID_ARGUMENT',
    );
});

// Round-2 layout: echo(32) salt(32) count(1) F(33·t) proof(65)
test('wrong opening of the round-1 commitment → BAD_COMMITMENT naming the sender', () => {
  const f = failingKeygen(3, 2, (e) => {
    if (e.round === 2 && e.from === 2 && e.to === 1) {
      const p = e.payload.slice();
      p[40] = p[40]! ^ 1; // a bit of the salt
      return p;
    }
  });
  assert.is(f.party, 1);
  expectFailure(f, 'BAD_COMMITMENT', 2);
  assert.ok(f.error.attributable);
});

test('every party ends with the same chain code, another for another key; a changed chain part → BAD_COMMITMENT', () => {
  const a = [...keygen(3, 2, 'chain-a').results.values()];
  const b = keygen(3, 2, 'chain-b').results.get(1) as KeyShare;
  assert.is(a[0]!.chainCode!.length, 32);
  for (const s of a) assert.ok(equalBytes(s.chainCode!, a[0]!.chainCode!));
  assert.not.ok(equalBytes(b.chainCode!, a[0]!.chainCode!));
  // the chain part is the last 32 bytes of round 2: revealing another one than committed is caught
  const f = failingKeygen(3, 2, (e) => {
    if (e.round === 2 && e.from === 3 && e.to === 2) {
      const p = e.payload.slice();
      p[p.length - 1] = p[p.length - 1]! ^ 1;
      return p;
    }
  });
  assert.is(f.party, 2);
  expectFailure(f, 'BAD_COMMITMENT', 3);
});

test('too many coefficient commitments → BAD_COMMITMENT_COUNT', () => {
  const f = failingKeygen(3, 2, (e) => {
    if (e.round === 2 && e.from === 3 && e.to === 1) {
      const p = e.payload;
      const extra = p.subarray(65, 65 + 33);
      const out = new Uint8Array([
        ...p.subarray(0, 64),
        3,
        ...p.subarray(65, 65 + 66),
        ...extra,
        ...p.subarray(65 + 66),
      ]);
      return out;
    }
  });
  expectFailure(f, 'BAD_COMMITMENT_COUNT', 3);
});

test('too few coefficient commitments → BAD_COMMITMENT_COUNT', () => {
  const f = failingKeygen(3, 2, (e) => {
    if (e.round === 2 && e.from === 3 && e.to === 2) {
      const p = e.payload;
      return new Uint8Array([...p.subarray(0, 64), 1, ...p.subarray(65, 65 + 33), ...p.subarray(65 + 66)]);
    }
  });
  expectFailure(f, 'BAD_COMMITMENT_COUNT', 3);
});

test('an identity (or off-curve) coefficient commitment → BAD_MESSAGE', () => {
  const f = failingKeygen(3, 2, (e) => {
    if (e.round === 2 && e.from === 2 && e.to === 3) {
      const p = e.payload.slice();
      p.fill(0, 65 + 33, 65 + 66); // second coefficient commitment: 33 zero bytes
      return p;
    }
  });
  expectFailure(f, 'BAD_MESSAGE', 2);
});

test('bad proof of knowledge of the constant term → BAD_PROOF', () => {
  const f = failingKeygen(3, 2, (e) => {
    if (e.round === 2 && e.from === 1 && e.to === 2) {
      const p = e.payload.slice();
      const z = p.length - 32 - 1; // low byte of z, before the 32-byte chain part
      p[z] = p[z]! ^ 1;
      return p;
    }
  });
  expectFailure(f, 'BAD_PROOF', 1);
});

test('bad Feldman share → BAD_SHARE, a dispute naming both accuser and accused, never attributable', () => {
  const f = failingKeygen(3, 2, (e) => {
    if (e.round === 3 && e.from === 2 && e.to === 3) {
      const p = e.payload.slice();
      p[31] = p[31]! ^ 1;
      return p;
    }
  });
  assert.is(f.party, 3);
  expectFailure(f, 'BAD_SHARE', 2);
  // the share travelled privately: only party 3's word says it was bad, so nothing may ban party 2 on it
  assert.equal(f.error.dispute, { accuser: 3, accused: 2 });
  assert.equal(f.error.parties, [3, 2]);
  assert.not.ok(f.error.attributable, 'a dispute is not attributable');
  assert.equal(f.error.details, { accuser: 3, accused: 2 });
});

test('echo mismatch in round 3 → ECHO_MISMATCH, not attributable', () => {
  const f = failingKeygen(3, 2, (e) => {
    if (e.round === 3 && e.from === 1 && e.to === 2) {
      const p = e.payload.slice();
      p[40] = p[40]! ^ 1;
      return p;
    }
  });
  expectFailure(f, 'ECHO_MISMATCH', 1);
  assert.not.ok(f.error.attributable);
});

test('equivocation in round 1 is caught by the echo and does not make honest parties blame each other', () => {
  // Party 1 sends party 3 a different sid than party 2: honest 2 and 3 then see different round-1 views.
  const f = failingKeygen(3, 2, (e) => {
    if (e.round === 1 && e.from === 1 && e.to === 3) {
      const p = e.payload.slice();
      p[0] = p[0]! ^ 1;
      return p;
    }
  });
  assert.is(f.error.code, 'ECHO_MISMATCH');
  assert.not.ok(f.error.attributable, 'an echo mismatch must never ban the party that reported it');
});

test('bad public share in round 4 → BAD_PUBLIC_SHARE', () => {
  // Replace party 2's S with a valid but wrong point (its PK field stays right).
  const f = failingKeygen(3, 2, (e) => {
    if (e.round === 4 && e.from === 2 && e.to === 1) {
      const p = e.payload.slice();
      p.set(G.multiply(7n).toBytes(true), 0);
      return p;
    }
  });
  expectFailure(f, 'BAD_PUBLIC_SHARE', 2);
});

test('different public key reported in round 4 → PUBLIC_KEY_MISMATCH', () => {
  const f = failingKeygen(3, 2, (e) => {
    if (e.round === 4 && e.from === 3 && e.to === 2) {
      const p = e.payload.slice();
      p.set(G.multiply(CURVE_ORDER - 5n).toBytes(true), 33);
      return p;
    }
  });
  expectFailure(f, 'PUBLIC_KEY_MISMATCH', 3);
});

test('truncated message → BAD_MESSAGE naming the sender', () => {
  const f = failingKeygen(3, 2, (e) =>
    e.round === 3 && e.from === 3 && e.to === 1 ? e.payload.subarray(0, 50) : undefined,
  );
  expectFailure(f, 'BAD_MESSAGE', 3);
});

test('duplicate message → DUPLICATE_MESSAGE', () => {
  const f = failingKeygen(3, 2, (e) => (e.round === 2 && e.from === 2 && e.to === 1 ? 'duplicate' : undefined));
  expectFailure(f, 'DUPLICATE_MESSAGE', 2);
});

test('message from a party outside the session → NOT_A_MEMBER', () => {
  const f = failingKeygen(3, 2, () => undefined, [{ from: 9, to: 1, round: 1, payload: new Uint8Array(64) }]);
  expectFailure(f, 'NOT_A_MEMBER', 9);
});

test.run();
