/**
 * Session records over gossipsub: party nodes run a keygen announced only on the topic, and their topic
 * validator rejects a record the coordinator did not sign (no party acts on it).
 */
import '../../src/runtime/polyfill.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { TopicValidatorResult } from '@libp2p/gossipsub';
import { peerIdFromString } from '@libp2p/peer-id';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type SessionRecord, signedRecords } from '../../protocols/control/record.js';
import { createIdentity } from '../../src/party/identity.js';
import { ANNOUNCE_TOPIC, PartyNode } from '../../src/party/node.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import { ShareStore } from '../../src/store/share-store.js';
import { TestCoordinator } from '../helpers/coordinator-driver.js';

test('a keygen announced on gossipsub runs; a forged record on the topic is rejected by every party', async () => {
  const coord = await TestCoordinator.start();
  const dirs = [1, 2, 3].map(() => mkdtempSync(join(tmpdir(), 'mpc-gossip-')));
  const parties: { store: ShareStore; node: PartyNode }[] = [];
  try {
    for (const dir of dirs) {
      const store = await ShareStore.open(dir, MasterKey.fromHex('ef'.repeat(32), 'test'));
      const { key, peerId } = await createIdentity(store);
      coord.allow(peerId);
      const node = await PartyNode.start({ store, identity: key, coordinator: coord.multiaddr, version: '0.1.0' });
      parties.push({ store, node });
    }
    const pubsub = coord.host.services.pubsub!;
    await coord.until(() => pubsub.getSubscribers(ANNOUNCE_TOPIC).length === 3, 15_000, 'three subscribers');
    await new Promise((r) => setTimeout(r, 1500)); // let the mesh graft (heartbeat is 1 s)

    const record = (): SessionRecord => ({
      sessionId: crypto.getRandomValues(new Uint8Array(32)),
      kind: 'keygen',
      protocol: 'dkls23',
      keyId: new TextEncoder().encode('gossip-key'),
      threshold: 2,
      parties: parties.map((p, k) => ({
        peerId: peerIdFromString(p.node.peerId).toMultihash().bytes,
        index: k + 1,
        addrs: p.node.host.getMultiaddrs().map(String),
      })),
      expiresAt: Date.now() + 60_000,
    });
    const forged = record();
    await coord.publish(ANNOUNCE_TOPIC, forged, await generateKeyPair('Ed25519'));
    const real = record();
    await coord.publish(ANNOUNCE_TOPIC, real);
    await coord.until(() => coord.resultsFor(real.sessionId).length === 3, 30_000, 'keygen results from gossip');
    assert.ok(coord.resultsFor(real.sessionId).every((r) => r.result.status === 'ok'));
    assert.is(coord.resultsFor(forged.sessionId).length, 0, 'nobody acted on the forged record');
    for (const p of parties) assert.not.ok(await p.store.isSessionUsed(forged.keyId, forged.sessionId));
    // the topic validator itself: Reject for a record signed by anyone but the coordinator, Accept otherwise
    const validator = parties[0]!.node.host.services.pubsub!.topicValidators.get(ANNOUNCE_TOPIC)!;
    const message = (data: Uint8Array) => ({ type: 'unsigned', topic: ANNOUNCE_TOPIC, data }) as never;
    const other = await generateKeyPair('Ed25519');
    const forgedBytes = signedRecords.encode(signedRecords.sign(record(), other.raw.subarray(0, 32)));
    const realBytes = signedRecords.encode(signedRecords.sign(record(), coord.key.raw.subarray(0, 32)));
    assert.is(await validator(coord.host.peerId, message(forgedBytes)), TopicValidatorResult.Reject);
    assert.is(await validator(coord.host.peerId, message(realBytes)), TopicValidatorResult.Accept);
    assert.is(await validator(coord.host.peerId, message(Uint8Array.of(2, 1, 0))), TopicValidatorResult.Reject);
  } finally {
    for (const p of parties) {
      await p.node.stop().catch(() => {});
      await p.store.close().catch(() => {});
    }
    await coord.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test.run();
