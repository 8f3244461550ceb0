import { sha256 } from '@noble/hashes/sha2.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SessionRecord } from '../../protocols/control/record.js';
import type { PartyNode } from '../../src/party/node.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import type { TamperOutbound } from '../../src/session/runner.js';
import { drivenNodes } from '../helpers/driven-nodes.js';
import { inOrder, recordFor } from '../helpers/records.js';

/** Offset of `u` in a round-4 share: ssid(32) R(33) hash(32). */
const U_AT = 32 + 33 + 32;

test('a failed final verification freezes the key until an operator lifts it', async () => {
  const net = await drivenNodes(2, 'mpc-freeze-', MasterKey.fromHex('ce'.repeat(32), 'test'));
  const { coord, stores, nodes } = net;
  let cheat = false;
  const tamper: TamperOutbound = (f) => {
    if (!cheat || f.round !== 4) return undefined;
    const payload = f.payload.slice();
    payload[U_AT + 31] = (payload[U_AT + 31] as number) ^ 1;
    return { ...f, payload };
  };
  try {
    await net.start((k) => (k === 1 ? { tamperOutbound: tamper } : {}));
    const [a, b] = nodes as [PartyNode, PartyNode];
    const keyId = new TextEncoder().encode('freeze-key');
    const record = (kind: 'keygen' | 'sign', label = ''): SessionRecord =>
      recordFor(
        kind,
        inOrder(nodes),
        keyId,
        kind === 'sign' ? { messageHash: sha256(new TextEncoder().encode(label)) } : {},
      );
    const run = async (r: SessionRecord) => {
      const acks = await coord.announce(r);
      if (acks.every((x) => x.ok)) {
        await coord.until(() => coord.resultsFor(r.sessionId).length === 2, 60_000, `${r.kind} results`);
      }
      return { acks, results: coord.resultsFor(r.sessionId) };
    };
    const kg = record('keygen');
    await run(kg);
    await coord.decide([a.peerId, b.peerId], { sessionId: kg.sessionId, keyId, action: 'commit' });
    const ok = await run(record('sign', 'honest'));
    assert.ok(ok.results.every((r) => r.result.status === 'ok'));

    cheat = true;
    const bad = await run(record('sign', 'tampered'));
    const fromA = bad.results.find((r) => r.from === a.peerId)!.result;
    assert.is(fromA.status, 'failed');
    assert.is(fromA.error?.code, 'SIGNATURE_INVALID');
    const frozen = await stores[0]!.frozenKeys.list();
    assert.is(frozen.length, 1, 'frozen by the time the failure is reported');
    assert.equal(frozen[0]!.keyId, keyId);
    assert.not.ok(await stores[1]!.frozenKeys.isFrozen(keyId), 'B saw a valid signature and froze nothing');

    cheat = false;
    const refused = await run(record('sign', 'while frozen'));
    const ackA = refused.acks[0]!;
    assert.is(ackA.ok ? 'ok' : ackA.code, 'KEY_FROZEN');
    // the operator lifts it (what `mpc party unfreeze --key` does through the admin socket) and A signs again
    assert.ok(await stores[0]!.frozenKeys.unfreeze(keyId));
    const again = await run(record('sign', 'after unfreeze'));
    assert.ok(
      again.results.every((r) => r.result.status === 'ok'),
      JSON.stringify(again.results.map((r) => r.result.error)),
    );
  } finally {
    await net.stop();
  }
});

test.run();
