/**
 * The announced session record on gossip: round trips, and the gossipsub validator accepting only
 * coordinator-signed records and decisions, never throwing on mutated input.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes } from '../../protocols/common/bytes.js';
import { DecodeError } from '../../protocols/common/errors.js';
import { signedDecisions } from '../../protocols/control/decision.js';
import { validateGossip } from '../../protocols/control/gossip.js';
import { signAs } from '../../protocols/control/peer-key.js';
import { signedRecords } from '../../protocols/control/record.js';
import { signedResults } from '../../protocols/control/result.js';
import {
  coordId,
  coordKey,
  decision,
  otherKey,
  partyId,
  partyKey,
  record,
  results,
} from '../helpers/control-fixtures.js';
import { fuzzDecoder } from '../helpers/fuzz.js';
import { seededRng } from '../helpers/rng.js';

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
