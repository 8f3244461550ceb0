/** Tests named for the protocol's pitfalls (docs/protocol.md, "Pitfalls the tests name") that no single module's tests own. */

import { sha256 } from '@noble/hashes/sha2.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes } from '../../protocols/common/bytes.js';
import { ProtocolError } from '../../protocols/common/errors.js';
import { makeSuite, nobleSha256 } from '../../protocols/common/suite.js';
import { createKeygen } from '../../protocols/dkls23/keygen.js';
import { PairGuard } from '../../protocols/dkls23/pair-guard.js';
import { createSign } from '../../protocols/dkls23/sign.js';
import { gfToBytes } from '../../protocols/math/gf128.js';
import { KOS_MESSAGE_BYTES, kosChallenge } from '../../protocols/ot/kos.js';
import { testCurve } from '../helpers/curve.js';
import { pairsOf } from '../helpers/fixture.js';
import { NetworkFailure } from '../helpers/network.js';
import { keygen, nodeIds } from '../helpers/parties.js';
import { seededRng } from '../helpers/rng.js';

test('pitfall: Fiat–Shamir challenge derived before the data it binds — χ depends on every bit of u', () => {
  const rng = seededRng('fs');
  const msid = rng(32);
  const u = rng(KOS_MESSAGE_BYTES - 256 * 16 - 16);
  const chi = (bytes: Uint8Array) => kosChallenge(msid, bytes, nobleSha256).map((t) => gfToBytes(t, 0));
  const base = chi(u);
  for (const bit of [0, 7, 8 * 1000 + 3, u.length * 8 - 1]) {
    const v = u.slice();
    v[bit >> 3] = v[bit >> 3]! ^ (1 << (bit & 7));
    const other = chi(v);
    assert.not.ok(
      base.every((b, k) => equalBytes(b, other[k]!)),
      `flipping bit ${bit} of u must change χ`,
    );
  }
  // and the challenge is bound to the multiplication session
  const elsewhere = kosChallenge(rng(32), u, nobleSha256).map((t) => gfToBytes(t, 0));
  assert.not.ok(base.every((b, k) => equalBytes(b, elsewhere[k]!)));
});

test('pitfall: a failed check is never retried — the run stays closed (RUN_CLOSED) even for the right message', () => {
  const ids = nodeIds(3);
  const sessionId = new Uint8Array(32).fill(7);
  const runs = [1, 2, 3].map((i) =>
    createKeygen({
      sessionId,
      keyId: Uint8Array.of(1),
      threshold: 2,
      nodeIds: ids,
      self: i,
      suite: makeSuite(seededRng(`rc-${i}`), testCurve()),
    }),
  );
  const [r1, r2, r3] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
  r1.start();
  const m2 = r2.start()[0]!;
  const m3 = r3.start()[0]!;
  const bad = m2.payload.subarray(0, 10);
  r1.receive({ from: 2, round: 1, payload: bad }); // buffered until the round is complete
  assert.throws(
    () => r1.receive({ from: 3, round: 1, payload: m3.payload }),
    (e: unknown) => e instanceof ProtocolError && e.code === 'BAD_MESSAGE' && e.culprit === 2,
  );
  for (const m of [
    { from: 2, round: 1, payload: m2.payload },
    { from: 3, round: 1, payload: m3.payload },
  ]) {
    assert.throws(
      () => r1.receive(m),
      (e: unknown) => e instanceof ProtocolError && e.code === 'RUN_CLOSED',
    );
  }
  assert.not.ok(r1.done);
});

test('a protocol failure reports the round and the parties still awaited are listed while it runs', () => {
  try {
    keygen(3, 2, 'drop', { tamper: (e) => (e.round === 3 && e.from === 3 ? 'drop' : undefined) });
    assert.unreachable();
  } catch (e) {
    // a dropped message is not a protocol error: the run just waits, naming whom it awaits (the node's
    // session runner turns that into a timeout naming the round and the silent peers)
    assert.not.instance(e, NetworkFailure);
    assert.match(String(e), /round 3, awaiting 3/);
  }
});

test('pitfall: a failed OT check burns the pair state, and parallel sessions do not each get a guess at Δ', () => {
  const shares = keygen(3, 2, 'burn').results;
  const burnt: string[] = [];
  const guards = new Map([1, 2].map((i) => [i, new PairGuard((p) => burnt.push(`${i}:${p.peerNodeId[0]}`))] as const));
  const S = [1, 2];
  const session = (label: string) =>
    new Map(
      S.map((i) => {
        const config = {
          sessionId: sha256(new TextEncoder().encode(label)),
          keyShare: shares.get(i)!,
          signers: S,
          pairs: pairsOf(i, S),
          suite: makeSuite(seededRng(`${label}/${i}`), testCurve()),
          pairGuard: guards.get(i)!,
        };
        return [i, createSign(config, sha256(Uint8Array.of(1)))] as const;
      }),
    );
  const a = session('A');
  const b = session('B');
  /** Runs round 1 of a session and returns Bob 2's round-2 message to Alice 1 with one bit of u flipped. */
  const probe = (runs: typeof a): Uint8Array => {
    const r1 = new Map(S.map((i) => [i, runs.get(i)!.start()[0]!] as const));
    runs.get(1)!.receive({ from: 2, round: 1, payload: r1.get(2)!.payload });
    const out = runs.get(2)!.receive({ from: 1, round: 1, payload: r1.get(1)!.payload });
    const p = out.find((m) => m.to === 1)!.payload.slice();
    p[64 + 5] = p[64 + 5]! ^ 0x10;
    return p;
  };
  // a cheating Bob (party 2) probes a bit of Δ in two sessions at once
  const pa = probe(a);
  const pb = probe(b);
  assert.throws(
    () => a.get(1)!.receive({ from: 2, round: 2, payload: pa }),
    (e: unknown) => e instanceof ProtocolError && e.code === 'OT_CHECK_FAILED' && e.culprit === 2,
  );
  assert.equal(burnt, [`1:${shares.get(1)!.nodeIds[1]![0]}`], 'burnt once, through the node callback');
  // the parallel session is refused without evaluating the check: no second guess
  assert.throws(
    () => b.get(1)!.receive({ from: 2, round: 2, payload: pb }),
    (e: unknown) => e instanceof ProtocolError && e.code === 'PAIR_BURNT' && e.culprit === 2,
  );
  assert.is(burnt.length, 1);
  // and no new session can start on the burnt state
  assert.throws(
    () => session('C'),
    (e: unknown) => e instanceof ProtocolError && e.code === 'PAIR_BURNT',
  );
});

test.run();
