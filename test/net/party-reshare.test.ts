import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigIntToBytes } from '../../protocols/common/bytes.js';
import type { SessionRecord } from '../../protocols/control/record.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import type { TamperOutbound } from '../../src/session/runner.js';
import { drivenNodes } from '../helpers/driven-nodes.js';
import { inOrder, recordFor } from '../helpers/records.js';

const master = () => MasterKey.fromHex('ef'.repeat(32), 'test');
const enc = new TextEncoder();

test('a refresh with a bad share fails naming the cheat and changes nothing; a clean one replaces every share', async () => {
  const net = await drivenNodes(3, 'mpc-reshare-', master());
  const { coord, stores, nodes } = net;
  let cheat = false;
  // party 3 alters the dealt share it sends in round 3 while `cheat` is set
  const tamper: TamperOutbound = (f) => {
    if (!cheat || f.round !== 3) return undefined;
    const payload = f.payload.slice();
    payload[0] = (payload[0] as number) ^ 1;
    return { ...f, payload };
  };
  try {
    await net.start((k) => ({ roundTimeoutMs: 20_000, ...(k === 2 ? { tamperOutbound: tamper } : {}) }));
    const ids = nodes.map((n) => n.peerId);
    const run = async (rec: SessionRecord, label: string) => {
      assert.ok(
        (await coord.announce(rec)).every((a) => a.ok),
        label,
      );
      await coord.until(() => coord.resultsFor(rec.sessionId).length === rec.parties.length, 60_000, label);
      return coord.resultsFor(rec.sessionId).map((r) => r.result);
    };
    const keyId = enc.encode('refresh-key');
    const kg = recordFor('keygen', inOrder(nodes), keyId);
    const kgResults = await run(kg, 'keygen');
    const publicKey = kgResults[0]?.publicKey as Uint8Array;
    const chainCode = kgResults[0]?.chainCode as Uint8Array;
    assert.is(chainCode.length, 32, 'a keygen reports its chain code');
    await coord.decide(ids, { sessionId: kg.sessionId, keyId, action: 'commit' });
    const signs = async (key: Uint8Array, signers: number[], label: string) => {
      const messageHash = sha256(enc.encode(label));
      const chosen = signers.map((i) => inOrder(nodes)[i - 1]!);
      const rs = await run(recordFor('sign', chosen, key, { messageHash }), label);
      assert.ok(
        rs.every((r) => r.status === 'ok'),
        `${label}: ${JSON.stringify(rs.map((r) => r.error))}`,
      );
      const sig = rs[0]!.signature!;
      const compact = new Uint8Array([...bigIntToBytes(sig.r, 32), ...bigIntToBytes(sig.s, 32)]);
      assert.ok(secp256k1.verify(compact, messageHash, publicKey, { prehash: false, format: 'compact' }), label);
    };
    await signs(keyId, [1, 2], 'before');
    const refresh = (newKeyId: Uint8Array): SessionRecord => {
      const base = recordFor('reshare', inOrder(nodes), newKeyId);
      return {
        ...base,
        parties: base.parties.map((p) => ({ ...p, oldIndex: p.index, newIndex: p.index })),
        reshare: { fromKeyId: keyId, oldThreshold: 2, publicKey, chainCode },
      };
    };

    cheat = true;
    const badKey = enc.encode('refresh-key-bad');
    const bad = refresh(badKey);
    await run(bad, 'refresh with a bad share');
    cheat = false;
    const honest = coord.resultsFor(bad.sessionId).filter((r) => r.from !== ids[2]);
    assert.is(honest.length, 2);
    for (const { result } of honest) {
      assert.is(result.status, 'failed');
      assert.ok(result.error?.culprits.includes(3), JSON.stringify(result.error));
    }
    await coord.decide(ids, { sessionId: bad.sessionId, keyId: badKey, action: 'abort' });
    for (const s of stores) {
      assert.is((await s.getShare(keyId))?.status, 'committed', 'the old share stays');
      assert.is(await s.getShare(badKey), undefined, 'nothing of the failed refresh is kept');
    }
    await signs(keyId, [1, 3], 'after the failed refresh');

    const newKey = enc.encode('refresh-key-2');
    const good = refresh(newKey);
    const goodResults = await run(good, 'refresh');
    assert.ok(
      goodResults.every((r) => r.status === 'ok' && Buffer.from(r.publicKey as Uint8Array).equals(publicKey)),
      JSON.stringify(goodResults.map((r) => r.error)),
    );
    await coord.decide(ids, { sessionId: good.sessionId, keyId: newKey, action: 'commit' });
    for (const s of stores) {
      assert.is(await s.getShare(keyId), undefined, 'the old share is deleted at the commit');
      assert.is((await s.getShare(newKey))?.status, 'committed');
    }
    await signs(newKey, [2, 3], 'after the refresh');
    const stale = await run(
      recordFor('sign', inOrder(nodes).slice(0, 2), keyId, { messageHash: sha256(enc.encode('old')) }),
      'old key id',
    );
    assert.ok(
      stale.every((r) => r.status === 'failed'),
      'the old key id no longer signs',
    );
  } finally {
    await net.stop();
  }
});

test.run();
