/**
 * The store's side of a reshare: a new share pending in place of an old one is committed and the old one
 * deleted in one batch (its presignatures too); a party leaving the key deletes its share at the commit; an
 * abort leaves the old share; whoever caches shares is told what was deleted.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex } from '../../protocols/common/bytes.js';
import type { KeyShare } from '../../protocols/dkls23/key-share.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import { StoreError } from '../../src/store/errors.js';
import { ShareStore } from '../../src/store/share-store.js';
import { keygen, presign, reshare, signersOf } from '../helpers/parties.js';

const master = new MasterKey(randomBytes(32));
const old = keygen(3, 2, 'store-reshare').results;
const parties = [1, 2, 3].map((i) => ({ nodeId: (old.get(i) as KeyShare).nodeIds[i - 1] as Uint8Array }));
/** A refresh: parties 1..3 deal and receive at their indices, under a new key id. */
const fresh = reshare(
  old,
  parties.map((p, k) => ({ ...p, oldIndex: k + 1, newIndex: k + 1 })),
  2,
  'store-reshare',
  { override: (_i, c) => ({ ...c, keyId: Uint8Array.from([7, 7, 7]) }) },
).results;
const oldShare = old.get(1) as KeyShare;
const newShare = fresh.get(1) as KeyShare;
const presigs = presign(old, [1, 2], 'store-reshare').results;

async function withStore(body: (s: ShareStore) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mpc-store-reshare-'));
  const s = await ShareStore.open(dir, master);
  try {
    await body(s);
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, StoreError);
    assert.is((e as StoreError).code, code);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

test('commit of a replacing share: the new share committed, the old share and its presignatures deleted', async () => {
  await withStore(async (s) => {
    await s.putPendingShare(oldShare);
    await s.commitShare(oldShare.keyId);
    await s.presignatures.put(oldShare.keyId, presigs.get(1)!.ssid, presigs.get(1)!, signersOf(presigs.get(1)!));
    const told: string[] = [];
    s.onShareRetired((k) => told.push(toHex(k)));
    await s.putPendingShare(newShare, { replaces: oldShare.keyId });
    assert.is((await s.getShare(oldShare.keyId))?.status, 'committed', 'the old share signs until the commit');
    const { retired } = await s.commitShare(newShare.keyId);
    assert.is(toHex(retired!), toHex(oldShare.keyId));
    assert.is(await s.getShare(oldShare.keyId), undefined);
    assert.is((await s.getShare(newShare.keyId))?.status, 'committed');
    assert.equal(told, [toHex(oldShare.keyId)]);
    assert.equal(await s.presignatures.list(oldShare.keyId), [], 'presignatures of the old key are gone');
    assert.equal(await s.commitShare(newShare.keyId), {}, 'a repeated commit changes nothing');
    assert.equal(
      (await s.listShares()).map((x) => toHex(x.keyId)),
      [toHex(newShare.keyId)],
    );
  });
});

test('abort of a replacing share: the new share goes, the old one stays', async () => {
  await withStore(async (s) => {
    await s.putPendingShare(oldShare);
    await s.commitShare(oldShare.keyId);
    await s.putPendingShare(newShare, { replaces: oldShare.keyId });
    assert.ok(await s.discardPendingShare(newShare.keyId));
    assert.is((await s.getShare(oldShare.keyId))?.status, 'committed');
    assert.is(await s.getShare(newShare.keyId), undefined);
  });
});

test('a party leaving the key: its share is deleted at the commit, kept at an abort', async () => {
  await withStore(async (s) => {
    await s.putPendingShare(oldShare);
    await s.commitShare(oldShare.keyId);
    await s.putRetirement(newShare.keyId, oldShare.keyId);
    assert.ok(await s.discardPendingShare(newShare.keyId), 'an abort drops the note');
    assert.is((await s.getShare(oldShare.keyId))?.status, 'committed');
    await rejectsWith(s.commitShare(newShare.keyId), 'NOT_FOUND');
    await s.putRetirement(newShare.keyId, oldShare.keyId);
    const { retired } = await s.commitShare(newShare.keyId);
    assert.is(toHex(retired!), toHex(oldShare.keyId));
    assert.equal(await s.listShares(), []);
    await rejectsWith(s.commitShare(newShare.keyId), 'NOT_FOUND');
  });
});

test('a retirement note is refused for a key whose share this party holds', async () => {
  await withStore(async (s) => {
    await s.putPendingShare(newShare);
    await rejectsWith(s.putRetirement(newShare.keyId, oldShare.keyId), 'ALREADY_EXISTS');
  });
});

test.run();
