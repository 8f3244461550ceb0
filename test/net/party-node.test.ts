/**
 * Party nodes end to end, in one process: three real libp2p nodes on 127.0.0.1 with real encrypted LevelDB
 * stores, driven by a test coordinator over the control protocol: a 2-of-3 keygen, commit, signing by every
 * pair (pair setup on first use), restart with the stores kept, and the refusals of forged, expired and
 * replayed records.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigIntToBytes } from '../../protocols/common/bytes.js';
import { createIdentity, loadIdentity } from '../../src/party/identity.js';
import { PartyNode } from '../../src/party/node.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import { ShareStore } from '../../src/store/share-store.js';
import { TestCoordinator } from '../helpers/coordinator-driver.js';
import { recordFor } from '../helpers/records.js';

const MASTER = 'ab'.repeat(32);

interface Party {
  dir: string;
  /** The party's key-share index (its place in the keygen). */
  keyIndex: number;
  store: ShareStore;
  node: PartyNode;
  peerId: string;
}

async function startParty(coord: TestCoordinator, dir: string, keyIndex: number, fresh: boolean): Promise<Party> {
  const store = await ShareStore.open(dir, MasterKey.fromHex(MASTER, 'test'));
  const { key, peerId } = fresh ? await createIdentity(store) : await loadIdentity(store);
  coord.allow(peerId);
  const node = await PartyNode.start({
    store,
    identity: key,
    coordinator: coord.multiaddr,
    version: '0.1.0',
    roundTimeoutMs: 5000,
    totalTimeoutMs: 30_000,
  });
  return { dir, keyIndex, store, node, peerId };
}

async function stopParty(p: Party, drainMs?: number): Promise<void> {
  await p.node.stop(drainMs);
  await p.store.close();
}

test('keygen 2-of-3, commit, sign by every pair, restart and sign again; forged, expired and replayed records refused', async () => {
  const coord = await TestCoordinator.start();
  const dirs = [1, 2, 3].map(() => mkdtempSync(join(tmpdir(), 'mpc-party-')));
  let parties: Party[] = [];
  try {
    for (const [k, d] of dirs.entries()) parties.push(await startParty(coord, d, k + 1, true));
    await coord.until(() => coord.registered.size === 3, 10_000, 'registrations');

    const keyId = new TextEncoder().encode('account-1');
    const kg = recordFor('keygen', parties, keyId);
    const acks = await coord.announce(kg);
    assert.ok(
      acks.every((a) => a.ok),
      JSON.stringify(acks),
    );
    await coord.until(() => coord.resultsFor(kg.sessionId).length === 3, 30_000, 'keygen results');
    const results = coord.resultsFor(kg.sessionId).map((r) => r.result);
    assert.ok(
      results.every((r) => r.status === 'ok'),
      JSON.stringify(results.map((r) => r.error)),
    );
    const pk = results[0]!.publicKey!;
    for (const r of results) assert.equal(r.publicKey, pk);
    // replayed, forged and expired records are refused
    const replay = await coord.announce(kg);
    assert.ok(
      replay.every((a) => !a.ok && a.code === 'REPLAYED'),
      JSON.stringify(replay),
    );
    const forged = await coord.announce(recordFor('keygen', parties, keyId), await generateKeyPair('Ed25519'));
    assert.ok(
      forged.every((a) => !a.ok && a.code === 'BAD_SIGNATURE'),
      JSON.stringify(forged),
    );
    const expired = await coord.announce(recordFor('keygen', parties, keyId, { expiresAt: Date.now() - 1 }));
    assert.ok(
      expired.every((a) => !a.ok && a.code === 'EXPIRED'),
      JSON.stringify(expired),
    );
    // a pending share does not sign
    const early = recordFor('sign', parties.slice(0, 2), keyId, { messageHash: sha256(Uint8Array.of(0)) });
    await coord.announce(early);
    await coord.until(() => coord.resultsFor(early.sessionId).length === 2, 30_000, 'pending refusal');
    assert.ok(coord.resultsFor(early.sessionId).every((r) => r.result.status === 'failed'));

    const commit = await coord.decide(
      parties.map((p) => p.peerId),
      { sessionId: kg.sessionId, keyId, action: 'commit' },
    );
    assert.ok(commit.every((a) => a.ok));

    // a signing record must name each signer by the key-share index it holds: parties 1 and 3 numbered 1..2
    // (the version-1 way) are refused by both, before any pair setup or protocol message
    const misnumbered = recordFor('sign', [parties[0]!, parties[2]!], keyId, { messageHash: sha256(Uint8Array.of(5)) });
    const renumbered = { ...misnumbered, parties: misnumbered.parties.map((p, k) => ({ ...p, index: k + 1 })) };
    assert.ok((await coord.announce(renumbered)).every((a) => a.ok));
    await coord.until(() => coord.resultsFor(renumbered.sessionId).length === 2, 30_000, 'misnumbered refusal');
    for (const { result } of coord.resultsFor(renumbered.sessionId)) {
      assert.is(result.status, 'failed');
      assert.is(result.error?.code, 'BAD_RECORD');
    }

    const signWith = async (signers: Party[], label: string) => {
      const messageHash = sha256(new TextEncoder().encode(label));
      const rec = recordFor('sign', signers, keyId, { messageHash });
      assert.ok((await coord.announce(rec)).every((a) => a.ok));
      await coord.until(() => coord.resultsFor(rec.sessionId).length === signers.length, 60_000, `signature ${label}`);
      const rs = coord.resultsFor(rec.sessionId).map((r) => r.result);
      assert.ok(
        rs.every((r) => r.status === 'ok'),
        JSON.stringify(rs.map((r) => r.error)),
      );
      const sig = rs[0]!.signature!;
      const compact = new Uint8Array([...bigIntToBytes(sig.r, 32), ...bigIntToBytes(sig.s, 32)]);
      assert.ok(secp256k1.verify(compact, messageHash, pk, { prehash: false, format: 'compact' }), label);
      const recovered = secp256k1.Signature.fromBytes(compact, 'compact')
        .addRecoveryBit(sig.recovery)
        .recoverPublicKey(messageHash);
      assert.ok(Buffer.from(recovered.toBytes(true)).equals(pk), `${label}: recovery id recovers the key`);
    };
    const [a, b, c] = parties as [Party, Party, Party];
    await signWith([a, b], 'pair 1-2');
    await signWith([a, c], 'pair 1-3');
    await signWith([b, c], 'pair 2-3');

    // restart every node on the same data directories: the shares and pair states survive
    for (const p of parties) await stopParty(p);
    const before = coord.registered.size;
    parties = [];
    for (const [k, d] of dirs.entries()) parties.push(await startParty(coord, d, k + 1, false));
    await coord.until(() => coord.registered.size >= before, 10_000, 're-registrations');
    await signWith([parties[2]!, parties[0]!], 'after restart');

    // stopping a node mid-session (past its drain time, here none) ends the session with an abort result that
    // still reaches the coordinator
    const stuck = recordFor('sign', [parties[0]!, parties[1]!], keyId, { messageHash: sha256(Uint8Array.of(9)) });
    assert.ok((await coord.announce(stuck, undefined, [1])).every((x) => x.ok)); // party 2 never hears of it
    await new Promise((r) => setTimeout(r, 300));
    await stopParty(parties[0]!, 0);
    parties.shift();
    await coord.until(() => coord.resultsFor(stuck.sessionId).length === 1, 10_000, 'abort result');
    const aborted = coord.resultsFor(stuck.sessionId)[0]!.result;
    assert.is(aborted.status, 'failed');
    assert.is(aborted.error?.code, 'ABORTED');
  } finally {
    for (const p of parties) await stopParty(p).catch(() => {});
    await coord.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test.run();
