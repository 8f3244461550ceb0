/**
 * The commit/abort decision: round trips, verification against the coordinator, and bounds.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writer } from '../../protocols/common/codec.js';
import { decodeDecision, encodeDecision } from '../../protocols/control/control.js';
import { signedDecisions } from '../../protocols/control/decision.js';
import { signAs } from '../../protocols/control/peer-key.js';
import { controlCode, isDecode } from '../helpers/control-errors.js';
import { coordId, coordKey, decision, partyKey, sessionId } from '../helpers/control-fixtures.js';

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

test.run();
