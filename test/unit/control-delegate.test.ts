/**
 * The delegate message (a keygen or signing handed to a delegate party): round trips, and each rule enforced
 * by the encoder and the decoder.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type DelegateContext, decodeDelegate, encodeDelegate } from '../../protocols/control/control.js';
import { controlCode, isDecode } from '../helpers/control-errors.js';
import { delegates, PK, sessionId } from '../helpers/control-fixtures.js';

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
    ['kind 4 (presign)', Uint8Array.of(...valid.subarray(0, 34), 4, ...valid.subarray(35))],
    ['kind 5', Uint8Array.of(...valid.subarray(0, 34), 5, ...valid.subarray(35))],
    ['keygen with a share', Uint8Array.of(...valid.subarray(0, 34), 1, ...valid.subarray(35))],
    ['truncated', valid.subarray(0, valid.length - 1)],
    ['trailing', Uint8Array.of(...valid, 0)],
  ];
  for (const [what, b] of rejects) assert.throws(() => decodeDelegate(b), isDecode, what);
  // a hybrid key is never presigned: the decoder says why
  assert.throws(
    () => decodeDelegate(rejects[3]![1]),
    (e: unknown) => isDecode(e) && /kind presign has no delegate context/.test((e as Error).message),
  );
});

test.run();
