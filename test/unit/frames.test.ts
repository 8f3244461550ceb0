import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decodeFrame,
  encodeFrame,
  FRAME_HEADER_BYTES,
  FrameError,
  MAX_FRAME_BYTES,
  sameSessionId,
} from '../../src/session/frames.js';

const sid = new Uint8Array(32).map((_, i) => i + 1);

test('frames round-trip every field', () => {
  const payload = new Uint8Array(75_000).map((_, i) => i & 255);
  const f = decodeFrame(encodeFrame({ sessionId: sid, round: 300, from: 7, payload }));
  assert.ok(sameSessionId(f.sessionId, sid));
  assert.is(f.round, 300);
  assert.is(f.from, 7);
  assert.equal(f.payload, payload);
});

test('decoding is strict: short, wrong version, sender 0, non-empty hello', () => {
  const good = encodeFrame({ sessionId: sid, round: 1, from: 1, payload: Uint8Array.of(1, 2) });
  assert.throws(
    () => decodeFrame(good.subarray(0, FRAME_HEADER_BYTES - 1)),
    (e: unknown) => e instanceof FrameError,
  );
  const v = good.slice();
  v[0] = 2;
  assert.throws(() => decodeFrame(v), /version/);
  const z = good.slice();
  z[35] = 0;
  assert.throws(() => decodeFrame(z), /index 0/);
  const h = good.slice();
  h[33] = 0;
  h[34] = 0;
  assert.throws(() => decodeFrame(h), /hello/);
});

test('frames over the cap are refused both ways', () => {
  const payload = new Uint8Array(MAX_FRAME_BYTES - FRAME_HEADER_BYTES + 1);
  assert.throws(() => encodeFrame({ sessionId: sid, round: 1, from: 1, payload }), RangeError);
  assert.throws(() => decodeFrame(new Uint8Array(MAX_FRAME_BYTES + 1)), /cap/);
  assert.throws(() =>
    decodeFrame(encodeFrame({ sessionId: sid, round: 1, from: 1, payload: new Uint8Array(100) }), 64),
  );
});

test('encoding rejects out-of-range fields', () => {
  const payload = new Uint8Array(0);
  assert.throws(() => encodeFrame({ sessionId: sid.subarray(1), round: 1, from: 1, payload }), /sessionId/);
  assert.throws(() => encodeFrame({ sessionId: sid, round: 65536, from: 1, payload }), /round/);
  assert.throws(() => encodeFrame({ sessionId: sid, round: 1, from: 256, payload }), /from/);
});

test.run();
