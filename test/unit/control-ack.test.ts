/**
 * The answer to a control request: accepted, accepted with a payload (a signing from a presignature answers with
 * the signer's signed result), or refused with a code; strict decoding of every form.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writer } from '../../protocols/common/codec.js';
import { type Ack, decodeAck, encodeAck, MAX_ACK_PAYLOAD_BYTES } from '../../protocols/control/ack.js';
import { signedResults } from '../../protocols/control/result.js';
import { MessageType, WIRE_VERSION } from '../../protocols/control/wire.js';
import { isDecode } from '../helpers/control-errors.js';
import { partyId, partyKey, results } from '../helpers/control-fixtures.js';
import { seededRng } from '../helpers/rng.js';

const rng = seededRng('control-ack');

test('answers round-trip: accepted, accepted with a signed result, refused', () => {
  const share = signedResults.encode(signedResults.sign(results.onlineShare!, partyKey));
  const answers: Ack[] = [
    { ok: true },
    { ok: true, payload: share },
    { ok: true, payload: rng(MAX_ACK_PAYLOAD_BYTES) },
    { ok: false, code: 'PRESIGNATURE_USED', message: 'used already' },
  ];
  for (const a of answers) assert.equal(decodeAck(encodeAck(a)), a);
  // the payload is the party's signed result, checked against its key by the receiver
  const back = decodeAck(encodeAck({ ok: true, payload: share }));
  assert.ok(back.ok && back.payload);
  const signed = signedResults.decode(back.payload);
  assert.equal(signedResults.verify(signed.bytes, signed.signature, partyId), results.onlineShare);
});

test('answers: the encoder refuses an empty or oversized payload, the decoder every malformed body', () => {
  assert.throws(() => encodeAck({ ok: true, payload: new Uint8Array(0) }), /payload/);
  assert.throws(() => encodeAck({ ok: true, payload: new Uint8Array(MAX_ACK_PAYLOAD_BYTES + 1) }), /payload/);
  const head = () => new Writer().u8(MessageType.ACK).u8(WIRE_VERSION);
  const bad: [string, Uint8Array][] = [
    ['empty payload', head().u8(2).varBytes(new Uint8Array(0)).finish()],
    [
      'payload too long',
      head()
        .u8(2)
        .varBytes(new Uint8Array(MAX_ACK_PAYLOAD_BYTES + 1))
        .finish(),
    ],
    ['payload truncated', head().u8(2).u16(10).bytes(rng(4)).finish()],
    ['payload with trailing bytes', head().u8(2).varBytes(rng(4)).u8(0).finish()],
    ['flag 3', head().u8(3).finish()],
    ['accepted with trailing bytes', head().u8(1).u8(0).finish()],
    ['wrong type', new Writer().u8(MessageType.RESULT).u8(WIRE_VERSION).u8(1).finish()],
    [
      'wrong version',
      new Writer()
        .u8(MessageType.ACK)
        .u8(WIRE_VERSION + 1)
        .u8(1)
        .finish(),
    ],
  ];
  for (const [what, bytes] of bad) assert.throws(() => decodeAck(bytes), isDecode, what);
});

test('fuzz: decoding random and mutated answers throws only DecodeError', () => {
  const good = encodeAck({ ok: true, payload: rng(40) });
  for (let k = 0; k < 2000; k++) {
    const bytes = k % 2 === 0 ? rng(1 + (k % 50)) : Uint8Array.from(good);
    if (k % 2 === 1) bytes[k % bytes.length] = (bytes[k % bytes.length] ?? 0) ^ (1 + (k % 255));
    try {
      decodeAck(bytes);
    } catch (e) {
      assert.ok(isDecode(e), `not a DecodeError: ${String(e)}`);
    }
  }
});

test.run();
