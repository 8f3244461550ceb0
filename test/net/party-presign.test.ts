/**
 * Presignatures between in-process party nodes over real libp2p: a presign session stores one presignature per
 * signer under the session's id and reports the same R; a signing that names it is answered at once with each
 * signer's online share (no session between the signers), and the shares add up to a signature that verifies. Refused at the announcement: a presignature a party lacks (NOT_FOUND), one used already
 * (PRESIGNATURE_USED), one asked for by another signer set (PRESIGNATURE_SIGNERS); a refresh commit deletes the
 * old key's presignatures.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigIntToBytes, equalBytes } from '../../protocols/common/bytes.js';
import type { SessionRecord } from '../../protocols/control/record.js';
import type { SessionResult } from '../../protocols/control/result.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import { drivenNodes } from '../helpers/driven-nodes.js';
import { inOrder, recordFor } from '../helpers/records.js';

const enc = new TextEncoder();

test('presign then one online round; a missing, used or foreign-signer presignature is refused; a refresh deletes them', async () => {
  const net = await drivenNodes(3, 'mpc-presign-', MasterKey.fromHex('a7'.repeat(32), 'test'));
  const { coord, stores, nodes } = net;
  try {
    await net.start(() => ({ roundTimeoutMs: 20_000 }));
    const ids = nodes.map((n) => n.peerId);
    const run = async (rec: SessionRecord, label: string): Promise<SessionResult[]> => {
      assert.ok(
        (await coord.announce(rec)).every((a) => a.ok),
        label,
      );
      await coord.until(() => coord.resultsFor(rec.sessionId).length === rec.parties.length, 60_000, label);
      return coord.resultsFor(rec.sessionId).map((r) => r.result);
    };
    const keyId = enc.encode('presign-key');
    const kgRecord = recordFor('keygen', inOrder(nodes), keyId);
    const kg = await run(kgRecord, 'keygen');
    const publicKey = kg[0]?.publicKey as Uint8Array;
    const chainCode = kg[0]?.chainCode as Uint8Array;
    await coord.decide(ids, { sessionId: kgRecord.sessionId, keyId, action: 'commit' });
    const party = (i: number) => inOrder(nodes)[i - 1]!;
    const signers = (set: number[]) => set.map(party);

    const presign = async (set: number[], label: string, key = keyId) => {
      const rec = recordFor('presign', signers(set), key);
      const rs = await run(rec, label);
      assert.ok(
        rs.every((r) => r.status === 'ok' && r.presignedR !== undefined),
        `${label}: ${JSON.stringify(rs.map((r) => r.error))}`,
      );
      assert.ok(
        rs.every((r) => equalBytes(r.presignedR as Uint8Array, rs[0]?.presignedR as Uint8Array)),
        'every signer reports the same R',
      );
      return { id: rec.sessionId, R: rs[0]?.presignedR as Uint8Array };
    };
    const online = (set: number[], presignature: Uint8Array, label: string, key = keyId) => {
      const messageHash = sha256(enc.encode(label));
      const rec = recordFor('sign', signers(set), key, { messageHash, presignature });
      return run(rec, label).then((rs) => ({ rs, messageHash }));
    };
    // each signer answers with its online share; combined here independently of the engine (noble's field), as
    // the coordinator does: every signer names the same R', and s = Σw / Σu verifies under the key
    const verifies = (rs: SessionResult[], messageHash: Uint8Array, pk = publicKey) => {
      const shares = rs.map((r) => r.onlineShare);
      if (shares.length < 2 || shares.some((x) => x === undefined)) return false;
      const R = shares[0]!.R;
      if (!shares.every((x) => equalBytes(x!.R, R))) return false;
      const Fn = secp256k1.Point.Fn;
      const u = shares.reduce((acc, x) => Fn.add(acc, x!.u), 0n);
      const w = shares.reduce((acc, x) => Fn.add(acc, x!.w), 0n);
      const r = Fn.create(secp256k1.Point.fromBytes(R).toAffine().x);
      const compact = new Uint8Array([...bigIntToBytes(r, 32), ...bigIntToBytes(Fn.div(w, u), 32)]);
      return secp256k1.verify(compact, messageHash, pk, { prehash: false, format: 'compact', lowS: false });
    };

    // a presignature by parties 1 and 2: each stores it under the presign session id
    const a = await presign([1, 2], 'presign 1,2');
    for (const k of [0, 1]) {
      const held = await stores[k]!.presignatures.list(keyId);
      assert.equal(
        held.map((x) => Buffer.from(x).toString('hex')),
        [Buffer.from(a.id).toString('hex')],
      );
    }
    assert.equal(await stores[2]!.presignatures.list(keyId), [], 'party 3 took no part');

    // the online round alone signs
    const first = await online([1, 2], a.id, 'pay 1');
    assert.ok(
      first.rs.every((r) => r.status === 'ok'),
      JSON.stringify(first.rs.map((r) => r.error)),
    );
    assert.ok(
      first.rs.every((r) => r.signature === undefined),
      'no signer combines: each answers with its online share',
    );
    assert.ok(verifies(first.rs, first.messageHash), 'the online shares add up to a signature under the key');
    for (const k of [0, 1]) assert.equal(await stores[k]!.presignatures.list(keyId), [], 'taken: gone');

    // the record naming a presignature is refused (its announcement answered with the code) by a party that lacks
    // it, and no session starts there
    const refusals = async (set: number[], presignature: Uint8Array, label: string) => {
      const rec = recordFor('sign', signers(set), keyId, { messageHash: sha256(enc.encode(label)), presignature });
      const acks = await coord.announce(rec);
      return new Map(set.map((i, k) => [i, acks[k]?.ok ? 'ok' : acks[k]?.code]));
    };
    // used once: a second signing with it is refused by both parties
    assert.equal(
      [...(await refusals([1, 2], a.id, 'pay 1 again')).values()],
      ['PRESIGNATURE_USED', 'PRESIGNATURE_USED'],
    );

    // a presignature party 3 never had: NOT_FOUND there; party 1 holds it for another signer set and refuses too
    // (its copy is used up all the same)
    const b = await presign([1, 2], 'presign 1,2 again');
    const lacking = await refusals([1, 3], b.id, 'pay with a foreign set');
    assert.is(lacking.get(3), 'NOT_FOUND');
    assert.is(lacking.get(1), 'PRESIGNATURE_SIGNERS', 'party 1 refuses the other signer set');
    assert.equal(await stores[0]!.presignatures.list(keyId), [], 'used up by the refused signing');
    assert.is((await stores[1]!.presignatures.list(keyId)).length, 1, 'party 2 was not asked');

    // after a refresh commit the old key's presignatures are deleted with its share
    await presign([2, 3], 'presign 2,3');
    await presign([1, 3], 'presign 1,3');
    assert.is((await stores[2]!.presignatures.list(keyId)).length, 2);
    const newKey = enc.encode('presign-key-2');
    const base = recordFor('reshare', inOrder(nodes), newKey);
    const refresh: SessionRecord = {
      ...base,
      parties: base.parties.map((p) => ({ ...p, oldIndex: p.index, newIndex: p.index })),
      reshare: { fromKeyId: keyId, oldThreshold: 2, publicKey, chainCode },
    };
    const rr = await run(refresh, 'refresh');
    assert.ok(
      rr.every((r) => r.status === 'ok'),
      JSON.stringify(rr.map((r) => r.error)),
    );
    await coord.decide(ids, { sessionId: refresh.sessionId, keyId: newKey, action: 'commit' });
    for (const s of stores) assert.equal(await s.presignatures.list(keyId), [], 'the old key has no presignature');
    // the new key presigns and signs from it
    const c = await presign([3, 1], 'presign new key', newKey);
    const fresh = await online([1, 3], c.id, 'pay after refresh', newKey);
    assert.ok(verifies(fresh.rs, fresh.messageHash), JSON.stringify(fresh.rs.map((r) => r.error)));
  } finally {
    await net.stop();
  }
});

test.run();
