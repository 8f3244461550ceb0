import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes, toHex } from '../../protocols/common/bytes.js';
import { decodePoint, type Point } from '../../protocols/common/curve.js';
import { DecodeError, type ProtocolError } from '../../protocols/common/errors.js';
import type { ProtocolRun } from '../../protocols/common/run.js';
import { makeSuite } from '../../protocols/common/suite.js';
import { PairSetupRun, pairSid, runPairSetupInMemory } from '../../protocols/dkls23/pair-setup.js';
import { decodePairState, encodePairState, type PairState } from '../../protocols/dkls23/pair-state.js';
import * as ot from '../../protocols/ot/base-ot.js';
import { testCurve } from '../helpers/curve.js';
import { type Envelope, NetworkFailure, runNetwork, type TamperResult } from '../helpers/network.js';
import { seededRng } from '../helpers/rng.js';

const enc = new TextEncoder();
const ID_A = enc.encode('node-A-peer-id');
const ID_B = enc.encode('node-B-peer-id');
const rng = seededRng('pair-setup-unit');

const key = (keys: Uint8Array, i: number) => keys.subarray(32 * i, 32 * i + 32);
const bit = (delta: Uint8Array, i: number) => ((delta[i >> 3] as number) >> (i & 7)) & 1;

function runs(seed: string): Map<number, ProtocolRun<PairState>> {
  return new Map<number, ProtocolRun<PairState>>([
    [
      1,
      new PairSetupRun({
        self: 1,
        selfNodeId: ID_A,
        peerNodeId: ID_B,
        suite: makeSuite(seededRng(`${seed}/A`), testCurve()),
      }),
    ],
    [
      2,
      new PairSetupRun({
        self: 2,
        selfNodeId: ID_B,
        peerNodeId: ID_A,
        suite: makeSuite(seededRng(`${seed}/B`), testCurve()),
      }),
    ],
  ]);
}

function expectFailure(
  tamper: (env: Envelope) => TamperResult,
  code: string,
  culprit: number | undefined,
  inject?: Envelope[],
): ProtocolError {
  try {
    runNetwork(runs('tamper'), inject ? { tamper, inject } : { tamper });
  } catch (e) {
    assert.instance(e, NetworkFailure);
    const err = (e as NetworkFailure).error;
    assert.is(err.code, code, err.message);
    assert.is(err.culprit, culprit);
    return err;
  }
  assert.unreachable('the run should have failed');
  throw new Error('unreachable');
}

function assertPaired(alice: PairState, bob: PairState): void {
  for (let i = 0; i < 256; i++) {
    const d = bit(alice.asAlice.delta, i);
    const k0 = key(bob.asBob.keys0, i);
    const k1 = key(bob.asBob.keys1, i);
    assert.not.ok(equalBytes(k0, k1), `keys0[${i}] = keys1[${i}]`);
    assert.ok(equalBytes(key(alice.asAlice.keys, i), d ? k1 : k0), `base OT ${i}: Alice's key is not k^{Δ_i}`);
    assert.not.ok(equalBytes(key(alice.asAlice.keys, i), d ? k0 : k1), `base OT ${i}: Alice holds the other key`);
  }
}

// ───────────── base OT ─────────────

test('pitfall: base OT leaking choice bits — every Y_b is a·G minus a hash-to-curve point, never hash·G', () => {
  const sid = rng(32);
  const choices = rng(32);
  const curve = testCurve();
  const sender = ot.otSenderSetup(rng, curve);
  const recv = ot.otReceive(sid, sender.E, choices, rng, makeSuite(rng, curve).sha256, curve);
  const pts = ot.decodeReceiverMessage(recv.message, curve);
  const sent = ot.otSend(sid, sender, pts, makeSuite(rng, curve).sha256, curve);
  const seen = new Set<string>();
  for (let k = 0; k < 256; k++) {
    const b = bit(choices, k);
    const y = [0, 1].map((c) => recv.message.subarray((2 * k + c) * 33, (2 * k + c + 1) * 33));
    const [y0, y1] = y as [Uint8Array, Uint8Array];
    assert.not.ok(equalBytes(y0, y1));
    const Y = [decodePoint(y0), decodePoint(y1)];
    for (let c = 0; c < 2; c++) {
      // the point the sender adds is the RFC 9380 random-oracle point of (sid, k, c, Y_{1−c}) — no known log
      const H = ot.otHashPoint(sid, k, c, y[1 - c] as Uint8Array);
      const hx = toHex(H.toBytes(true));
      assert.not.ok(seen.has(hx), `HtC repeats at (${k}, ${c})`);
      seen.add(hx);
      // the sender's key for c is H(…, e·(Y_c + HtC)); it equals the receiver's key exactly when c = b,
      // i.e. Y_b + HtC(sid, k, b, Y_{1−b}) is the receiver's a·G and the other branch is a CDH value
      const M = (Y[c] as Point).add(H);
      const shared = M.multiply(sender.e).toBytes(true);
      const k_c = ot.otKey(makeSuite(rng, testCurve()).sha256, sid, k, c, y0, y1, sender.E, shared);
      assert.equal(k_c, key(c ? sent.keys1 : sent.keys0, k));
      assert.is(equalBytes(k_c, key(recv.keys, k)), c === b, `instance ${k}, branch ${c}`);
    }
  }
  // Y_{1−b} is fresh randomness: the same sid and choices with other randomness give unrelated points
  const again = ot.otReceive(
    sid,
    sender.E,
    choices,
    seededRng('other randomness'),
    makeSuite(rng, curve).sha256,
    curve,
  );
  for (let i = 0; i < 512; i++) {
    assert.not.ok(equalBytes(again.message.subarray(33 * i, 33 * i + 33), recv.message.subarray(33 * i, 33 * i + 33)));
  }
});

// ───────────── pair setup ─────────────

let first: Map<number, PairState> | undefined;

test('pair setup: both orientations correlate (k^{Δ_i}), same psid, A as Alice pairs with B as Bob and back', () => {
  const res = runNetwork(runs('correct'));
  const a = res.results.get(1) as PairState;
  const b = res.results.get(2) as PairState;
  first = res.results;
  assert.equal(a.psid, b.psid);
  assert.equal(a.selfNodeId, ID_A);
  assert.equal(a.peerNodeId, ID_B);
  assert.equal(b.selfNodeId, ID_B);
  assert.equal(b.peerNodeId, ID_A);
  assertPaired(a, b);
  assertPaired(b, a);
  assert.not.equal(a.asAlice.delta, b.asAlice.delta);
  assert.is(res.bytes, 2 * (32 + 33) + 2 * 256 * 66);
});

test('pair setup is deterministic under a seeded rng (same seed → same pair-state bytes)', () => {
  const res = runNetwork(runs('correct'));
  assert.ok(first);
  for (const i of [1, 2]) {
    assert.equal(encodePairState(res.results.get(i) as PairState), encodePairState(first.get(i) as PairState));
  }
});

test('runPairSetupInMemory returns correlated states through the codecs', () => {
  const { a, b, bytes } = runPairSetupInMemory(
    ID_A,
    ID_B,
    makeSuite(seededRng('mem/A'), testCurve()),
    makeSuite(seededRng('mem/B'), testCurve()),
  );
  assert.is(bytes, 33922);
  assertPaired(a, b);
  assertPaired(b, a);
});

test('pair-state codec round-trips and rejects truncated, extended and wrong-version bytes', () => {
  assert.ok(first);
  const s = first.get(1) as PairState;
  const bytes = encodePairState(s);
  assert.is(bytes.length, 1 + 32 + 2 + s.selfNodeId.length + 2 + s.peerNodeId.length + 32 + 3 * 8192);
  const back = decodePairState(bytes);
  assert.equal(back, s);
  assert.equal(encodePairState(back), bytes);
  const isDecodeError = (e: unknown) => e instanceof DecodeError;
  assert.throws(() => decodePairState(bytes.subarray(0, bytes.length - 1)), isDecodeError);
  assert.throws(() => decodePairState(Uint8Array.from([...bytes, 0])), isDecodeError);
  const v3 = bytes.slice();
  v3[0] = 3;
  assert.throws(() => decodePairState(v3), isDecodeError);
  const v2 = bytes.slice();
  v2[0] = 2; // claims a createdAt the bytes do not carry
  assert.throws(() => decodePairState(v2), isDecodeError);
  assert.throws(() => decodePairState(new Uint8Array(0)), isDecodeError);
  // a stored state carries its creation time (version 2, 8 more bytes)
  const dated = { ...s, createdAt: 1_700_000_000_123 };
  const datedBytes = encodePairState(dated);
  assert.is(datedBytes[0], 2);
  assert.is(datedBytes.length, bytes.length + 8);
  assert.equal(decodePairState(datedBytes), dated);
  assert.equal(encodePairState(decodePairState(datedBytes)), datedBytes);
  for (const createdAt of [-1, 1.5, 2 ** 53]) {
    assert.throws(() => encodePairState({ ...s, createdAt }), /createdAt/, String(createdAt));
  }
  const unsafe = datedBytes.slice();
  unsafe[1] = 0x00;
  unsafe[2] = 0x20; // 2^53
  assert.throws(() => decodePairState(unsafe), isDecodeError);
});

test('pair setup refuses equal node ids and bad indices', () => {
  const suite = makeSuite(rng, testCurve());
  assert.throws(() => new PairSetupRun({ self: 1, selfNodeId: ID_A, peerNodeId: ID_A.slice(), suite }));
  assert.throws(() => new PairSetupRun({ self: 3 as 1, selfNodeId: ID_A, peerNodeId: ID_B, suite }));
});

// ───────────── tampered messages ─────────────

const offCurve = () => {
  const p = new Uint8Array(33);
  p[0] = 2;
  p[32] = 5; // x = 5: 5^3 + 7 is not a square mod p
  return p;
};
const replaceAt = (payload: Uint8Array, off: number, point: Uint8Array) => {
  const out = payload.slice();
  out.set(point, off);
  return out;
};

test('truncated round-2 message → BAD_MESSAGE naming the sender', () => {
  const err = expectFailure(
    (env) => (env.from === 1 && env.round === 2 ? env.payload.subarray(0, env.payload.length - 1) : undefined),
    'BAD_MESSAGE',
    1,
  );
  assert.is(err.round, 2);
});

test('extended round-1 message → BAD_MESSAGE naming the sender', () => {
  expectFailure(
    (env) => (env.from === 2 && env.round === 1 ? Uint8Array.from([...env.payload, 0]) : undefined),
    'BAD_MESSAGE',
    2,
  );
});

test('identity or off-curve point in place of E → BAD_MESSAGE naming the sender', () => {
  expectFailure(
    (env) => (env.from === 2 && env.round === 1 ? replaceAt(env.payload, 32, new Uint8Array(33)) : undefined),
    'BAD_MESSAGE',
    2,
  );
  expectFailure(
    (env) => (env.from === 1 && env.round === 1 ? replaceAt(env.payload, 32, offCurve()) : undefined),
    'BAD_MESSAGE',
    1,
  );
});

test('identity or off-curve point in place of a Y → BAD_MESSAGE naming the sender', () => {
  expectFailure(
    (env) => (env.from === 2 && env.round === 2 ? replaceAt(env.payload, 33 * 77, new Uint8Array(33)) : undefined),
    'BAD_MESSAGE',
    2,
  );
  expectFailure(
    (env) => (env.from === 1 && env.round === 2 ? replaceAt(env.payload, 33 * 511, offCurve()) : undefined),
    'BAD_MESSAGE',
    1,
  );
});

test('a receiver making M_c the identity (Y_c = −HtC) → IDENTITY_POINT naming it', () => {
  const nonces = new Map<number, Uint8Array>();
  expectFailure(
    (env) => {
      if (env.round === 1) nonces.set(env.from, env.payload.subarray(0, 32));
      if (!(env.from === 2 && env.round === 2)) return undefined;
      const psid = pairSid(ID_A, ID_B, nonces.get(1) as Uint8Array, nonces.get(2) as Uint8Array);
      const sid = ot.orientationSid(psid, ID_A, ID_B); // node A is the sender of this orientation
      const y1 = env.payload.subarray(33, 66);
      return replaceAt(env.payload, 0, ot.otHashPoint(sid, 0, 0, y1).negate().toBytes(true));
    },
    'IDENTITY_POINT',
    2,
  );
});

test('duplicate message → DUPLICATE_MESSAGE; message from a non-member → NOT_A_MEMBER', () => {
  expectFailure((env) => (env.from === 2 && env.round === 1 ? 'duplicate' : undefined), 'DUPLICATE_MESSAGE', 2);
  expectFailure(() => undefined, 'NOT_A_MEMBER', 3, [{ from: 3, to: 1, round: 1, payload: new Uint8Array(65) }]);
});

test.run();
