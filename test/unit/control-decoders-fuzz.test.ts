/**
 * Fuzzing every control-message decoder: each throws only DecodeError on mutated input.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decodeDecision,
  decodeDelegate,
  decodeRegister,
  decodeResult,
  decodeStatus,
  encodeDelegate,
  encodeRegister,
  encodeStatus,
} from '../../protocols/control/control.js';
import { signedDecisions } from '../../protocols/control/decision.js';
import {
  decodeKeyFateQuery,
  decodeKeyFates,
  encodeKeyFateQuery,
  encodeKeyFates,
} from '../../protocols/control/key-fate.js';
import { peerIdFromSecretKey } from '../../protocols/control/peer-key.js';
import { signedRecords } from '../../protocols/control/record.js';
import { signedResults } from '../../protocols/control/result.js';
import {
  coordKey,
  decision,
  delegates,
  onlineRecord,
  otherKey,
  partyId,
  partyKey,
  presignRecord,
  record,
  results,
} from '../helpers/control-fixtures.js';
import { fuzzDecoder } from '../helpers/fuzz.js';
import { seededRng } from '../helpers/rng.js';

const rng = seededRng('control-decoders-fuzz');

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
    ['announce presign', signedRecords.encode(signedRecords.sign(presignRecord, coordKey)), signedRecords.decode],
    ['announce online signing', signedRecords.encode(signedRecords.sign(onlineRecord, coordKey)), signedRecords.decode],
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

test.run();
