/**
 * Gossipsub as the second path of the coordinator's messages: the real rendezvous (the coordinator's libp2p side)
 * publishes every signed record and decision on the session topic as well as sending them directly. A party
 * that missed the direct message starts its keygen and commits its share from the gossiped copies, and reports its
 * online share of a signing from a presignature (which a direct copy's answer would carry); a record or decision
 * the coordinator did not sign is rejected by every party's topic validator, and nobody acts on it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { TopicValidatorResult } from '@libp2p/gossipsub';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { onlineJudge } from '../../coordinator/orchestration/judges.js';
import { Rendezvous } from '../../coordinator/p2p/rendezvous.js';
import type { SessionResult } from '../../protocols/control/control.js';
import { signedDecisions } from '../../protocols/control/decision.js';
import { SESSION_TOPIC } from '../../protocols/control/gossip.js';
import { type SessionRecord, signedRecords } from '../../protocols/control/record.js';
import { createIdentity } from '../../src/party/identity.js';
import { PartyNode } from '../../src/party/node.js';
import { SILENT_LOG } from '../../src/runtime/logger.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import { ShareStore } from '../../src/store/share-store.js';
import { inOrder, recordFor } from '../helpers/records.js';

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a party that missed the direct messages keygens and commits from the gossiped copies; forgeries are rejected', async () => {
  const dirs = [1, 2, 3].map(() => mkdtempSync(join(tmpdir(), 'mpc-gossip-')));
  const parties: { store: ShareStore; node: PartyNode }[] = [];
  const identities = [];
  const results: { from: string; result: SessionResult }[] = [];
  const stores = await Promise.all(dirs.map((d) => ShareStore.open(d, MasterKey.fromHex('ef'.repeat(32), 'test'))));
  for (const store of stores) identities.push(await createIdentity(store));
  const coordKey = await generateKeyPair('Ed25519');
  const rendezvous = await Rendezvous.start({
    privateKey: coordKey,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    admitted: identities.map((i) => i.peerId),
    redeemToken: async () => false,
    tokensOutstanding: () => false,
    onPresence: () => {},
    onResult: (from, result) => {
      results.push({ from, result });
      return { ok: true };
    },
    log: SILENT_LOG,
  });
  try {
    for (const [k, store] of stores.entries()) {
      const identity = identities[k]!;
      const node = await PartyNode.start({
        store,
        identity: identity.key,
        coordinator: rendezvous.multiaddrs[0]!,
        version: '0.1.0',
      });
      parties.push({ store, node });
    }
    const pubsub = rendezvous.host.services.pubsub!;
    await until(() => parties.every((p) => rendezvous.isOnline(p.node.peerId)), 'registrations');
    await until(() => pubsub.getSubscribers(SESSION_TOPIC).length === 3, 'three subscribers');
    const seed = coordKey.raw.subarray(0, 32);
    const keyId = new TextEncoder().encode('gossip-key');
    const record = (): SessionRecord => recordFor('keygen', inOrder(parties.map((p) => p.node)), keyId);
    const [first, second, third] = parties.map((p) => p.node.peerId) as [string, string, string];

    // a record the coordinator did not sign, published on the topic: rejected, nobody acts on it
    const forged = record();
    await pubsub.publish(
      SESSION_TOPIC,
      signedRecords.encode(signedRecords.sign(forged, (await generateKeyPair('Ed25519')).raw.subarray(0, 32))),
    );

    // the keygen goes directly to parties 1 and 2 only; party 3 hears of it on gossip alone
    const kg = signedRecords.sign(record(), seed);
    const acks = await Promise.all([first, second].map((p) => rendezvous.announce(p, kg)));
    assert.ok(
      acks.every((a) => a.ok),
      JSON.stringify(acks),
    );
    await rendezvous.publish(signedRecords.encode(kg));
    const mine = () => results.filter((r) => Buffer.from(r.result.sessionId).equals(kg.record.sessionId));
    await until(() => mine().length === 3, 'three keygen results');
    assert.ok(
      mine().every((r) => r.result.status === 'ok'),
      JSON.stringify(mine().map((r) => r.result.error)),
    );
    assert.ok(
      mine().some((r) => r.from === third),
      'party 3 ran the keygen it only heard of on gossip',
    );
    // its first direct copy after the gossiped one is answered "accepted" (the session runs); later ones replay
    assert.equal(await rendezvous.announce(third, kg), { ok: true });
    const replay = await rendezvous.announce(third, kg);
    assert.is(replay.ok ? 'ok' : replay.code, 'REPLAYED');

    // the commit goes directly to parties 1 and 2; party 3 commits from the gossiped copy
    const commit = signedDecisions.sign({ sessionId: kg.record.sessionId, keyId, action: 'commit' }, seed);
    assert.ok((await Promise.all([first, second].map((p) => rendezvous.decide(p, commit)))).every((a) => a.ok));
    await rendezvous.publish(signedDecisions.encode(commit));
    const status = async (k: number) => (await parties[k]!.store.getShare(keyId))?.status;
    await until(async () => (await status(2)) === 'committed', 'party 3 commits from gossip', 10_000);
    assert.is(await status(0), 'committed');

    // a signing from a presignature: party 1 answers its direct copy with its online share, party 2 hears of it
    // on gossip alone and reports its share; the two add up to a signature under the key
    const signers = inOrder(parties.map((p) => p.node)).slice(0, 2);
    const presign = signedRecords.sign(recordFor('presign', signers, keyId), seed);
    assert.ok((await Promise.all([first, second].map((p) => rendezvous.announce(p, presign)))).every((a) => a.ok));
    const of = (rec: SessionRecord) => () =>
      results.filter((r) => Buffer.from(r.result.sessionId).equals(rec.sessionId));
    await until(() => of(presign.record)().length === 2, 'two presign results');
    const messageHash = new Uint8Array(32).fill(7);
    const sign = signedRecords.sign(
      recordFor('sign', signers, keyId, { messageHash, presignature: presign.record.sessionId }),
      seed,
    );
    assert.equal(await rendezvous.announce(first, sign), { ok: true });
    assert.is(of(sign.record)().length, 1, 'party 1 answered with its share');
    await rendezvous.publish(signedRecords.encode(sign));
    await until(() => of(sign.record)().length === 2, 'party 2 reports its share from the gossiped copy');
    const shares = new Map(of(sign.record)().map((r) => [r.from, r.result] as const));
    assert.ok(shares.has(second), 'the second share is party 2’s');
    const publicKey = mine()[0]?.result.publicKey as Uint8Array;
    const judged = onlineJudge(
      messageHash,
      publicKey,
      { accountId: 'a', sessionId: 's' },
      2,
      () => undefined,
    )(shares, second);
    assert.is(judged?.kind, 'ok', JSON.stringify(judged));

    // nobody acted on the forged record
    assert.is(results.filter((r) => Buffer.from(r.result.sessionId).equals(forged.sessionId)).length, 0);
    for (const p of parties) assert.not.ok(await p.store.isSessionUsed(forged.keyId, forged.sessionId));
    // the validator itself: Reject for what anyone but the coordinator signed, Accept for the coordinator's
    const validator = parties[0]!.node.host.services.pubsub!.topicValidators.get(SESSION_TOPIC)!;
    const message = (data: Uint8Array) => ({ type: 'unsigned', topic: SESSION_TOPIC, data }) as never;
    const other = (await generateKeyPair('Ed25519')).raw.subarray(0, 32);
    const cases: [string, Uint8Array, TopicValidatorResult][] = [
      ['forged record', signedRecords.encode(signedRecords.sign(record(), other)), TopicValidatorResult.Reject],
      [
        'forged decision',
        signedDecisions.encode(signedDecisions.sign(commit.decision, other)),
        TopicValidatorResult.Reject,
      ],
      ['garbage', Uint8Array.of(2, 1, 0), TopicValidatorResult.Reject],
      ['real record', signedRecords.encode(signedRecords.sign(record(), seed)), TopicValidatorResult.Accept],
      ['real decision', signedDecisions.encode(commit), TopicValidatorResult.Accept],
    ];
    for (const [what, data, expected] of cases) {
      assert.is(await validator(rendezvous.host.peerId, message(data)), expected, what);
    }
  } finally {
    for (const p of parties) await p.node.stop().catch(() => {});
    for (const s of stores) await s.close().catch(() => {});
    await rendezvous.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test.run();
