/**
 * The key-fate query and its answer (coordinator-signed decisions): round trips, bounds both ways, and each
 * decision opening only under the coordinator.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writer } from '../../protocols/common/codec.js';
import { encodeStatus } from '../../protocols/control/control.js';
import { signedDecisions } from '../../protocols/control/decision.js';
import {
  decodeKeyFateQuery,
  decodeKeyFates,
  encodeKeyFateQuery,
  encodeKeyFates,
  MAX_FATE_KEYS,
} from '../../protocols/control/key-fate.js';
import { controlCode, isDecode } from '../helpers/control-errors.js';
import { coordId, coordKey, decision, otherKey, partyId } from '../helpers/control-fixtures.js';
import { seededRng } from '../helpers/rng.js';

const rng = seededRng('control-key-fate');

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

test.run();
