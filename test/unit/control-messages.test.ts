import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes } from '../../protocols/common/bytes.js';
import { Writer } from '../../protocols/common/codec.js';
import { CURVE_ORDER, encodePoint, G } from '../../protocols/common/curve.js';
import { DecodeError } from '../../protocols/common/errors.js';
import {
  type Decision,
  type DelegateContext,
  decodeDecision,
  decodeDelegate,
  decodeRegister,
  decodeResult,
  decodeStatus,
  encodeDecision,
  encodeDelegate,
  encodeRegister,
  encodeResult,
  encodeStatus,
  MAX_STATUS_BANS,
  type Register,
  type SessionResult,
} from '../../protocols/control/control.js';
import { signedDecisions } from '../../protocols/control/decision.js';
import { ControlError, type ControlErrorCode } from '../../protocols/control/errors.js';
import { validateGossip } from '../../protocols/control/gossip.js';
import {
  decodeKeyFateQuery,
  decodeKeyFates,
  encodeKeyFateQuery,
  encodeKeyFates,
  MAX_FATE_KEYS,
} from '../../protocols/control/key-fate.js';
import { peerIdFromSecretKey, type SignatureDomain, signAs, signingDigest } from '../../protocols/control/peer-key.js';
import { type SessionRecord, signedRecords } from '../../protocols/control/record.js';
import { signedResults } from '../../protocols/control/result.js';
import { fuzzDecoder } from '../helpers/fuzz.js';
import { seededRng } from '../helpers/rng.js';

const rng = seededRng('session-control');
const coordKey = rng(32);
const coordId = peerIdFromSecretKey(coordKey);
const partyKey = rng(32);
const partyId = peerIdFromSecretKey(partyKey);
const otherKey = rng(32);
const sessionId = rng(32);
const PK = encodePoint(G.multiply(12345n));
const HALF_N = CURVE_ORDER >> 1n;

const record: SessionRecord = {
  sessionId,
  kind: 'sign',
  protocol: 'dkls23',
  keyId: Uint8Array.of(7, 7),
  threshold: 2,
  parties: [
    { peerId: partyId, index: 1, addrs: ['/ip4/127.0.0.1/tcp/4001'] },
    { peerId: peerIdFromSecretKey(otherKey), index: 2, addrs: [] },
  ],
  messageHash: rng(32),
  expiresAt: 1_800_000_000_000,
};

const results: Record<string, SessionResult> = {
  keygenOk: { sessionId, status: 'ok', publicKey: PK },
  keygenUserShare: { sessionId, status: 'ok', publicKey: PK, userShare: rng(700) },
  signOk: { sessionId, status: 'ok', signature: { r: CURVE_ORDER - 1n, s: HALF_N, recovery: 3 } },
  failed: { sessionId, status: 'failed', error: { code: 'BAD_SHARE', round: 2, culprits: [3, 1] } },
  failedNoCulprit: { sessionId, status: 'failed', error: { code: 'ECHO_MISMATCH', round: 65535, culprits: [] } },
  timeout: { sessionId, status: 'timeout' },
  timeoutWithError: { sessionId, status: 'timeout', error: { code: 'TIMEOUT', round: 1, culprits: [2] } },
};

const decision: Decision = { sessionId, keyId: Uint8Array.of(7, 7), action: 'commit' };

function controlCode(f: () => unknown): ControlErrorCode {
  try {
    f();
  } catch (e) {
    if (e instanceof ControlError) return e.code;
    throw e;
  }
  throw new Error('expected a ControlError');
}

const isDecode = (e: unknown) => e instanceof DecodeError;

test('register round-trips; bounds are enforced both ways', () => {
  const regs: Register[] = [
    { role: 'persistent', version: '0.1.0', addrs: ['/ip4/10.0.0.1/tcp/4000', '/dns4/ñ.example/tcp/1'] },
    { role: 'delegate', version: 'v'.repeat(64), addrs: Array(8).fill(`/${'a'.repeat(255)}`) },
    { role: 'external', version: '1', addrs: [] },
  ];
  for (const m of regs) assert.equal(decodeRegister(encodeRegister(m)), m);
  const ok = regs[0]!;
  for (const [what, m] of [
    ['role', { ...ok, role: 'admin' as 'external' }],
    ['empty version', { ...ok, version: '' }],
    ['version 65', { ...ok, version: 'v'.repeat(65) }],
    ['version space', { ...ok, version: '0.1 beta' }],
    ['9 addrs', { ...ok, addrs: Array(9).fill('/a') }],
    ['addr 257', { ...ok, addrs: [`/${'a'.repeat(256)}`] }],
  ] as const) {
    assert.is(
      controlCode(() => encodeRegister(m)),
      'INVALID_ARGUMENT',
      what,
    );
  }
  const valid = encodeRegister(ok);
  const patch = (at: number, v: number) => {
    const b = valid.slice();
    b[at] = v;
    return b;
  };
  assert.throws(() => decodeRegister(patch(0, 0x02)), isDecode, 'type');
  assert.throws(() => decodeRegister(patch(1, 2)), isDecode, 'version');
  assert.throws(() => decodeRegister(patch(2, 0)), isDecode, 'role 0');
  assert.throws(() => decodeRegister(patch(2, 4)), isDecode, 'role 4');
  assert.throws(() => decodeRegister(patch(5, 0x20)), isDecode, 'version with a space');
  assert.throws(() => decodeRegister(Uint8Array.of(...valid, 0)), isDecode, 'trailing');
  const nine = new Writer().u8(1).u8(1).u8(1).varBytes(Uint8Array.of(0x31)).u8(9);
  for (let k = 0; k < 9; k++) nine.varBytes(Uint8Array.of(0x2f));
  assert.throws(() => decodeRegister(nine.finish()), isDecode, '9 addrs');
  const long = new Writer()
    .u8(1)
    .u8(1)
    .u8(1)
    .varBytes(Uint8Array.of(0x31))
    .u8(1)
    .varBytes(new Uint8Array(257).fill(0x61));
  assert.throws(() => decodeRegister(long.finish()), isDecode, 'addr 257');
  const badUtf8 = new Writer()
    .u8(1)
    .u8(1)
    .u8(1)
    .varBytes(Uint8Array.of(0x31))
    .u8(1)
    .varBytes(Uint8Array.of(0xc0, 0xaf));
  assert.throws(() => decodeRegister(badUtf8.finish()), isDecode, 'overlong UTF-8');
});

test('status round-trips (bans, draining); duplicates, unknown flags and bounds are refused both ways', () => {
  const reports = [
    { bans: [], draining: false },
    { bans: [partyId, peerIdFromSecretKey(otherKey)], draining: true },
    { bans: Array.from({ length: MAX_STATUS_BANS }, (_, k) => Uint8Array.of(k >> 8, k & 0xff, 1)), draining: false },
  ];
  for (const m of reports) assert.equal(decodeStatus(encodeStatus(m)), m);
  for (const [what, m] of [
    ['twice', { bans: [partyId, partyId.slice()], draining: false }],
    ['empty id', { bans: [new Uint8Array(0)], draining: false }],
    ['long id', { bans: [new Uint8Array(129)], draining: false }],
    ['256 bans', { bans: Array.from({ length: 256 }, (_, k) => Uint8Array.of(k, 0)), draining: false }],
    ['draining not boolean', { bans: [], draining: 1 as unknown as boolean }],
  ] as const) {
    assert.is(
      controlCode(() => encodeStatus(m)),
      'INVALID_ARGUMENT',
      what,
    );
  }
  const valid = encodeStatus({ bans: [partyId], draining: true });
  assert.throws(() => decodeStatus(Uint8Array.of(0x01, ...valid.subarray(1))), isDecode, 'type');
  assert.throws(() => decodeStatus(Uint8Array.of(valid[0]!, 2, ...valid.subarray(2))), isDecode, 'version');
  assert.throws(() => decodeStatus(Uint8Array.of(valid[0]!, 1, 3, ...valid.subarray(3))), isDecode, 'flag 2');
  assert.throws(() => decodeStatus(Uint8Array.of(...valid, 0)), isDecode, 'trailing');
  const twice = new Writer().u8(0x09).u8(1).u8(0).u8(2).varBytes(partyId).varBytes(partyId);
  assert.throws(() => decodeStatus(twice.finish()), isDecode, 'a peer twice');
  const empty = new Writer().u8(0x09).u8(1).u8(0).u8(1).varBytes(new Uint8Array(0));
  assert.throws(() => decodeStatus(empty.finish()), isDecode, 'an empty peer id');
});

test('key-fate query round-trips; no key, duplicates, bounds are refused both ways', () => {
  const keys = [Uint8Array.of(1), rng(32), rng(64)];
  assert.equal(decodeKeyFateQuery(encodeKeyFateQuery(keys)), keys);
  const most = Array.from({ length: MAX_FATE_KEYS }, (_, k) => Uint8Array.of(k, 9));
  assert.equal(decodeKeyFateQuery(encodeKeyFateQuery(most)), most);
  for (const [what, m] of [
    ['none', []],
    ['too many', [...most, Uint8Array.of(0xff, 0xff)]],
    ['twice', [Uint8Array.of(3), Uint8Array.of(3)]],
    ['empty key', [new Uint8Array(0)]],
    ['long key', [new Uint8Array(65)]],
  ] as const) {
    assert.is(
      controlCode(() => encodeKeyFateQuery(m as unknown as Uint8Array[])),
      'INVALID_ARGUMENT',
      what,
    );
  }
  const valid = encodeKeyFateQuery([Uint8Array.of(5, 5)]);
  assert.throws(() => decodeKeyFateQuery(Uint8Array.of(0x09, ...valid.subarray(1))), isDecode, 'type');
  assert.throws(() => decodeKeyFateQuery(Uint8Array.of(valid[0]!, 2, ...valid.subarray(2))), isDecode, 'version');
  assert.throws(() => decodeKeyFateQuery(Uint8Array.of(...valid, 0)), isDecode, 'trailing');
  const w = (count: number, ...ids: Uint8Array[]) => {
    const out = new Writer().u8(0x0a).u8(1).u8(count);
    for (const id of ids) out.varBytes(id);
    return out.finish();
  };
  assert.throws(() => decodeKeyFateQuery(w(0)), isDecode, 'no key');
  assert.throws(() => decodeKeyFateQuery(w(2, Uint8Array.of(1), Uint8Array.of(1))), isDecode, 'a key twice');
  assert.throws(() => decodeKeyFateQuery(w(1, new Uint8Array(0))), isDecode, 'an empty key id');
  assert.throws(() => decodeKeyFateQuery(w(1, new Uint8Array(65))), isDecode, 'a long key id');
  assert.throws(() => decodeKeyFateQuery(w(2, Uint8Array.of(1))), isDecode, 'truncated');
});

test('key fates carry coordinator-signed decisions: round-trip, bounds both ways, and each opens only under the coordinator', () => {
  const commit = signedDecisions.encode(signedDecisions.sign(decision, coordKey));
  const abort = signedDecisions.encode(signedDecisions.sign({ ...decision, action: 'abort' }, coordKey));
  assert.equal(decodeKeyFates(encodeKeyFates([])), []);
  const both = decodeKeyFates(encodeKeyFates([commit, abort]));
  assert.equal(both, [commit, abort]);
  assert.is(signedDecisions.open(both[1] as Uint8Array, coordId).decision.action, 'abort');
  assert.throws(() => signedDecisions.open(both[0] as Uint8Array, partyId), 'a party key does not open it');
  const forged = signedDecisions.encode(signedDecisions.sign(decision, otherKey));
  assert.throws(() => signedDecisions.open(decodeKeyFates(encodeKeyFates([forged]))[0] as Uint8Array, coordId));
  for (const [what, m] of [
    ['too many', Array.from({ length: MAX_FATE_KEYS + 1 }, () => commit)],
    ['not a decision', [encodeStatus({ bans: [], draining: false })]],
    ['empty', [new Uint8Array(0)]],
    ['long', [Uint8Array.of(0x04, ...new Uint8Array(512))]],
  ] as const) {
    assert.is(
      controlCode(() => encodeKeyFates(m as unknown as Uint8Array[])),
      'INVALID_ARGUMENT',
      what,
    );
  }
  const valid = encodeKeyFates([commit]);
  assert.throws(() => decodeKeyFates(Uint8Array.of(0x0a, ...valid.subarray(1))), isDecode, 'type');
  assert.throws(() => decodeKeyFates(Uint8Array.of(valid[0]!, 2, ...valid.subarray(2))), isDecode, 'version');
  assert.throws(() => decodeKeyFates(Uint8Array.of(...valid, 0)), isDecode, 'trailing');
  const notDecision = new Writer()
    .u8(0x0b)
    .u8(1)
    .u8(1)
    .varBytes(Uint8Array.of(0x09, 1, 0, 0))
    .finish();
  assert.throws(() => decodeKeyFates(notDecision), isDecode, 'an entry that is not a decision');
  const tooMany = new Writer()
    .u8(0x0b)
    .u8(1)
    .u8(MAX_FATE_KEYS + 1);
  for (let k = 0; k <= MAX_FATE_KEYS; k++) tooMany.varBytes(commit);
  assert.throws(() => decodeKeyFates(tooMany.finish()), isDecode, 'too many');
});

test('announce round-trips; the gossipsub validator accepts only coordinator-signed records', () => {
  const signed = signedRecords.sign(record, coordKey);
  const msg = signedRecords.encode(signed);
  const back = signedRecords.decode(msg);
  assert.equal(back.record, record);
  assert.ok(equalBytes(back.bytes, signed.bytes) && equalBytes(back.signature, signed.signature));
  assert.equal(signedRecords.verify(back.bytes, back.signature, coordId), record);
  assert.is(validateGossip(msg, coordId), 'accept');
  assert.is(validateGossip(signedRecords.encode(signedRecords.sign(record, otherKey)), coordId), 'reject');
  assert.is(validateGossip(msg, partyId), 'reject');
  assert.is(validateGossip(msg, new Uint8Array(0)), 'reject', 'bad configured id never throws');
  assert.is(validateGossip(new Uint8Array(0), coordId), 'reject');
  assert.is(validateGossip(Uint8Array.of(...msg, 0), coordId), 'reject');
  // a well-signed but malformed record is rejected too
  const bad = Uint8Array.of(...signed.bytes, 0);
  assert.is(
    validateGossip(signedRecords.encode({ bytes: bad, signature: signAs('record', bad, coordKey) }), coordId),
    'reject',
  );
  for (let i = 0; i < msg.length; i++) {
    const t = msg.slice();
    t[i]! ^= 1 << (i % 8);
    assert.is(validateGossip(t, coordId), 'reject', `byte ${i}`);
  }
});

test('one envelope for every signed message: open() checks the signer and names a malformed envelope BAD_MESSAGE', () => {
  const rec = signedRecords.sign(record, coordKey);
  const dec = signedDecisions.sign(decision, coordKey);
  const res = signedResults.sign(results.failed!, partyKey);
  assert.equal(signedRecords.open(signedRecords.encode(rec), coordId), rec);
  assert.equal(signedDecisions.open(signedDecisions.encode(dec), coordId), dec);
  assert.equal(signedResults.open(signedResults.encode(res), partyId), res);
  assert.is(
    controlCode(() => signedResults.open(signedResults.encode(res), coordId)),
    'BAD_SIGNATURE',
  );
  // an envelope of another type, a truncated one, a trailing byte, a bad version
  const env = signedDecisions.encode(dec);
  for (const [what, bytes] of [
    ['record envelope as a decision', signedRecords.encode(rec)],
    ['truncated', env.subarray(0, env.length - 1)],
    ['trailing byte', Uint8Array.of(...env, 0)],
    ['version 2', Uint8Array.of(env[0]!, 2, ...env.subarray(2))],
  ] as const) {
    assert.is(
      controlCode(() => signedDecisions.open(bytes, coordId)),
      'BAD_MESSAGE',
      what,
    );
    assert.not.ok(signedDecisions.check(bytes, coordId), what);
  }
  assert.ok(signedDecisions.check(env, coordId));
  assert.not.ok(signedDecisions.check(env, partyId), 'signed by another key');
});

test('the gossip validator accepts coordinator-signed records and decisions, nothing else', () => {
  const dec = signedDecisions.encode(signedDecisions.sign(decision, coordKey));
  assert.is(validateGossip(dec, coordId), 'accept');
  assert.is(validateGossip(signedDecisions.encode(signedDecisions.sign(decision, partyKey)), coordId), 'reject');
  // a result is never gossiped, even one signed by the coordinator's key
  assert.is(validateGossip(signedResults.encode(signedResults.sign(results.timeout!, coordKey)), coordId), 'reject');
  const bad = Uint8Array.of(...signedDecisions.sign(decision, coordKey).bytes, 0);
  assert.is(
    validateGossip(signedDecisions.encode({ bytes: bad, signature: signAs('decision', bad, coordKey) }), coordId),
    'reject',
    'signed but malformed',
  );
});

test('results round-trip; sign/verify by the party key', () => {
  for (const [what, m] of Object.entries(results)) {
    assert.equal(decodeResult(encodeResult(m)), m, what);
    const signed = signedResults.sign(m, partyKey);
    assert.equal(signed.result, m);
    assert.equal(signedResults.verify(signed.bytes, signed.signature, partyId), m, what);
    const wire = signedResults.decode(signedResults.encode(signed));
    assert.equal(wire, signed, what);
  }
});

test('result rules: each violation is refused by the encoder and the decoder', () => {
  const ok = results.keygenOk!;
  const sig = results.signOk!.signature!;
  const err = results.failed!.error!;
  const offCurve = Uint8Array.of(2, ...new Uint8Array(32).fill(0xff)); // x ≥ p
  const bad: [string, SessionResult][] = [
    ['sessionId 31', { ...ok, sessionId: sessionId.subarray(1) }],
    ['status', { ...ok, status: 'done' as 'ok' }],
    ['ok with neither', { sessionId, status: 'ok' }],
    ['ok with both', { ...ok, signature: sig }],
    ['ok with error', { ...ok, error: err }],
    ['failed without error', { sessionId, status: 'failed' }],
    ['failed with key', { ...results.failed!, publicKey: PK }],
    ['timeout with signature', { sessionId, status: 'timeout', signature: sig }],
    ['publicKey 32', { ...ok, publicKey: PK.subarray(1) }],
    ['publicKey off curve', { ...ok, publicKey: offCurve }],
    ['publicKey prefix 04', { ...ok, publicKey: Uint8Array.of(4, ...PK.subarray(1)) }],
    ['r = 0', { sessionId, status: 'ok', signature: { ...sig, r: 0n } }],
    ['r = n', { sessionId, status: 'ok', signature: { ...sig, r: CURVE_ORDER } }],
    ['s = 0', { sessionId, status: 'ok', signature: { ...sig, s: 0n } }],
    ['high s', { sessionId, status: 'ok', signature: { ...sig, s: HALF_N + 1n } }],
    ['recovery 4', { sessionId, status: 'ok', signature: { ...sig, recovery: 4 } }],
    ['empty code', { sessionId, status: 'failed', error: { ...err, code: '' } }],
    ['code 65', { sessionId, status: 'failed', error: { ...err, code: 'X'.repeat(65) } }],
    ['code non-ASCII', { sessionId, status: 'failed', error: { ...err, code: 'BAD\u00ff' } }],
    ['round 65536', { sessionId, status: 'failed', error: { ...err, round: 65536 } }],
    ['round -1', { sessionId, status: 'failed', error: { ...err, round: -1 } }],
    ['culprit 0', { sessionId, status: 'failed', error: { ...err, culprits: [0] } }],
    ['culprit 17', { sessionId, status: 'failed', error: { ...err, culprits: [17] } }],
    ['culprit twice', { sessionId, status: 'failed', error: { ...err, culprits: [2, 2] } }],
    ['userShare with a signature', { ...results.signOk!, userShare: rng(10) }],
    ['userShare on a failure', { ...results.failed!, userShare: rng(10) }],
    ['userShare empty', { ...ok, userShare: new Uint8Array(0) }],
    ['userShare 4097', { ...ok, userShare: new Uint8Array(4097) }],
    [
      '17 culprits',
      { sessionId, status: 'failed', error: { ...err, culprits: Array.from({ length: 17 }, (_, k) => k + 1) } },
    ],
  ];
  for (const [what, m] of bad) {
    assert.is(
      controlCode(() => encodeResult(m)),
      'INVALID_ARGUMENT',
      what,
    );
    assert.is(
      controlCode(() => signedResults.sign(m, partyKey)),
      'INVALID_ARGUMENT',
      what,
    );
  }
  // hand-written bodies the encoder refuses to produce
  const head = () => new Writer().u8(0x13).u8(1).bytes(sessionId);
  const body = (f: (w: Writer) => Writer) => f(head()).finish();
  const rejects: [string, Uint8Array][] = [
    ['type', new Writer().u8(0x10).u8(1).bytes(sessionId).u8(3).u8(0).finish()],
    ['version', new Writer().u8(0x13).u8(2).bytes(sessionId).u8(3).u8(0).finish()],
    ['status 0', body((w) => w.u8(0).u8(0))],
    ['status 4', body((w) => w.u8(4).u8(0))],
    ['unknown flag', body((w) => w.u8(3).u8(16))],
    [
      'userShare without a key',
      body((w) =>
        w
          .u8(1)
          .u8(2 | 8)
          .scalar(1n)
          .scalar(1n)
          .u8(0)
          .varBytes(Uint8Array.of(1)),
      ),
    ],
    ['ok without payload', body((w) => w.u8(1).u8(0))],
    ['r ≥ n', body((w) => w.u8(1).u8(2).bytes(new Uint8Array(32).fill(0xff)).scalar(1n).u8(0))],
    [
      'high s',
      body((w) =>
        w
          .u8(1)
          .u8(2)
          .scalar(1n)
          .scalar(HALF_N + 1n)
          .u8(0),
      ),
    ],
    ['recovery 4', body((w) => w.u8(1).u8(2).scalar(1n).scalar(1n).u8(4))],
    ['identity key', body((w) => w.u8(1).u8(1).bytes(new Uint8Array(33)))],
    ['culprit 0', body((w) => w.u8(2).u8(4).varBytes(Uint8Array.of(0x41)).u16(1).u8(1).u8(0))],
    ['17 culprits', body((w) => w.u8(2).u8(4).varBytes(Uint8Array.of(0x41)).u16(1).u8(17).bytes(new Uint8Array(17)))],
    ['code with space', body((w) => w.u8(2).u8(4).varBytes(Uint8Array.of(0x41, 0x20)).u16(1).u8(0))],
    ['trailing', Uint8Array.of(...encodeResult(ok), 0)],
  ];
  for (const [what, b] of rejects) assert.throws(() => decodeResult(b), isDecode, what);
  assert.equal(decodeResult(body((w) => w.u8(3).u8(0))), results.timeout);
});

const delegates: Record<string, DelegateContext> = {
  keygen: { kind: 'keygen', sessionId, accountId: '0b7c2f64-8f0e-4a53-a0a5-3f5b6f0e1d2c' },
  sign: {
    kind: 'sign',
    sessionId,
    accountId: '0b7c2f64-8f0e-4a53-a0a5-3f5b6f0e1d2c',
    keyId: rng(32),
    index: 3,
    publicKey: PK,
    userShare: rng(650),
  },
};

test('delegate messages round-trip; each rule is enforced by the encoder and the decoder', () => {
  for (const [what, m] of Object.entries(delegates)) assert.equal(decodeDelegate(encodeDelegate(m)), m, what);
  const sign = delegates.sign as Extract<DelegateContext, { kind: 'sign' }>;
  const bad: [string, DelegateContext][] = [
    ['sessionId 31', { ...sign, sessionId: sessionId.subarray(1) }],
    ['empty account', { ...sign, accountId: '' }],
    ['account with a space', { ...sign, accountId: 'a b' }],
    ['account 129', { ...sign, accountId: 'a'.repeat(129) }],
    ['empty keyId', { ...sign, keyId: new Uint8Array(0) }],
    ['keyId 65', { ...sign, keyId: new Uint8Array(65) }],
    ['index 0', { ...sign, index: 0 }],
    ['index 17', { ...sign, index: 17 }],
    ['publicKey 32', { ...sign, publicKey: PK.subarray(1) }],
    ['publicKey off curve', { ...sign, publicKey: Uint8Array.of(2, ...new Uint8Array(32).fill(0xff)) }],
    ['empty share', { ...sign, userShare: new Uint8Array(0) }],
    ['share 4097', { ...sign, userShare: new Uint8Array(4097) }],
    ['kind', { ...sign, kind: 'presign' as 'sign' }],
  ];
  for (const [what, m] of bad) {
    assert.is(
      controlCode(() => encodeDelegate(m)),
      'INVALID_ARGUMENT',
      what,
    );
  }
  const valid = encodeDelegate(sign);
  const rejects: [string, Uint8Array][] = [
    ['type', Uint8Array.of(0x06, ...valid.subarray(1))],
    ['version', Uint8Array.of(0x07, 2, ...valid.subarray(2))],
    ['kind 3', Uint8Array.of(...valid.subarray(0, 34), 3, ...valid.subarray(35))],
    ['keygen with a share', Uint8Array.of(...valid.subarray(0, 34), 1, ...valid.subarray(35))],
    ['truncated', valid.subarray(0, valid.length - 1)],
    ['trailing', Uint8Array.of(...valid, 0)],
  ];
  for (const [what, b] of rejects) assert.throws(() => decodeDelegate(b), isDecode, what);
});

test('verifyResult: forged, tampered, wrong party, malformed', () => {
  const signed = signedResults.sign(results.signOk!, partyKey);
  assert.is(
    controlCode(() => signedResults.verify(signed.bytes, signed.signature, coordId)),
    'BAD_SIGNATURE',
  );
  const forged = signedResults.sign(results.signOk!, otherKey);
  assert.is(
    controlCode(() => signedResults.verify(forged.bytes, forged.signature, partyId)),
    'BAD_SIGNATURE',
  );
  for (let i = 0; i < signed.bytes.length; i++) {
    const t = signed.bytes.slice();
    t[i]! ^= 1 << (i % 8);
    assert.is(
      controlCode(() => signedResults.verify(t, signed.signature, partyId)),
      'BAD_SIGNATURE',
      `byte ${i}`,
    );
  }
  const other = signedResults.sign({ ...results.signOk!, sessionId: rng(32) }, partyKey);
  assert.is(
    controlCode(() => signedResults.verify(signed.bytes, other.signature, partyId)),
    'BAD_SIGNATURE',
    'sessionId is covered',
  );
  const bad = Uint8Array.of(...signed.bytes, 0);
  assert.is(
    controlCode(() => signedResults.verify(bad, signAs('result', bad, partyKey), partyId)),
    'BAD_MESSAGE',
  );
  assert.is(
    controlCode(() => signedResults.verify(signed.bytes, signed.signature, Uint8Array.of(1))),
    'BAD_PEER_ID',
  );
});

test('commit/abort round-trips, is verified against the coordinator, and is bounded', () => {
  for (const action of ['commit', 'abort'] as const) {
    const d = { ...decision, action };
    assert.equal(decodeDecision(encodeDecision(d)), d);
    const signed = signedDecisions.sign(d, coordKey);
    assert.equal(signedDecisions.verify(signed.bytes, signed.signature, coordId), d);
    assert.equal(signedDecisions.decode(signedDecisions.encode(signed)), signed);
  }
  const forged = signedDecisions.sign(decision, partyKey);
  assert.is(
    controlCode(() => signedDecisions.verify(forged.bytes, forged.signature, coordId)),
    'BAD_SIGNATURE',
  );
  const signed = signedDecisions.sign(decision, coordKey);
  for (let i = 0; i < signed.bytes.length; i++) {
    const t = signed.bytes.slice();
    t[i]! ^= 1 << (i % 8);
    assert.is(
      controlCode(() => signedDecisions.verify(t, signed.signature, coordId)),
      'BAD_SIGNATURE',
      `byte ${i}`,
    );
  }
  for (const [what, d] of [
    ['sessionId', { ...decision, sessionId: new Uint8Array(31) }],
    ['empty keyId', { ...decision, keyId: new Uint8Array(0) }],
    ['keyId 65', { ...decision, keyId: new Uint8Array(65) }],
    ['action', { ...decision, action: 'delete' as 'abort' }],
  ] as const) {
    assert.is(
      controlCode(() => encodeDecision(d)),
      'INVALID_ARGUMENT',
      what,
    );
  }
  const raw = (keyId: Uint8Array, action: number) =>
    new Writer().u8(0x14).u8(1).bytes(sessionId).varBytes(keyId).u8(action).finish();
  assert.throws(() => decodeDecision(raw(new Uint8Array(0), 1)), isDecode);
  assert.throws(() => decodeDecision(raw(new Uint8Array(65), 1)), isDecode);
  assert.throws(() => decodeDecision(raw(Uint8Array.of(1), 0)), isDecode);
  assert.throws(() => decodeDecision(raw(Uint8Array.of(1), 3)), isDecode);
  const bad = Uint8Array.of(...signed.bytes, 0);
  assert.is(
    controlCode(() => signedDecisions.verify(bad, signAs('decision', bad, coordKey), coordId)),
    'BAD_MESSAGE',
  );
});

test('a signature of one message type never verifies as another', () => {
  const rec = signedRecords.sign(record, coordKey);
  const dec = signedDecisions.sign(decision, coordKey);
  const res = signedResults.sign(results.keygenOk!, coordKey); // the coordinator's key, so only the type differs
  // real messages presented as another type
  assert.is(
    controlCode(() => signedRecords.verify(dec.bytes, dec.signature, coordId)),
    'BAD_SIGNATURE',
  );
  assert.is(
    controlCode(() => signedDecisions.verify(rec.bytes, rec.signature, coordId)),
    'BAD_SIGNATURE',
  );
  assert.is(
    controlCode(() => signedResults.verify(dec.bytes, dec.signature, coordId)),
    'BAD_SIGNATURE',
  );
  assert.is(
    controlCode(() => signedDecisions.verify(res.bytes, res.signature, coordId)),
    'BAD_SIGNATURE',
  );
  assert.is(
    controlCode(() => signedRecords.verify(res.bytes, res.signature, coordId)),
    'BAD_SIGNATURE',
  );
  // the very bytes of a valid message of type B, signed in domain A, still fail as B (the tag alone separates)
  const bodies: [SignatureDomain, Uint8Array, (b: Uint8Array, s: Uint8Array) => unknown][] = [
    ['record', rec.bytes, (b, s) => signedRecords.verify(b, s, coordId)],
    ['decision', dec.bytes, (b, s) => signedDecisions.verify(b, s, coordId)],
    ['result', res.bytes, (b, s) => signedResults.verify(b, s, coordId)],
  ];
  for (const [domain, bytes, verify] of bodies) {
    for (const other of ['record', 'decision', 'result'] as const) {
      if (other === domain) continue;
      const s = signAs(other, bytes, coordKey);
      assert.is(
        controlCode(() => verify(bytes, s)),
        'BAD_SIGNATURE',
        `${other} signature as ${domain}`,
      );
    }
  }
  assert.not.ok(equalBytes(signingDigest('record', rec.bytes), signingDigest('result', rec.bytes)));
});

test('interop: a result signed with a @libp2p/crypto key verifies against its peer id', async () => {
  const key = await generateKeyPair('Ed25519');
  const peerId = peerIdFromPrivateKey(key).toMultihash().bytes;
  const bytes = encodeResult(results.failed!);
  const signature = await key.sign(signingDigest('result', bytes));
  assert.equal(signedResults.verify(bytes, signature, peerId), results.failed);
  const ours = signedResults.sign(results.failed!, key.raw.subarray(0, 32));
  assert.ok(await key.publicKey.verify(signingDigest('result', ours.bytes), ours.signature));
  const d = signedDecisions.sign(decision, key.raw.subarray(0, 32));
  assert.equal(signedDecisions.verify(d.bytes, d.signature, peerId), decision);
});

test('fuzz: every control decoder throws only DecodeError (10,000 mutations each)', () => {
  const signedRec = signedRecords.sign(record, coordKey);
  const signedDec = signedDecisions.sign(decision, coordKey);
  const cases: [string, Uint8Array, (b: Uint8Array) => unknown][] = [
    [
      'register',
      encodeRegister({ role: 'delegate', version: '1.2.3', addrs: ['/ip4/1.2.3.4/tcp/5', '/é'] }),
      decodeRegister,
    ],
    ['status', encodeStatus({ bans: [partyId, peerIdFromSecretKey(otherKey)], draining: true }), decodeStatus],
    ['key-fate query', encodeKeyFateQuery([Uint8Array.of(1, 2), rng(32)]), decodeKeyFateQuery],
    ['key fates', encodeKeyFates([signedDecisions.encode(signedDec)]), decodeKeyFates],
    ['announce', signedRecords.encode(signedRec), signedRecords.decode],
    ['decision', signedDec.bytes, decodeDecision],
    ['decision message', signedDecisions.encode(signedDec), signedDecisions.decode],
    ['delegate keygen', encodeDelegate(delegates.keygen!), decodeDelegate],
    ['delegate sign', encodeDelegate(delegates.sign!), decodeDelegate],
  ];
  for (const [what, m] of Object.entries(results)) {
    const signed = signedResults.sign(m, partyKey);
    cases.push([`result ${what}`, signed.bytes, decodeResult]);
    cases.push([`result message ${what}`, signedResults.encode(signed), signedResults.decode]);
  }
  for (const [label, valid, decode] of cases) {
    decode(valid);
    const stats = fuzzDecoder(valid, decode, seededRng(`fuzz-control-${label}`), 10_000);
    assert.is(stats.inputs, 10_000);
    assert.ok(stats.rejected > 3_000, `${label}: only ${stats.rejected} rejected`);
  }
});

test('fuzz: the gossipsub validator never throws and accepts only the original message', () => {
  const msg = signedRecords.encode(signedRecords.sign(record, coordKey));
  const stats = fuzzDecoder(
    msg,
    (b) => {
      const v = validateGossip(b, coordId);
      assert.ok(v === 'accept' || v === 'reject');
      if (v === 'accept' && !equalBytes(b, msg)) throw new Error('accepted a mutated announcement');
      if (v === 'reject') throw new DecodeError('rejected');
    },
    seededRng('fuzz-validator'),
    1_000,
  );
  assert.ok(stats.rejected > 900);
});

test.run();
