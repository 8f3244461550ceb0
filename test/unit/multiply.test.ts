import { createHash } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToBigInt, toHex, wordsOfBytes } from '../../protocols/common/bytes.js';
import { CURVE_ORDER, modN, randomScalar } from '../../protocols/common/curve.js';
import { ProtocolError } from '../../protocols/common/errors.js';
import { makeSuite, nobleSha256, type Sha256, type Suite } from '../../protocols/common/suite.js';
import {
  ALICE_MESSAGE_BYTES,
  aliceRespond,
  BOB_MESSAGE_BYTES,
  bobFinish,
  bobStart,
  type MulContext,
} from '../../protocols/dkls23/multiply.js';
import { GADGET_TAG_HASH, gadget, HS_TAG_HASH, hs, hsRows } from '../../protocols/dkls23/ole-hash.js';
import { oleScratch } from '../../protocols/dkls23/ole-rows.js';
import type { AliceOtState, BobOtState } from '../../protocols/dkls23/pair-state.js';
import { compressionCount, midstateMessage } from '../../protocols/math/midstate-sha256.js';
import {
  encodeKosMessage,
  KOS_MESSAGE_BYTES,
  kosChallenge,
  kosColumns,
  kosCombine,
  kosCombineRows,
  transposeToColumns,
  transposeToRows,
} from '../../protocols/ot/kos.js';
import { PRG_TAG_HASH, PRG_WORDS, prg, prgAll } from '../../protocols/ot/prg.js';
import { testCurve } from '../helpers/curve.js';
import { seededRng } from '../helpers/rng.js';

const n = CURVE_ORDER;
const nodeSha: Sha256 = (parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** A consistent fake base-OT state: random Δ and key pairs, Alice holding k_i^{Δ_i}. */
function fakePair(seed: string, delta?: Uint8Array): { alice: AliceOtState; bob: BobOtState } {
  const rng = seededRng(seed);
  const d = delta ?? rng(32);
  const keys0 = rng(256 * 32);
  const keys1 = rng(256 * 32);
  const keys = new Uint8Array(256 * 32);
  for (let i = 0; i < 256; i++) {
    const bit = ((d[i >> 3] as number) >> (i & 7)) & 1;
    keys.set((bit ? keys1 : keys0).subarray(32 * i, 32 * i + 32), 32 * i);
  }
  return { alice: { delta: d, keys }, bob: { keys0, keys1 } };
}

const PEER = 7;
const ctxOf = (msid: Uint8Array): MulContext => ({ msid, round: 2, peer: PEER });

function expectError(f: () => unknown, code: string, what: string): void {
  try {
    f();
  } catch (e) {
    assert.instance(e, ProtocolError, what);
    const pe = e as ProtocolError;
    assert.is(pe.code, code, `${what}: ${pe.message}`);
    assert.is(pe.culprit, PEER, `${what}: culprit`);
    assert.is(pe.round, 2, `${what}: round`);
    return;
  }
  assert.unreachable(`${what}: no error`);
}

const pair = fakePair('multiply-pair');

test('c_m + d_m = a_m·b over random inputs, b random and non-zero', () => {
  const rng = seededRng('mul-correct');
  const suite = makeSuite(rng, testCurve(), nodeSha);
  const bs = new Set<bigint>();
  for (let r = 0; r < 6; r++) {
    const ctx = ctxOf(rng(32));
    const inputs: [bigint, bigint] = r === 0 ? [0n, n - 1n] : [randomScalar(rng), randomScalar(rng)];
    const { message, state, b } = bobStart(pair.bob, ctx, suite);
    assert.is(message.length, BOB_MESSAGE_BYTES);
    const { message: am, c } = aliceRespond(pair.alice, ctx, message, inputs, suite);
    assert.is(am.length, ALICE_MESSAGE_BYTES);
    const { d } = bobFinish(state, ctx, am);
    assert.ok(b > 0n && b < n);
    bs.add(b);
    for (const m of [0, 1] as const) {
      assert.ok(c[m] >= 0n && c[m] < n && d[m] >= 0n && d[m] < n);
      assert.is(modN(c[m] + d[m]), modN(inputs[m] * b), `output ${m} of run ${r}`);
    }
  }
  assert.is(bs.size, 6, 'b differs between runs');
});

test('headroom: the messages are the same bytes with free room in front; the reused buffers hold no secret afterwards', () => {
  const run = (headroom: number) => {
    const rng = seededRng('mul-headroom');
    const suite = makeSuite(rng, testCurve());
    const ctx = ctxOf(rng(32));
    const { message, state } = bobStart(pair.bob, ctx, suite, headroom);
    assert.is(message.byteOffset, headroom);
    assert.is(message.buffer.byteLength, headroom + BOB_MESSAGE_BYTES);
    const { message: am, c } = aliceRespond(pair.alice, ctx, message, [11n, 12n], suite, headroom);
    assert.is(am.byteOffset, headroom);
    const { d } = bobFinish(state, ctx, am);
    return { bob: toHex(message), alice: toHex(am), c, d };
  };
  assert.equal(run(0), run(97));
  const { pads0, pads1, checks } = oleScratch();
  assert.ok(
    [pads0, pads1, checks].every((a) => a.every((v) => v === 0)),
    'the scratch pads and check values are wiped',
  );
});

test('the reused buffers hold no secret after a failed check either', () => {
  const rng = seededRng('mul-scratch-fail');
  const suite = makeSuite(rng, testCurve());
  const ctx = ctxOf(rng(32));
  const { message, state } = bobStart(pair.bob, ctx, suite);
  const { message: am } = aliceRespond(pair.alice, ctx, message, [1n, 2n], suite);
  const bad = am.slice();
  bad[5] = (bad[5] as number) ^ 1;
  assert.throws(
    () => bobFinish(state, ctx, bad),
    (e: unknown) => (e as ProtocolError).code === 'OLE_CHECK_FAILED',
  );
  // Alice's side: a throwing rng after the OT-extension check (the pads are already in the scratch buffers)
  const ctx2 = ctxOf(rng(32));
  const { message: m2 } = bobStart(pair.bob, ctx2, suite);
  const failing = makeSuite(() => {
    throw new Error('rng down');
  }, testCurve());
  assert.throws(() => aliceRespond(pair.alice, ctx2, m2, [1n, 2n], failing), /rng down/);
  const { pads0, pads1, checks } = oleScratch();
  assert.ok([pads0, pads1, checks].every((a) => a.every((v) => v === 0)));
});

test('bobFinish refuses a second use of the same state', () => {
  const rng = seededRng('mul-once');
  const suite = makeSuite(rng, testCurve());
  const ctx = ctxOf(rng(32));
  const { message, state } = bobStart(pair.bob, ctx, suite);
  const { message: am } = aliceRespond(pair.alice, ctx, message, [1n, 2n], suite);
  bobFinish(state, ctx, am);
  assert.throws(
    () => bobFinish(state, ctx, am),
    (e: unknown) => (e as ProtocolError).code === 'INVALID_ARGUMENT',
  );
});

test('flipping any single bit of u, of one t̃_i or of x̃ fails the OT-extension check', () => {
  const rng = seededRng('mul-flip');
  const suite = makeSuite(rng, testCurve(), nodeSha);
  const ctx = ctxOf(rng(32));
  const { message } = bobStart(pair.bob, ctx, suite);
  // u: first bit, a β bit, a padding bit, the last bit of u; t̃: first, middle, last; x̃: first and last bits.
  const bits = [0, 8 * 80 * 3 + 77, 8 * 80 * 200 + 600, 8 * 20480 - 1, 8 * 20480, 8 * (20480 + 16 * 128) + 9];
  bits.push(8 * (20480 + 4096) - 1, 8 * (20480 + 4096), 8 * KOS_MESSAGE_BYTES - 1);
  for (const bit of bits) {
    const bad = message.slice();
    bad[bit >> 3] = (bad[bit >> 3] as number) ^ (1 << (bit & 7));
    expectError(() => aliceRespond(pair.alice, ctx, bad, [1n, 2n], suite), 'OT_CHECK_FAILED', `bit ${bit}`);
  }
  // The untouched message still passes.
  aliceRespond(pair.alice, ctx, message, [1n, 2n], suite);
});

/** Bob's message built from the exported KOS pieces, with a choice vector per column (an attack). */
function maliciousKos(
  bob: BobOtState,
  msid: Uint8Array,
  xOfColumn: (i: number) => Uint32Array,
  xForCheck: Uint32Array,
  patch: (tTilde: Uint32Array) => void,
): Uint8Array {
  const t0 = kosColumns(bob.keys0, msid);
  const u = kosColumns(bob.keys1, msid);
  for (let i = 0; i < 256; i++) {
    const x = xOfColumn(i);
    for (let w = 0; w < PRG_WORDS; w++)
      u[20 * i + w] = (u[20 * i + w] as number) ^ (t0[20 * i + w] as number) ^ (x[w] as number);
  }
  const uBytes = encodeKosMessage(u, new Uint32Array(1024), new Uint32Array(4)).subarray(0, 20480);
  const chi = kosChallenge(msid, uBytes, nobleSha256);
  const tTilde = new Uint32Array(1024);
  for (let i = 0; i < 256; i++) kosCombine(chi, t0, 20 * i, tTilde, 4 * i);
  const xTilde = new Uint32Array(4);
  kosCombine(chi, xForCheck, 0, xTilde, 0);
  patch(tTilde);
  return encodeKosMessage(u, tTilde, xTilde);
}

test('pitfall: deprecated KOS row check instead of the corrected block check — an inconsistent x per column (selective failure) is caught', () => {
  // Δ with bit 5 = 1 and bit 6 = 0 (the rest random).
  const delta = seededRng('sf-delta')(32);
  delta[0] = ((delta[0] as number) | (1 << 5)) & ~(1 << 6);
  const { alice, bob } = fakePair('sf-pair', delta);
  const rng = seededRng('sf');
  const suite = makeSuite(rng, testCurve());
  const msid = rng(32);
  const ctx = ctxOf(msid);
  const x = wordsOfBytes(rng(80));
  const e = new Uint32Array(20);
  e[0] = 1 << 3; // flip β_3 in the attacked column only
  const xBad = x.map((v, w) => v ^ (e[w] as number));
  const honest = (): void => {};

  // Column 5 (Δ_5 = 1) uses another x: Alice's q_5 then carries χ·E that no t̃_5 accounts for.
  const probe5 = maliciousKos(bob, msid, (i) => (i === 5 ? xBad : x), x, honest);
  expectError(() => aliceRespond(alice, ctx, probe5, [1n, 2n], suite), 'OT_CHECK_FAILED', 'probe on Δ_5 = 1');

  // Bob may patch t̃_i by χ·E to pass exactly when he guessed Δ_i = 1: wrong guess (Δ_6 = 0) fails.
  const patchColumn = (col: number) => (tTilde: Uint32Array) => {
    const uBytes = msgU(bob, msid, (i) => (i === col ? xBad : x));
    const chi = kosChallenge(msid, uBytes, nobleSha256);
    const ce = new Uint32Array(4);
    kosCombine(chi, e, 0, ce, 0);
    for (let w = 0; w < 4; w++) tTilde[4 * col + w] = (tTilde[4 * col + w] as number) ^ (ce[w] as number);
  };
  const probe6 = maliciousKos(bob, msid, (i) => (i === 6 ? xBad : x), x, patchColumn(6));
  expectError(() => aliceRespond(alice, ctx, probe6, [1n, 2n], suite), 'OT_CHECK_FAILED', 'patched probe on Δ_6 = 0');

  // Probing two columns at once passes only if both guesses are right: mixed guesses always fail.
  const both = maliciousKos(bob, msid, (i) => (i === 5 || i === 6 ? xBad : x), x, honest);
  expectError(() => aliceRespond(alice, ctx, both, [1n, 2n], suite), 'OT_CHECK_FAILED', 'probe on columns 5 and 6');

  // Sanity: the same construction with a consistent x passes (the failures above are the attack being caught).
  const fine = maliciousKos(bob, msid, () => x, x, honest);
  aliceRespond(alice, ctx, fine, [1n, 2n], suite);
});

/** u bytes of a (possibly inconsistent) extension, for recomputing χ. */
function msgU(bob: BobOtState, msid: Uint8Array, xOfColumn: (i: number) => Uint32Array): Uint8Array {
  const t0 = kosColumns(bob.keys0, msid);
  const u = kosColumns(bob.keys1, msid);
  for (let i = 0; i < 256; i++) {
    const x = xOfColumn(i);
    for (let w = 0; w < PRG_WORDS; w++)
      u[20 * i + w] = (u[20 * i + w] as number) ^ (t0[20 * i + w] as number) ^ (x[w] as number);
  }
  return encodeKosMessage(u, new Uint32Array(1024), new Uint32Array(4)).subarray(0, 20480);
}

test('tampered OLE values (one ã, η′, μ) fail the OLE check, naming Alice', () => {
  const rng = seededRng('mul-ole');
  const suite = makeSuite(rng, testCurve(), nodeSha);
  const offsets = [0, 32 * 700 + 0, 32 * 1535, 32 * 1536, 32 * 1537];
  for (const off of offsets) {
    const ctx = ctxOf(rng(32));
    const { message, state } = bobStart(pair.bob, ctx, suite);
    const { message: am } = aliceRespond(pair.alice, ctx, message, [randomScalar(rng), randomScalar(rng)], suite);
    const bad = am.slice();
    if (off < 32 * 1537) {
      // Replace a scalar by another canonical scalar (value + 1 mod n).
      const v = modN(bytesToBigInt(bad.subarray(off, off + 32)) + 1n);
      const hex = v.toString(16).padStart(64, '0');
      for (let k = 0; k < 32; k++) bad[off + k] = Number.parseInt(hex.slice(2 * k, 2 * k + 2), 16);
    } else {
      bad[off + 31] = (bad[off + 31] as number) ^ 1; // μ
    }
    expectError(() => bobFinish(state, ctx, bad), 'OLE_CHECK_FAILED', `offset ${off}`);
  }
});

test('truncated, extended or non-canonical messages are BAD_MESSAGE naming the sender', () => {
  const rng = seededRng('mul-decode');
  const suite = makeSuite(rng, testCurve());
  const ctx = ctxOf(rng(32));
  const { message, state } = bobStart(pair.bob, ctx, suite);
  expectError(() => aliceRespond(pair.alice, ctx, message.subarray(1), [1n, 2n], suite), 'BAD_MESSAGE', 'short');
  expectError(
    () => aliceRespond(pair.alice, ctx, new Uint8Array([...message, 0]), [1n, 2n], suite),
    'BAD_MESSAGE',
    'long',
  );
  expectError(() => aliceRespond(pair.alice, ctx, new Uint8Array(0), [1n, 2n], suite), 'BAD_MESSAGE', 'empty');
  const { message: am } = aliceRespond(pair.alice, ctx, message, [1n, 2n], suite);
  const again = () => bobStart(pair.bob, ctx, makeSuite(seededRng('mul-decode'), testCurve())).state;
  expectError(() => bobFinish(again(), ctx, am.subarray(0, am.length - 1)), 'BAD_MESSAGE', 'alice short');
  expectError(() => bobFinish(again(), ctx, new Uint8Array([...am, 0])), 'BAD_MESSAGE', 'alice long');
  const nonCanonical = am.slice();
  nonCanonical.fill(0xff, 32 * 10, 32 * 11); // 2^256 − 1 ≥ n
  expectError(() => bobFinish(again(), ctx, nonCanonical), 'BAD_MESSAGE', 'ã not canonical');
  const badEta = am.slice();
  badEta.fill(0xff, 32 * 1536, 32 * 1537);
  expectError(() => bobFinish(again(), ctx, badEta), 'BAD_MESSAGE', 'η′ not canonical');
  bobFinish(state, ctx, am); // the genuine message still completes
});

test('msid binding: Alice and Bob with different msid fail the check', () => {
  const rng = seededRng('mul-msid');
  const suite = makeSuite(rng, testCurve());
  const bobCtx = ctxOf(rng(32));
  const aliceCtx = ctxOf(rng(32));
  const { message } = bobStart(pair.bob, bobCtx, suite);
  expectError(() => aliceRespond(pair.alice, aliceCtx, message, [1n, 2n], suite), 'OT_CHECK_FAILED', 'msid');
});

test('the fast SHA-256 equals @noble/hashes sha256 on random inputs', () => {
  const rng = seededRng('fast-sha');
  for (let r = 0; r < 200; r++) {
    const msid = rng(32);
    const field = rng(32);
    const index = bytesToBigInt(rng(4));
    const j = Number(index);
    const counter = r % 3;
    const [h0, h1, h2] = hs(msid, j, field);
    const ref = sha256(midstateMessage(HS_TAG_HASH, msid, field, j, counter));
    assert.is([h0, h1, h2][counter], bytesToBigInt(ref));
    if (r < 40) {
      const i = r % 256;
      const out = prg(field, msid, i);
      const want = new Uint8Array(96);
      for (let c = 0; c < 3; c++) want.set(sha256(midstateMessage(PRG_TAG_HASH, msid, field, i, c)), 32 * c);
      assert.is(toHex(out), toHex(want.subarray(0, 80)));
    }
  }
  const msid = rng(32);
  const g = gadget(msid, 4);
  const g3 = bytesToBigInt(sha256(midstateMessage(GADGET_TAG_HASH, msid, new Uint8Array(32), 3, 0))) % n;
  const limbs16 = [...g.limbs16.subarray(48, 64)];
  assert.is(
    limbs16.reduceRight((acc, l) => (acc << 16n) | BigInt(l), 0n),
    g3,
  );
  const limbs22 = [...g.limbs22.subarray(36, 48)];
  assert.is(
    limbs22.reduceRight((acc, l) => (acc << 22n) | BigInt(l), 0n),
    g3,
  );
});

test('batched PRG and Hs agree with the one-call forms', () => {
  const rng = seededRng('fast-batch');
  const msid = rng(32);
  const keys = rng(3 * 32);
  const out = new Uint32Array(3 * PRG_WORDS);
  prgAll(msid, keys, 3, out);
  const words = wordsOfBytes(prg(keys.subarray(64, 96), msid, 2));
  assert.equal([...out.subarray(40, 60)], [...words]);
  const rowBytes = rng(64);
  const rows = wordsOfBytes(rowBytes);
  const mask = wordsOfBytes(rng(32));
  const pads = new Int32Array(2 * 24);
  hsRows(msid, rows, 2, mask, pads);
  const masked = rowBytes.subarray(32, 64).map((v, k) => v ^ (new Uint8Array(mask.buffer)[k] as number));
  const asBig = (o: number) => [...pads.subarray(o, o + 8)].reduce((acc, w) => (acc << 32n) | BigInt(w >>> 0), 0n);
  assert.equal([asBig(24), asBig(32), asBig(40)], hs(msid, 1, masked));
});

test('transcripts are identical with the noble-backed and the node:crypto-backed suite', () => {
  const run = (sha: Sha256) => {
    const rng = seededRng('mul-suites');
    const suite = makeSuite(rng, testCurve(), sha);
    const ctx = ctxOf(rng(32));
    const { message, state, b } = bobStart(pair.bob, ctx, suite);
    const alice = aliceRespond(pair.alice, ctx, message, [5n, 7n], suite);
    const { d } = bobFinish(state, ctx, alice.message);
    return { bob: toHex(message), alice: toHex(alice.message), b, c: alice.c, d };
  };
  assert.equal(run(nobleSha256), run(nodeSha));
});

test('the bitsliced check combination equals the column-by-column one; transposeToColumns inverts transposeToRows', () => {
  const rng = seededRng('bitsliced');
  const cols = wordsOfBytes(rng(256 * 80));
  const chi = kosChallenge(rng(32), rng(64), nobleSha256);
  const sliced = transposeToColumns(kosCombineRows(chi, transposeToRows(cols, 20, 640)));
  const one = new Uint32Array(4);
  for (let i = 0; i < 256; i++) {
    one.fill(0);
    kosCombine(chi, cols, 20 * i, one, 0);
    assert.equal([...sliced.subarray(4 * i, 4 * i + 4)], [...one], `column ${i}`);
  }
  const small = wordsOfBytes(rng(256 * 16));
  assert.equal([...transposeToColumns(transposeToRows(small, 4, 128))], [...small]);
});

test('transpose matches the naive bit transpose', () => {
  const rng = seededRng('transpose');
  const cols = wordsOfBytes(rng(256 * 80));
  const rows = transposeToRows(cols, 20, 512);
  for (let k = 0; k < 2000; k++) {
    const [i, j] = [Number(rng(1)[0]), Number(bytesToBigInt(rng(2)) % 512n)];
    const colBit = ((cols[20 * i + (j >>> 5)] as number) >>> (j & 31)) & 1;
    const rowBit = ((rows[8 * j + (i >>> 5)] as number) >>> (i & 31)) & 1;
    assert.is(rowBit, colBit);
  }
});

test('Alice does the same work whatever Δ is (no branch on Δ): equal hash and compression counts', () => {
  const counts = (delta: Uint8Array) => {
    const { alice, bob } = fakePair('ct-pair', delta);
    const rng = seededRng('ct');
    let shaCalls = 0;
    let shaBytes = 0;
    const counting: Suite = makeSuite(rng, testCurve(), (parts) => {
      shaCalls++;
      for (const p of parts) shaBytes += p.length;
      return nobleSha256(parts);
    });
    const ctx = ctxOf(rng(32));
    const { message, state, b } = bobStart(bob, ctx, counting);
    const before = { calls: shaCalls, bytes: shaBytes, compressions: compressionCount() };
    const { message: am, c } = aliceRespond(alice, ctx, message, [3n, 4n], counting);
    const work = {
      calls: shaCalls - before.calls,
      bytes: shaBytes - before.bytes,
      compressions: compressionCount() - before.compressions,
    };
    const { d } = bobFinish(state, ctx, am);
    assert.is(modN(c[0] + d[0]), modN(3n * b));
    return work;
  };
  const zeros = counts(new Uint8Array(32));
  const ones = counts(new Uint8Array(32).fill(0xff));
  const mixed = counts(seededRng('ct-delta')(32));
  assert.equal(zeros, ones);
  assert.equal(zeros, mixed);
  assert.ok(zeros.compressions > 0 && zeros.calls > 0);
});

test.run();
