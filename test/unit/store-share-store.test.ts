import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes } from '../../protocols/common/bytes.js';
import { encodeKeyShare, type KeyShare } from '../../protocols/dkls23/key-share.js';
import { encodePairState } from '../../protocols/dkls23/pair-state.js';
import type { Presignature } from '../../protocols/dkls23/sign.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import { StoreError } from '../../src/store/errors.js';
import { open } from '../../src/store/sealed.js';
import { ShareStore } from '../../src/store/share-store.js';
import { bindingOf, userShareContext } from '../../src/store/user-share.js';
import { pairsOf } from '../helpers/fixture.js';
import { keygen, nodeId, presign, signersOf } from '../helpers/parties.js';

const master = new MasterKey(randomBytes(32));
const shares = keygen(3, 2, 'store').results;
const share1 = shares.get(1) as KeyShare;
const share2 = shares.get(2) as KeyShare;
const otherShare = keygen(3, 2, 'store-other').results.get(1) as KeyShare;
const presigs = presign(shares, [1, 2], 'store').results;
const pair12 = pairsOf(1, [1, 2]).get(2)!;
const pair13 = pairsOf(1, [1, 3]).get(3)!;

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mpc-store-'));
  dirs.push(d);
  return d;
}

async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    assert.instance(e, StoreError, String(e));
    assert.is((e as StoreError).code, code, (e as Error).message);
    return;
  }
  assert.unreachable(`expected StoreError ${code}`);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sameShare = (a: KeyShare, b: KeyShare) => equalBytes(encodeKeyShare(a), encodeKeyShare(b));
const freshPresig = (i: number): Presignature => ({ ...(presigs.get(i) as Presignature) });

test('identity key: put/get round trip, no silent replacement', async () => {
  const s = await ShareStore.open(tempDir(), master);
  assert.is(await s.getIdentity(), undefined);
  const id = randomBytes(32);
  await s.putIdentity(id);
  assert.equal(Buffer.from((await s.getIdentity())!), id);
  await expectCode(s.putIdentity(randomBytes(32)), 'ALREADY_EXISTS');
  const id2 = randomBytes(32);
  await s.putIdentity(id2, { replace: true });
  assert.equal(Buffer.from((await s.getIdentity())!), id2);
  await s.close();
});

test('key share: pending → committed, list shows only public facts', async () => {
  let t = 0;
  const s = await ShareStore.open(tempDir(), master, { now: () => new Date(1_700_000_000_000 + 1000 * t++) });
  assert.is(await s.getShare(share1.keyId), undefined);
  await s.putPendingShare(share1);
  const got = await s.getShare(share1.keyId);
  assert.is(got?.status, 'pending');
  assert.ok(sameShare(got!.share, share1));

  const [info] = await s.listShares();
  assert.ok(info);
  assert.equal(
    { ...info, keyId: [...info.keyId], publicKey: [...info.publicKey] },
    {
      keyId: [...share1.keyId],
      publicKey: [...share1.publicKey.toBytes(true)],
      threshold: 2,
      n: 3,
      index: 1,
      status: 'pending',
      createdAt: new Date(1_700_000_000_000).toISOString(),
    },
  );

  await s.commitShare(share1.keyId);
  await s.commitShare(share1.keyId); // idempotent: the coordinator may repeat its commit
  assert.is((await s.getShare(share1.keyId))?.status, 'committed');
  const listed = await s.listShares();
  assert.is(listed.length, 1);
  assert.is(listed[0]?.status, 'committed');
  assert.ok(listed[0]?.committedAt);

  await expectCode(s.commitShare(otherShare.keyId), 'NOT_FOUND');
  // Never overwrite a stored share, pending or committed.
  await expectCode(s.putPendingShare(share1), 'ALREADY_EXISTS');
  await expectCode(s.putPendingShare(share2), 'ALREADY_EXISTS'); // same keyId, other index
  await s.putPendingShare(otherShare);
  assert.equal(
    (await s.listShares()).map((i) => i.status),
    hex(share1.keyId) < hex(otherShare.keyId) ? ['committed', 'pending'] : ['pending', 'committed'],
  );
  await s.close();
});

test("the coordinator's abort discards a pending share, never a committed one", async () => {
  const s = await ShareStore.open(tempDir(), master);
  await s.putPendingShare(share1);
  await s.putPendingShare(otherShare);
  await s.commitShare(otherShare.keyId);
  assert.is(await s.discardPendingShare(share1.keyId), true);
  assert.is(await s.getShare(share1.keyId), undefined);
  assert.is(await s.discardPendingShare(share1.keyId), false, 'nothing left to discard');
  assert.is(await s.discardPendingShare(otherShare.keyId), false, 'a committed share stays');
  assert.is((await s.getShare(otherShare.keyId))?.status, 'committed');
  assert.equal(
    (await s.listShares()).map((i) => i.status),
    ['committed'],
  );
  await s.close();
});

test('reopen after close keeps everything', async () => {
  const dir = tempDir();
  const id = randomBytes(32);
  const sid = randomBytes(32);
  const peer = nodeId(9);
  let s = await ShareStore.open(dir, master);
  await s.putIdentity(id);
  await s.putPendingShare(share1);
  await s.putPendingShare(otherShare);
  await s.commitShare(otherShare.keyId);
  await s.pairs.put(pair12);
  await s.markSessionUsed(share1.keyId, sid);
  await s.ban(peer, 'bad signature share');
  await s.pairs.markBurnt(pair13);
  await s.presignatures.put(share1.keyId, freshPresig(1).ssid, freshPresig(1), signersOf(freshPresig(1)));
  await s.close();

  s = await ShareStore.open(dir, master);
  assert.equal(Buffer.from((await s.getIdentity())!), id);
  assert.is((await s.getShare(share1.keyId))?.status, 'pending');
  assert.is((await s.getShare(otherShare.keyId))?.status, 'committed');
  assert.ok(sameShare((await s.getShare(share1.keyId))!.share, share1));
  const stored12 = (await s.pairs.get(pair12.peerNodeId))!;
  assert.ok(equalBytes(encodePairState(stored12), encodePairState({ ...pair12, createdAt: stored12.createdAt! })));
  assert.ok(await s.isSessionUsed(share1.keyId, sid));
  await expectCode(s.markSessionUsed(share1.keyId, sid), 'SESSION_REPLAYED');
  assert.ok(await s.isBanned(peer));
  assert.ok(await s.pairs.isBurnt(pair13));
  assert.not.ok(await s.pairs.isBurnt(pair12));
  assert.is((await s.presignatures.list(share1.keyId)).length, 1);
  await s.close();
});

test('wrong master key: open refuses with DECRYPT_FAILED', async () => {
  const dir = tempDir();
  const s = await ShareStore.open(dir, master);
  await s.putPendingShare(share1);
  await s.close();
  await expectCode(ShareStore.open(dir, new MasterKey(randomBytes(32))), 'DECRYPT_FAILED');
  // The failed open released the directory: the right key still opens it.
  const again = await ShareStore.open(dir, master);
  assert.ok(await again.getShare(share1.keyId));
  await again.close();
});

test('a sealed value moved to another record key, or tampered on disk → DECRYPT_FAILED', async () => {
  const dir = tempDir();
  let s = await ShareStore.open(dir, master);
  await s.putPendingShare(share1);
  await s.putPendingShare(otherShare);
  await s.pairs.put(pair12);
  await s.pairs.put(pair13);
  await s.close();

  const raw = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' });
  const shareA = (await raw.get(`share/${hex(share1.keyId)}`))!;
  const pairA = (await raw.get(`pair/${hex(pair12.peerNodeId)}`))!;
  // Swap: put key 1's sealed share under the other key, and one pair state under the other peer.
  await raw.put(`share/${hex(otherShare.keyId)}`, shareA);
  await raw.put(`pair/${hex(pair13.peerNodeId)}`, pairA);
  // Tamper: flip one ciphertext bit of key 1's share.
  const flipped = shareA.slice();
  flipped[40] = (flipped[40] as number) ^ 0x01;
  await raw.put(`share/${hex(share1.keyId)}`, flipped);
  await raw.close();

  s = await ShareStore.open(dir, master);
  await expectCode(s.getShare(otherShare.keyId), 'DECRYPT_FAILED');
  await expectCode(s.pairs.get(pair13.peerNodeId), 'DECRYPT_FAILED');
  await expectCode(s.getShare(share1.keyId), 'DECRYPT_FAILED');
  await expectCode(s.pairs.list(), 'DECRYPT_FAILED');
  assert.ok(await s.pairs.get(pair12.peerNodeId));
  await s.close();
});

test('replayed session id is refused; two concurrent marks → exactly one succeeds', async () => {
  const s = await ShareStore.open(tempDir(), master);
  const sid = randomBytes(32);
  await s.markSessionUsed(share1.keyId, sid);
  await expectCode(s.markSessionUsed(share1.keyId, sid), 'SESSION_REPLAYED');
  // The same session id for another key is another (key, session) pair.
  await s.markSessionUsed(otherShare.keyId, sid);

  for (let round = 0; round < 20; round++) {
    const fresh = randomBytes(32);
    const outcomes = await Promise.allSettled([
      s.markSessionUsed(share1.keyId, fresh),
      s.markSessionUsed(share1.keyId, fresh),
      s.markSessionUsed(share1.keyId, fresh),
    ]);
    assert.is(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
    for (const o of outcomes) {
      if (o.status === 'rejected') assert.is((o.reason as StoreError).code, 'SESSION_REPLAYED');
    }
  }
  await s.close();
});

test('presignature: stored sealed under its presign session id, taken once, never stored again after use', async () => {
  const s = await ShareStore.open(tempDir(), master);
  const p = freshPresig(1);
  const id = randomBytes(32); // the presign session's id: the handle, not the engine's ssid
  const signers = signersOf(p);
  await s.presignatures.put(share1.keyId, id, p, signers);
  await expectCode(s.presignatures.put(share1.keyId, id, freshPresig(1), signers), 'ALREADY_EXISTS');
  assert.equal(
    (await s.presignatures.list(share1.keyId)).map((x) => [...x]),
    [[...id]],
  );
  assert.equal(await s.presignatures.list(otherShare.keyId), []);
  await expectCode(s.presignatures.take(share1.keyId, p.ssid, signers), 'NOT_FOUND');

  const [a, b] = await Promise.allSettled([
    s.presignatures.take(share1.keyId, id, signers),
    s.presignatures.take(share1.keyId, id, signers),
  ]);
  assert.is(a.status, 'fulfilled');
  assert.is(b.status, 'rejected');
  assert.is((b as PromiseRejectedResult).reason.code, 'PRESIGNATURE_USED');
  const taken = (a as PromiseFulfilledResult<Presignature>).value;
  assert.is(taken.used, false);
  assert.is(taken.phi, p.phi);
  assert.is(taken.u, p.u);
  assert.is(taken.v, p.v);
  assert.ok(taken.R.equals(p.R));
  assert.equal(taken.signers, p.signers);
  assert.ok(equalBytes(taken.ssid, p.ssid));

  await expectCode(s.presignatures.take(share1.keyId, id, signers), 'PRESIGNATURE_USED');
  await expectCode(s.presignatures.put(share1.keyId, id, freshPresig(1), signers), 'PRESIGNATURE_USED');
  await expectCode(s.presignatures.take(share1.keyId, randomBytes(32), signers), 'NOT_FOUND');
  await expectCode(
    s.presignatures.put(share1.keyId, randomBytes(32), { ...freshPresig(2), used: true }, signers),
    'INVALID_ARGUMENT',
  );
  await expectCode(
    s.presignatures.put(share1.keyId, randomBytes(32), freshPresig(1), signers.slice(1)),
    'INVALID_ARGUMENT',
  );
  assert.equal(await s.presignatures.list(share1.keyId), []);
  await s.close();
});

test('presignature: given out only to its own signer set (indices and peer ids), used up by a wrong one', async () => {
  const s = await ShareStore.open(tempDir(), master);
  const signers = signersOf(freshPresig(1));
  const wrong: [string, { index: number; peerId: Uint8Array }[]][] = [
    ['another peer at index 2', signers.map((x) => (x.index === 2 ? { ...x, peerId: nodeId(3) } : x))],
    ['another index for the same peer', signers.map((x) => (x.index === 2 ? { ...x, index: 3 } : x))],
    ['a signer missing', signers.slice(0, 1)],
    ['a signer more', [...signers, { index: 3, peerId: nodeId(3) }]],
  ];
  for (const [what, set] of wrong) {
    const id = randomBytes(32);
    await s.presignatures.put(share1.keyId, id, freshPresig(1), signers);
    await expectCode(s.presignatures.take(share1.keyId, id, set), 'PRESIGNATURE_SIGNERS');
    // the refused presignature is gone for good: nobody gets it after a wrong ask
    await expectCode(s.presignatures.take(share1.keyId, id, signers), 'PRESIGNATURE_USED');
    assert.equal(await s.presignatures.list(share1.keyId), [], what);
  }
  // the same signers listed in another order are the same set
  const id = randomBytes(32);
  await s.presignatures.put(share1.keyId, id, freshPresig(1), signers);
  const taken = await s.presignatures.take(share1.keyId, id, [...signers].reverse());
  assert.is(taken.used, false);
  await s.close();
});

test('presignature: taken with its signing session id in one write; a replayed session id changes nothing', async () => {
  const s = await ShareStore.open(tempDir(), master);
  const signers = signersOf(freshPresig(1));
  const id = randomBytes(32);
  const session = randomBytes(32);
  await s.presignatures.put(share1.keyId, id, freshPresig(1), signers);
  // a presignature it lacks: refused, and the session id stays unused
  await expectCode(s.presignatures.takeForSession(share1.keyId, session, randomBytes(32), signers), 'NOT_FOUND');
  assert.not.ok(await s.isSessionUsed(share1.keyId, session));
  // a session id accepted before: refused, and the presignature stays
  const old = randomBytes(32);
  await s.markSessionUsed(share1.keyId, old);
  await expectCode(s.presignatures.takeForSession(share1.keyId, old, id, signers), 'SESSION_REPLAYED');
  assert.is((await s.presignatures.list(share1.keyId)).length, 1);
  // taken: the session id is marked and the presignature used, together
  const taken = await s.presignatures.takeForSession(share1.keyId, session, id, signers);
  assert.is(taken.phi, freshPresig(1).phi);
  assert.ok(await s.isSessionUsed(share1.keyId, session));
  await expectCode(s.markSessionUsed(share1.keyId, session), 'SESSION_REPLAYED');
  await expectCode(s.presignatures.takeForSession(share1.keyId, randomBytes(32), id, signers), 'PRESIGNATURE_USED');
  // a wrong signer set: the session id is marked and the presignature used up, then refused
  const id2 = randomBytes(32);
  const session2 = randomBytes(32);
  await s.presignatures.put(share1.keyId, id2, freshPresig(1), signers);
  await expectCode(
    s.presignatures.takeForSession(share1.keyId, session2, id2, signers.slice(1)),
    'PRESIGNATURE_SIGNERS',
  );
  assert.ok(await s.isSessionUsed(share1.keyId, session2));
  await expectCode(s.presignatures.take(share1.keyId, id2, signers), 'PRESIGNATURE_USED');
  await s.close();
});

/** The store's vault, to count its writes or to end it as a crash would (no put-back of armed presignatures). */
function vaultOf(s: ShareStore): { batch: (ops: unknown[]) => Promise<void>; close: () => Promise<void> } {
  return (s as unknown as { vault: { batch: (ops: unknown[]) => Promise<void>; close: () => Promise<void> } }).vault;
}

/** Counts the store's batch writes from now on. */
function countBatches(s: ShareStore): { readonly n: number } {
  const vault = vaultOf(s);
  const batch = vault.batch.bind(vault);
  const counter = { n: 0 };
  vault.batch = (ops) => {
    counter.n++;
    return batch(ops);
  };
  return counter;
}

/** Handles as sorted hex (the store lists them in key order). */
const handles = (xs: Uint8Array[]) => xs.map((x) => Buffer.from(x).toString('hex')).sort();

test('armed presignatures: taken out of the store ahead of use, given out once from memory, re-armed in a group, put back by a graceful close', async () => {
  const dir = tempDir();
  let s = await ShareStore.open(dir, master, { armPresignatures: 4 });
  const signers = signersOf(freshPresig(1));
  const ids = Array.from({ length: 6 }, () => randomBytes(32) as Uint8Array);
  for (const id of ids) await s.presignatures.put(share1.keyId, id, freshPresig(1), signers);
  // the four oldest are armed as they are stored: deleted from the store and recorded used, held in memory
  assert.is(await s.presignatures.armedCountOf(share1.keyId), 4);
  assert.equal(handles(await s.presignatures.list(share1.keyId)), handles(ids.slice(4)));
  const batches = countBatches(s);
  // an armed one is given out with no write: no session mark (the presignature is the session's one-use token)
  const session = randomBytes(32);
  const taken = await s.presignatures.takeForSession(share1.keyId, session, ids[0] as Uint8Array, signers);
  assert.is(taken.phi, freshPresig(1).phi);
  assert.not.ok(await s.isSessionUsed(share1.keyId, session));
  // once: a replay of the same record finds it used
  await expectCode(
    s.presignatures.takeForSession(share1.keyId, session, ids[0] as Uint8Array, signers),
    'PRESIGNATURE_USED',
  );
  // three and then two armed are at least half of four: nothing is armed yet, nothing written
  assert.is(await s.presignatures.armedCountOf(share1.keyId), 3);
  await s.presignatures.take(share1.keyId, ids[1] as Uint8Array, signers);
  assert.is(await s.presignatures.armedCountOf(share1.keyId), 2);
  assert.is(batches.n, 0);
  assert.equal(handles(await s.presignatures.list(share1.keyId)), handles(ids.slice(4)));
  // an armed one asked for by another signer set is refused and wiped, and never given out; the one left is
  // under half: the two queued ones are armed together, in one write
  await expectCode(
    s.presignatures.takeForSession(share1.keyId, randomBytes(32), ids[2] as Uint8Array, signers.slice(1)),
    'PRESIGNATURE_SIGNERS',
  );
  assert.is(await s.presignatures.armedCountOf(share1.keyId), 3);
  assert.is(batches.n, 1);
  assert.equal(await s.presignatures.list(share1.keyId), []);
  await expectCode(s.presignatures.take(share1.keyId, ids[2] as Uint8Array, signers), 'PRESIGNATURE_USED');
  // a graceful close puts the three armed ones back, unused; what was given out stays used
  await s.close();
  s = await ShareStore.open(dir, master, { armPresignatures: 4 });
  assert.equal(
    (await s.presignatures.list(share1.keyId)).map((x) => Buffer.from(x).toString('hex')).sort(),
    ids
      .slice(3)
      .map((x) => Buffer.from(x).toString('hex'))
      .sort(),
  );
  for (const id of ids.slice(3))
    assert.is((await s.presignatures.take(share1.keyId, id, signers)).phi, freshPresig(1).phi);
  for (const id of ids.slice(0, 3))
    await expectCode(s.presignatures.take(share1.keyId, id, signers), 'PRESIGNATURE_USED');
  await s.close();
});

test('armed presignatures: after a crash (no close) they are gone from the store as used, never offered again', async () => {
  const dir = tempDir();
  let s = await ShareStore.open(dir, master, { armPresignatures: 2 });
  const signers = signersOf(freshPresig(1));
  const ids = [randomBytes(32), randomBytes(32), randomBytes(32)] as Uint8Array[];
  for (const id of ids) await s.presignatures.put(share1.keyId, id, freshPresig(1), signers);
  assert.is(await s.presignatures.armedCountOf(share1.keyId), 2);
  await vaultOf(s).close(); // the process ends here: nothing is put back
  s = await ShareStore.open(dir, master, { armPresignatures: 2 });
  await expectCode(s.presignatures.take(share1.keyId, ids[0] as Uint8Array, signers), 'PRESIGNATURE_USED');
  await expectCode(s.presignatures.take(share1.keyId, ids[1] as Uint8Array, signers), 'PRESIGNATURE_USED');
  assert.is((await s.presignatures.take(share1.keyId, ids[2] as Uint8Array, signers)).phi, freshPresig(1).phi);
  await s.close();
});

test("armed presignatures: a retired key's are wiped with its stored ones", async () => {
  const s = await ShareStore.open(tempDir(), master, { armPresignatures: 2 });
  await s.putPendingShare(share1);
  await s.commitShare(share1.keyId);
  const p = freshPresig(1);
  const id = randomBytes(32);
  await s.presignatures.put(share1.keyId, id, p, signersOf(p));
  assert.is(await s.presignatures.armedCountOf(share1.keyId), 1);
  // a reshare's new share replaces share1: its commit retires the old key, presignatures and all
  await s.putPendingShare(otherShare, { replaces: share1.keyId });
  await s.commitShare(otherShare.keyId);
  assert.is(await s.presignatures.armedCountOf(share1.keyId), 0);
  await expectCode(s.presignatures.take(share1.keyId, id, signersOf(p)), 'PRESIGNATURE_USED');
  await s.close();
});

test('bans persist until unban; the first reason stays', async () => {
  const dir = tempDir();
  let s = await ShareStore.open(dir, master, { now: () => new Date(0) });
  const a = nodeId(4);
  const b = nodeId(5);
  assert.is(await s.ban(a, 'signature verification failed'), true);
  assert.is(await s.ban(a, 'again'), false);
  assert.is(await s.ban(b, 'OT check failed'), true);
  await s.close();

  s = await ShareStore.open(dir, master);
  const bans = await s.listBans();
  assert.is(bans.length, 2);
  const banA = bans.find((x) => equalBytes(x.peerId, a));
  assert.equal(banA && { reason: banA.reason, at: banA.at }, {
    reason: 'signature verification failed',
    at: new Date(0).toISOString(),
  });
  assert.is(await s.unban(a), true);
  assert.is(await s.unban(a), false);
  assert.not.ok(await s.isBanned(a));
  assert.ok(await s.isBanned(b));
  await s.close();

  s = await ShareStore.open(dir, master);
  assert.equal(
    (await s.listBans()).map((x) => [...x.peerId]),
    [[...b]],
  );
  await s.close();
});

test('pair states: put/get/list, no silent replacement; burnt flags persist and seed the guard', async () => {
  const dir = tempDir();
  let s = await ShareStore.open(dir, master, { now: () => new Date(1_700_000_000_000) });
  await s.pairs.put(pair12);
  await s.pairs.put({ ...pair13, createdAt: 5 });
  // a state is dated when stored, unless it carries its date already
  assert.is((await s.pairs.get(pair12.peerNodeId))?.createdAt, 1_700_000_000_000);
  assert.is((await s.pairs.get(pair13.peerNodeId))?.createdAt, 5);
  await expectCode(s.pairs.put(pair12), 'ALREADY_EXISTS');
  await s.pairs.put(pair12, { replace: true });
  assert.is((await s.pairs.list()).length, 2);
  assert.is(await s.pairs.get(nodeId(7)), undefined);

  let persisted = 0;
  const guard = await s.pairs.createGuard(() => persisted++);
  assert.not.ok(guard.isBurnt(pair12));
  guard.burn(pair12);
  await s.pairs.flushBurns();
  assert.is(persisted, 1);
  assert.ok(await s.pairs.isBurnt(pair12));
  await s.pairs.markBurnt(pair12, 'second reason'); // idempotent
  await s.close();

  s = await ShareStore.open(dir, master);
  const burnt = await s.pairs.listBurnt();
  assert.is(burnt.length, 1);
  assert.ok(equalBytes(burnt[0]!.psid, pair12.psid));
  assert.ok(equalBytes(burnt[0]!.peerId, pair12.peerNodeId));
  assert.is(burnt[0]!.reason, 'OT-extension check failed');
  const guard2 = await s.pairs.createGuard();
  assert.ok(guard2.isBurnt(pair12));
  assert.not.ok(guard2.isBurnt(pair13));
  await s.close();
});

test('user share: seal/open round trip; refused for another account, keyId, index, public key or node key', async () => {
  const s = await ShareStore.open(tempDir(), master);
  const account = '6f1c2b9e-0d4a-4c39-9d38-3e0b8f1f2a11';
  const binding = bindingOf(share2, account);
  const blob = s.sealUserShare(share2, account);
  assert.ok(sameShare(s.openUserShare(blob, binding), share2));
  // Self-contained: another store with the same master key (e.g. after a restart) opens it.
  const s2 = await ShareStore.open(tempDir(), master);
  assert.ok(sameShare(s2.openUserShare(blob, binding), share2));

  await expectCode(() => s.openUserShare(blob, { ...binding, accountId: `${account}x` }), 'DECRYPT_FAILED');
  await expectCode(() => s.openUserShare(blob, { ...binding, index: 1 }), 'DECRYPT_FAILED');
  await expectCode(() => s.openUserShare(blob, { ...binding, keyId: otherShare.keyId }), 'DECRYPT_FAILED');
  await expectCode(
    () => s.openUserShare(blob, { ...binding, publicKey: otherShare.publicKey.toBytes(true) }),
    'DECRYPT_FAILED',
  );
  const tampered = blob.slice();
  tampered[20] = (tampered[20] as number) ^ 0x80;
  await expectCode(() => s.openUserShare(tampered, binding), 'DECRYPT_FAILED');
  await expectCode(() => s.openUserShare(blob.subarray(0, blob.length - 1), binding), 'DECRYPT_FAILED');
  await expectCode(() => s.openUserShare(blob.subarray(0, 10), binding), 'DECRYPT_FAILED');
  const s3 = await ShareStore.open(tempDir(), new MasterKey(randomBytes(32)));
  await expectCode(() => s3.openUserShare(blob, binding), 'DECRYPT_FAILED');
  // The wrapping key is a sub-key of its own: the at-rest key does not open a user share.
  await expectCode(() => open(master.subKey('atRest'), userShareContext(binding), blob), 'DECRYPT_FAILED');
  // No two bindings share a context: the fields are length-prefixed.
  const a = userShareContext({ ...binding, accountId: 'ab', keyId: Uint8Array.of(1, 2) });
  const b = userShareContext({ ...binding, accountId: 'a', keyId: Uint8Array.of(98, 1, 2) });
  assert.not.equal(Buffer.from(a).toString('hex'), Buffer.from(b).toString('hex'));
  await Promise.all([s.close(), s2.close(), s3.close()]);
});

test('empty ids are refused', async () => {
  const s = await ShareStore.open(tempDir(), master);
  await expectCode(s.markSessionUsed(new Uint8Array(0), randomBytes(32)), 'INVALID_ARGUMENT');
  await expectCode(s.ban(new Uint8Array(0), 'x'), 'INVALID_ARGUMENT');
  await s.close();
});

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test.run();
