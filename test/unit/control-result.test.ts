/**
 * The session result a party signs: round trips, every rule refused by the encoder and the decoder, and
 * verification against the party key (forged, tampered, wrong party, malformed).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigIntToBytes } from '../../protocols/common/bytes.js';
import { Writer } from '../../protocols/common/codec.js';
import { CURVE_ORDER } from '../../protocols/common/curve.js';
import { decodeResult, encodeResult, type SessionResult } from '../../protocols/control/control.js';
import { signAs } from '../../protocols/control/peer-key.js';
import { signedResults } from '../../protocols/control/result.js';
import { controlCode, isDecode } from '../helpers/control-errors.js';
import { coordId, HALF_N, otherKey, PK, partyId, partyKey, results, sessionId } from '../helpers/control-fixtures.js';
import { seededRng } from '../helpers/rng.js';

const rng = seededRng('control-result');

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
    ['presignedR with a key', { ...ok, presignedR: PK }],
    ['presignedR with a signature', { ...results.signOk!, presignedR: PK }],
    ['presignedR on a failure', { ...results.failed!, presignedR: PK }],
    ['presignedR 32', { sessionId, status: 'ok', presignedR: PK.subarray(1) }],
    ['presignedR off curve', { sessionId, status: 'ok', presignedR: offCurve }],
    ['chainCode without a key', { ...results.presigned!, chainCode: rng(32) }],
    ['chainCode with a signature', { ...results.signOk!, chainCode: rng(32) }],
    ['chainCode 31', { ...ok, chainCode: rng(31) }],
    ['chainCode 33', { ...ok, chainCode: rng(33) }],
    ['onlineShare with a signature', { ...results.signOk!, onlineShare: results.onlineShare!.onlineShare! }],
    ['onlineShare on a failure', { ...results.failed!, onlineShare: results.onlineShare!.onlineShare! }],
    [
      'onlineShare u = n',
      { sessionId, status: 'ok', onlineShare: { ...results.onlineShare!.onlineShare!, u: CURVE_ORDER } },
    ],
    ['onlineShare w < 0', { sessionId, status: 'ok', onlineShare: { ...results.onlineShare!.onlineShare!, w: -1n } }],
    [
      'onlineShare R off curve',
      { sessionId, status: 'ok', onlineShare: { ...results.onlineShare!.onlineShare!, R: offCurve } },
    ],
    [
      'onlineShare R 32',
      { sessionId, status: 'ok', onlineShare: { ...results.onlineShare!.onlineShare!, R: PK.subarray(1) } },
    ],
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
    ['unknown flag', body((w) => w.u8(3).u8(128))],
    ['onlineShare on a timeout', body((w) => w.u8(3).u8(64).bytes(PK).scalar(1n).scalar(1n))],
    ['onlineShare u ≥ n', body((w) => w.u8(1).u8(64).bytes(PK).bytes(bigIntToBytes(CURVE_ORDER, 32)).scalar(1n))],
    ['onlineShare truncated', body((w) => w.u8(1).u8(64).bytes(PK).scalar(1n))],
    ['presignedR on a timeout', body((w) => w.u8(3).u8(16).bytes(PK))],
    [
      'presignedR and a key',
      body((w) =>
        w
          .u8(1)
          .u8(1 | 16)
          .bytes(PK)
          .bytes(PK),
      ),
    ],
    [
      'presignedR off curve',
      body((w) =>
        w
          .u8(1)
          .u8(16)
          .bytes(Uint8Array.of(2, ...new Uint8Array(32).fill(0xff))),
      ),
    ],
    ['presignedR truncated', body((w) => w.u8(1).u8(16).bytes(PK.subarray(0, 32)))],
    ['chainCode alone', body((w) => w.u8(1).u8(32).bytes(new Uint8Array(32)))],
    [
      'chainCode with a signature',
      body((w) =>
        w
          .u8(1)
          .u8(2 | 32)
          .scalar(1n)
          .scalar(1n)
          .u8(0)
          .bytes(new Uint8Array(32)),
      ),
    ],
    [
      'chainCode truncated',
      body((w) =>
        w
          .u8(1)
          .u8(1 | 32)
          .bytes(PK)
          .bytes(new Uint8Array(31)),
      ),
    ],
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
  // the new flags are written after every older field, so an older body is byte-identical
  const presigned = encodeResult(results.presigned!);
  assert.is(presigned[35], 16, 'flag 16: presigned R');
  assert.ok(presigned.length === 36 + 33);
  const chain = encodeResult(results.keygenChainCode!);
  assert.is(chain[35], 1 | 32, 'flags: publicKey and chainCode');
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

test.run();
