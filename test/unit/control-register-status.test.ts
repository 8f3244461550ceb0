/**
 * The register and status messages a party sends the coordinator: round trips, and every bound enforced by
 * the encoder and the decoder.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writer } from '../../protocols/common/codec.js';
import {
  decodeRegister,
  decodeStatus,
  encodeRegister,
  encodeStatus,
  MAX_STATUS_BANS,
  type Register,
} from '../../protocols/control/control.js';
import { peerIdFromSecretKey } from '../../protocols/control/peer-key.js';
import { controlCode, isDecode } from '../helpers/control-errors.js';
import { otherKey, partyId } from '../helpers/control-fixtures.js';

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

test.run();
