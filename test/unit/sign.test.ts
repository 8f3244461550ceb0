import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes } from '../../protocols/common/bytes.js';
import { CURVE_ORDER, G } from '../../protocols/common/curve.js';
import { ProtocolError } from '../../protocols/common/errors.js';
import type { KeyShare } from '../../protocols/dkls23/key-share.js';
import {
  additiveShare,
  consumePresignature,
  createOnlineSign,
  multiplicationSid,
  type Signature,
  signatureR,
} from '../../protocols/dkls23/sign.js';
import { testCurve } from '../helpers/curve.js';
import { type Envelope, NetworkFailure, runNetwork, type TamperResult } from '../helpers/network.js';
import { keygen, presign, sign } from '../helpers/parties.js';

const hashOf = (s: string) => sha256(new TextEncoder().encode(s));

const keys = new Map<string, Map<number, KeyShare>>();
function sharesFor(t: number, n: number): Map<number, KeyShare> {
  const id = `${t}-of-${n}`;
  const s = keys.get(id) ?? keygen(n, t, `sign-${id}`).results;
  keys.set(id, s);
  return s;
}

/** Asserts an Ethereum-style signature: verifies, low-s, and its recovery id recovers the public key. */
function checkSignature(sig: Signature, hash: Uint8Array, pk: KeyShare['publicKey']) {
  assert.ok(
    secp256k1.verify(sig.compact, hash, pk.toBytes(true), { prehash: false, lowS: true, format: 'compact' }),
    'verifies',
  );
  assert.ok(sig.s <= CURVE_ORDER >> 1n, 'low-s');
  const recovered = secp256k1.Signature.fromBytes(sig.compact, 'compact')
    .addRecoveryBit(sig.recovery)
    .recoverPublicKey(hash);
  assert.ok(recovered.equals(pk), 'recovery id recovers the public key');
}

const configs: [number, number, number[][]][] = [
  [2, 2, [[1, 2]]],
  [
    2,
    3,
    [
      [1, 2],
      [1, 3],
      [2, 3],
    ],
  ],
  [3, 3, [[1, 2, 3]]],
  [
    3,
    5,
    [
      [1, 2, 3],
      [1, 3, 5],
      [2, 4, 5],
      [3, 4, 5],
    ],
  ],
  [
    4,
    7,
    [
      [1, 2, 3, 4],
      [1, 3, 5, 7],
      [2, 4, 6, 7],
      [4, 5, 6, 7],
    ],
  ],
];

for (const [t, n, subsets] of configs) {
  test(`${t}-of-${n}: every listed signer subset signs; signatures verify, are low-s, and recover the key`, () => {
    const shares = sharesFor(t, n);
    const pk = (shares.get(1) as KeyShare).publicKey;
    for (const S of subsets) {
      const hash = hashOf(`message ${t}-${n} ${S.join(',')}`);
      const { results } = sign(shares, S, hash, `s-${t}-${n}-${S.join('')}`);
      const sigs = [...results.values()];
      assert.is(sigs.length, t);
      for (const sig of sigs) assert.ok(equalBytes(sig.compact, (sigs[0] as Signature).compact), 'all signers agree');
      checkSignature(sigs[0] as Signature, hash, pk);
    }
  });
}

test('many 2-of-3 signatures: both recovery parities occur and all recover (recovery id after low-s)', () => {
  const shares = sharesFor(2, 3);
  const pk = (shares.get(1) as KeyShare).publicKey;
  const parities = new Set<number>();
  for (let k = 0; k < 8; k++) {
    const hash = hashOf(`many ${k}`);
    const sig = sign(shares, [1, 3], hash, `many-${k}`).results.get(1) as Signature;
    checkSignature(sig, hash, pk);
    parities.add(sig.recovery & 1);
  }
  assert.is(parities.size, 2);
});

test('presign then online sign gives a valid signature', () => {
  const shares = sharesFor(2, 3);
  const pres = presign(shares, [2, 3], 'pre-1').results;
  const hash = hashOf('online');
  const runs = new Map(
    [...pres].map(
      ([i, p]) => [i, createOnlineSign(p, hash, testCurve(), { sessionId: hashOf('online-session') })] as const,
    ),
  );
  const sig = runNetwork(runs).results.get(2) as Signature;
  checkSignature(sig, hash, (shares.get(1) as KeyShare).publicKey);
});

test('rejects a reused presignature (PRESIGNATURE_REUSED) and wipes its secrets', () => {
  const shares = sharesFor(2, 3);
  const p = presign(shares, [1, 2], 'pre-2').results.get(1)!;
  createOnlineSign(p, hashOf('first'), testCurve(), { sessionId: hashOf('s1') });
  assert.is(p.u, 0n);
  assert.throws(
    () => createOnlineSign(p, hashOf('second'), testCurve(), { sessionId: hashOf('s2') }),
    (e: unknown) => e instanceof ProtocolError && e.code === 'PRESIGNATURE_REUSED',
  );
  assert.throws(
    () => consumePresignature(p),
    (e: unknown) => e instanceof ProtocolError && e.code === 'PRESIGNATURE_REUSED',
  );
});

test('additive shares (Lagrange + zero shares) sum to the key over the signer set, and only over it', () => {
  const shares = sharesFor(3, 5);
  const ssid = hashOf('ssid');
  const S = [1, 3, 4];
  let sum = G.subtract(G);
  for (const i of S) sum = sum.add(G.multiply(additiveShare(shares.get(i)!, S, ssid)));
  assert.ok(sum.equals(shares.get(1)!.publicKey));
  // a party that used the wrong signer set for its Lagrange coefficient breaks the sum
  let wrong = G.multiply(additiveShare(shares.get(1)!, [1, 3, 5], ssid));
  for (const i of [3, 4]) wrong = wrong.add(G.multiply(additiveShare(shares.get(i)!, S, ssid)));
  assert.not.ok(wrong.equals(shares.get(1)!.publicKey));
});

test('multiplication session ids never repeat: they differ per signing (same sessionId) and per direction', () => {
  const a = Uint8Array.of(1);
  const b = Uint8Array.of(2);
  const psid = hashOf('psid');
  assert.not.ok(
    equalBytes(multiplicationSid(hashOf('ssid1'), psid, a, b), multiplicationSid(hashOf('ssid1'), psid, b, a)),
  );
  // Two signings with the same coordinator sessionId still get fresh ssids from the parties' own sid_i.
  const shares = sharesFor(2, 3);
  const sessionId = hashOf('same session');
  const s1 = sign(shares, [1, 2], hashOf('m'), 'rep-1', { sessionId });
  const s2 = sign(shares, [1, 2], hashOf('m'), 'rep-2', { sessionId });
  assert.not.ok(equalBytes(s1.results.get(1)!.compact, s2.results.get(1)!.compact));
});

test('r is x(R) reduced mod n, and the recovery id carries x(R) ≥ n', () => {
  // Find a point whose x is in [n, p): x = n + k for the first k where x³ + 7 is a square.
  let R: typeof G | undefined;
  for (let k = 0n; !R; k++) {
    const x = CURVE_ORDER + k;
    const enc = new Uint8Array(33);
    enc[0] = 2;
    enc.set(secp256k1.Point.Fn.toBytes(0n), 1);
    const hex = x.toString(16).padStart(64, '0');
    for (let i = 0; i < 32; i++) enc[i + 1] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    try {
      R = secp256k1.Point.fromBytes(enc);
    } catch {}
  }
  const { r, overflow } = signatureR(R);
  assert.ok(overflow);
  assert.is(r, R.toAffine().x - CURVE_ORDER);
});

// ---- negative tests: every check fails with its code and culprit ----

function failingSign(tamper: (e: Envelope) => TamperResult, signers = [1, 2, 3], t = 3, n = 3): NetworkFailure {
  try {
    sign(sharesFor(t, n), signers, hashOf('neg'), 'neg', { tamper });
  } catch (e) {
    if (e instanceof NetworkFailure) return e;
    throw e;
  }
  throw new Error('signing unexpectedly succeeded');
}

function flip(p: Uint8Array, at: number): Uint8Array {
  const out = p.slice();
  out[at] = out[at]! ^ 1;
  return out;
}

// Round-2 layout: ssid(32) echo(32) OT-extension message. Round-3 layout: Γu(33) Γv(33) ψ(32) pk(33) R(33)
// salt(32) OLE message. Round-4 layout: ssid(32) R(33) hash(32) u(32) w(32).
const R3_OLE = 33 + 33 + 32 + 33 + 33 + 32;

test('flipped bit in the OT-extension message → OT_CHECK_FAILED naming Bob', () => {
  const f = failingSign((e) => (e.round === 2 && e.from === 2 && e.to === 1 ? flip(e.payload, 64 + 1000) : undefined));
  assert.is(f.party, 1);
  assert.is(f.error.code, 'OT_CHECK_FAILED');
  assert.is(f.error.culprit, 2);
  assert.ok(f.error.attributable);
});

test('tampered vector-OLE values → OLE_CHECK_FAILED naming Alice', () => {
  const f = failingSign((e) =>
    e.round === 3 && e.from === 3 && e.to === 2 ? flip(e.payload, R3_OLE + 100) : undefined,
  );
  assert.is(f.party, 2);
  assert.is(f.error.code, 'OLE_CHECK_FAILED');
  assert.is(f.error.culprit, 3);
});

test('bad Γ → BAD_GAMMA naming the sender', () => {
  const f = failingSign((e) => {
    if (e.round === 3 && e.from === 1 && e.to === 3) {
      const p = e.payload.slice();
      p.set(G.multiply(1234n).toBytes(true), 0);
      return p;
    }
  });
  assert.is(f.error.code, 'BAD_GAMMA');
  assert.is(f.error.culprit, 1);
});

test('wrong pk_i → BAD_GAMMA naming the sender', () => {
  const f = failingSign((e) => {
    if (e.round === 3 && e.from === 2 && e.to === 3) {
      const p = e.payload.slice();
      p.set(G.multiply(99n).toBytes(true), 33 + 33 + 32);
      return p;
    }
  });
  assert.is(f.error.code, 'BAD_GAMMA');
  assert.is(f.error.culprit, 2);
});

test('a consistent lie about the key share is caught by the Σpk check (plain abort)', () => {
  const shares = sharesFor(2, 3);
  try {
    sign(shares, [1, 2], hashOf('pk-sum'), 'pk-sum', {
      override: (i, c) =>
        i === 2 ? { ...c, keyShare: { ...c.keyShare, secretShare: c.keyShare.secretShare + 1n } } : c,
    });
    assert.unreachable('should fail');
  } catch (e) {
    assert.instance(e, NetworkFailure);
    const f = e as NetworkFailure;
    assert.is(f.error.code, 'PK_SUM_MISMATCH');
    assert.is(f.error.culprit, undefined);
  }
});

test('R that does not open the round-1 commitment → BAD_COMMITMENT (R not revealed before all committed)', () => {
  const f = failingSign((e) => {
    if (e.round === 3 && e.from === 3 && e.to === 1) {
      const p = e.payload.slice();
      p.set(G.multiply(5n).toBytes(true), 33 + 33 + 32 + 33);
      return p;
    }
  });
  assert.is(f.error.code, 'BAD_COMMITMENT');
  assert.is(f.error.culprit, 3);
});

test('mismatched round 1 (equivocation) aborts before evaluation and bans nobody', () => {
  const f = failingSign((e) => (e.round === 1 && e.from === 1 && e.to === 3 ? flip(e.payload, 0) : undefined));
  assert.ok(['SESSION_MISMATCH', 'ECHO_MISMATCH'].includes(f.error.code), f.error.code);
  assert.not.ok(f.error.attributable, 'honest nodes must not be made to ban each other');
});

test('round-2 echo mismatch → ECHO_MISMATCH, not attributable', () => {
  const f = failingSign((e) => (e.round === 2 && e.from === 1 && e.to === 2 ? flip(e.payload, 40) : undefined));
  assert.is(f.error.code, 'ECHO_MISMATCH');
  assert.not.ok(f.error.attributable);
});

test('tampered final share → SIGNATURE_INVALID (verification before release)', () => {
  const f = failingSign((e) =>
    e.round === 4 && e.from === 2 && e.to === 1 ? flip(e.payload, 32 + 33 + 32 + 32 + 20) : undefined,
  );
  assert.is(f.party, 1);
  assert.is(f.error.code, 'SIGNATURE_INVALID');
});

test('round 4 with another message hash → SESSION_MISMATCH', () => {
  const f = failingSign((e) =>
    e.round === 4 && e.from === 3 && e.to === 2 ? flip(e.payload, 32 + 33 + 5) : undefined,
  );
  assert.is(f.error.code, 'SESSION_MISMATCH');
  assert.is(f.error.culprit, 3);
});

test('an all-zero message hash is refused: BAD_MESSAGE locally (no culprit), and from a peer (naming it)', () => {
  const shares = sharesFor(2, 3);
  const zero = new Uint8Array(32);
  const isLocal = (e: unknown) =>
    e instanceof ProtocolError && e.code === 'BAD_MESSAGE' && e.culprit === undefined && !e.attributable;
  assert.throws(
    () => sign(shares, [1, 2], zero, 'zero-hash'),
    (e: unknown) => isLocal(e),
  );
  const pres = presign(shares, [1, 2], 'zero-online').results;
  assert.throws(() => createOnlineSign(pres.get(1)!, zero, testCurve(), { sessionId: hashOf('s3') }), isLocal);
  assert.not.ok(pres.get(1)!.used, 'the presignature is not consumed by a refused hash');
  // a peer whose round-4 share carries the zero hash sends a malformed message
  const f = failingSign((e) => (e.round === 4 && e.from === 2 && e.to === 1 ? zeroHashIn(e.payload) : undefined));
  assert.is(f.error.code, 'BAD_MESSAGE');
  assert.is(f.error.culprit, 2);
});

/** A round-4 payload (`ssid ‖ R ‖ m ‖ u ‖ w`) with the message hash zeroed. */
function zeroHashIn(payload: Uint8Array): Uint8Array {
  const p = payload.slice();
  p.fill(0, 32 + 33, 32 + 33 + 32);
  return p;
}

test('duplicate and non-member messages are rejected', () => {
  const dup = failingSign((e) => (e.round === 3 && e.from === 2 && e.to === 1 ? 'duplicate' : undefined));
  assert.is(dup.error.code, 'DUPLICATE_MESSAGE');
  assert.is(dup.error.culprit, 2);
  // party 3 is a party of the key but not of this signing: not a member
  try {
    sign(sharesFor(2, 3), [1, 2], hashOf('x'), 'nm', {
      inject: [{ from: 3, to: 1, round: 1, payload: new Uint8Array(64) }],
    });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, NetworkFailure);
    assert.is((e as NetworkFailure).error.code, 'NOT_A_MEMBER');
    assert.is((e as NetworkFailure).error.culprit, 3);
  }
});

test('truncated messages in every round → BAD_MESSAGE naming the sender', () => {
  for (const round of [1, 2, 3, 4]) {
    const f = failingSign((e) =>
      e.round === round && e.from === 2 && e.to === 3 ? e.payload.subarray(0, e.payload.length - 1) : undefined,
    );
    assert.is(f.error.code, 'BAD_MESSAGE', `round ${round}`);
    assert.is(f.error.culprit, 2);
  }
});

test.run();
