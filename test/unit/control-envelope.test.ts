/**
 * The one envelope of every signed control message: open() checks the signer, a malformed envelope is
 * BAD_MESSAGE, a signature of one type never verifies as another, and keys of @libp2p/crypto interoperate.
 */
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes } from '../../protocols/common/bytes.js';
import { encodeResult } from '../../protocols/control/control.js';
import { signedDecisions } from '../../protocols/control/decision.js';
import { type SignatureDomain, signAs, signingDigest } from '../../protocols/control/peer-key.js';
import { signedRecords } from '../../protocols/control/record.js';
import { signedResults } from '../../protocols/control/result.js';
import { controlCode } from '../helpers/control-errors.js';
import { coordId, coordKey, decision, partyId, partyKey, record, results } from '../helpers/control-fixtures.js';

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

test.run();
