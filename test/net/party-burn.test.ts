/**
 * A failed OT-extension check burns the pair state durably before anyone can learn of the failure. Party B
 * flips a bit of its OT-extension message, so party A's check fails; A's burn write is held back, as if A
 * crashed between the check and the write. While it is held, A reports nothing and keeps its streams open (a
 * crash image of A's directory at that moment has no burn, and nobody has learnt anything); once written, A
 * reports OT_CHECK_FAILED naming B, and a crash image taken then has the burn — so a restarted A never uses
 * the pair again.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerIdFromString } from '@libp2p/peer-id';
import { sha256 } from '@noble/hashes/sha2.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SessionRecord } from '../../protocols/control/record.js';
import type { PairState } from '../../protocols/dkls23/pair-state.js';
import type { PartyNode } from '../../src/party/node.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import type { TamperOutbound } from '../../src/session/runner.js';
import { ShareStore } from '../../src/store/share-store.js';
import { drivenNodes } from '../helpers/driven-nodes.js';
import { inOrder, recordFor } from '../helpers/records.js';

const master = () => MasterKey.fromHex('cd'.repeat(32), 'test');

/** Opens a copy of `dir` as a restarted node would find it after a crash now, and asks whether `state` is burnt. */
async function burntAfterCrash(dir: string, state: PairState): Promise<boolean> {
  const image = mkdtempSync(join(tmpdir(), 'mpc-crash-'));
  try {
    cpSync(dir, image, { recursive: true, filter: (src) => !src.endsWith('LOCK') && !src.endsWith('admin.sock') });
    const store = await ShareStore.open(image, master());
    try {
      return await store.pairs.isBurnt(state);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(image, { recursive: true, force: true });
  }
}

test('a burnt pair state is on disk before the failure is reported; a crash before the write reports nothing', async () => {
  const net = await drivenNodes(2, 'mpc-burn-', master());
  const { coord, dirs, stores, nodes } = net;
  let cheat = false;
  /** Holds A's burn write back while pending; released in `finally` too, so that stopping never waits on it. */
  const release = Promise.withResolvers<void>();
  // B (index 2) flips a bit of its round-2 OT-extension message to A once `cheat` is set
  const tamper: TamperOutbound = (f) => {
    if (!cheat || f.round !== 2 || f.to !== 1) return undefined;
    const payload = f.payload.slice();
    payload[64 + 1000] = (payload[64 + 1000] as number) ^ 1;
    return { ...f, payload };
  };
  try {
    await net.start((k) => ({ roundTimeoutMs: 20_000, ...(k === 1 ? { tamperOutbound: tamper } : {}) }));
    const [a, b] = nodes as [PartyNode, PartyNode];
    const keyId = new TextEncoder().encode('burn-key');
    const record = (kind: 'keygen' | 'sign', extra: Partial<SessionRecord> = {}): SessionRecord =>
      recordFor(kind, inOrder(nodes), keyId, extra);
    const kg = record('keygen');
    await coord.announce(kg);
    await coord.until(() => coord.resultsFor(kg.sessionId).length === 2, 30_000, 'keygen');
    await coord.decide([a.peerId, b.peerId], { sessionId: kg.sessionId, keyId, action: 'commit' });
    const honest = record('sign', { messageHash: sha256(Uint8Array.of(1)) });
    await coord.announce(honest);
    await coord.until(() => coord.resultsFor(honest.sessionId).length === 2, 60_000, 'honest signing');
    assert.ok(coord.resultsFor(honest.sessionId).every((r) => r.result.status === 'ok'));
    const state = (await stores[0]!.pairs.get(peerIdFromString(b.peerId).toMultihash().bytes)) as PairState;
    assert.ok(state, 'the honest signing made a pair state');

    // hold A's burn write back: the window in which a crash would lose it
    const entered = Promise.withResolvers<void>();
    const markBurnt = stores[0]!.pairs.markBurnt.bind(stores[0]!.pairs);
    stores[0]!.pairs.markBurnt = async (s, reason) => {
      entered.resolve();
      await release.promise;
      return markBurnt(s, reason);
    };
    cheat = true;
    const probe = record('sign', { messageHash: sha256(Uint8Array.of(2)) });
    await coord.announce(probe);
    await entered.promise; // A's OT check failed and its burn write is pending
    await new Promise((r) => setTimeout(r, 1_500));
    const fromA = () => coord.resultsFor(probe.sessionId).filter((r) => r.from === a.peerId);
    assert.is(fromA().length, 0, 'no failure reported before the burn is durable');
    assert.is(coord.resultsFor(probe.sessionId).length, 0, 'B learnt nothing either: A has not closed its streams');
    assert.not.ok(await burntAfterCrash(dirs[0]!, state), 'a crash now loses the burn — and nobody has learnt a bit');

    release.resolve();
    await coord.until(() => fromA().length === 1, 20_000, "A's report");
    const report = fromA()[0]!.result;
    assert.is(report.status, 'failed');
    assert.is(report.error?.code, 'OT_CHECK_FAILED');
    assert.equal(report.error?.culprits, [2]);
    assert.ok(await burntAfterCrash(dirs[0]!, state), 'once reported, a crash image has the burn');
  } finally {
    release.resolve();
    await net.stop();
  }
});

test.run();
