/**
 * Backups of a party node (issue: key lifecycle): the encrypted file format (runtime/backup-file.ts), the store
 * snapshot (store/snapshot.ts) and backup → restore under another master key (party/backup.ts), on real LevelDB
 * directories. Every failure has its code, and a failed restore writes nothing.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes } from '../../protocols/common/bytes.js';
import { isCodedError } from '../../protocols/common/errors.js';
import { encodeKeyShare, type KeyShare } from '../../protocols/dkls23/key-share.js';
import { encodePairState } from '../../protocols/dkls23/pair-state.js';
import { backupParty, restoreParty } from '../../src/party/backup.js';
import { createIdentity, loadIdentity } from '../../src/party/identity.js';
import { openBackup, readBackupHeader, sealBackup } from '../../src/runtime/backup-file.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import { ShareStore } from '../../src/store/share-store.js';
import { decodeSnapshot, encodeSnapshot } from '../../src/store/snapshot.js';
import { pairsOf } from '../helpers/fixture.js';
import { keygen, nodeId, presign, signersOf } from '../helpers/parties.js';

/** Low scrypt cost for tests (the CLI uses DEFAULT_KDF). */
const kdf = { N: 2 ** 14, r: 8, p: 1 };
const PASS = 'correct horse battery staple';
const shares = keygen(3, 2, 'backup').results;
const committed = shares.get(1) as KeyShare;
const pending = { ...(keygen(3, 2, 'backup-pending').results.get(1) as KeyShare) };

const root = mkdtempSync(join(tmpdir(), 'mpc-backup-'));
let n = 0;
const newDir = () => join(root, `d${n++}`);

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(isCodedError(e), String(e));
    return (e as { code: string }).code;
  }
  assert.unreachable('expected a failure');
  return '';
}

/** A store with an identity, a committed and a pending share, a pair state, a ban, a frozen key and a presignature. */
async function populated(dir: string, master: MasterKey): Promise<{ peerId: string }> {
  const store = await ShareStore.open(dir, master);
  try {
    const { peerId } = await createIdentity(store);
    await store.putPendingShare(committed);
    await store.commitShare(committed.keyId);
    await store.putPendingShare(pending);
    await store.pairs.put(pairsOf(1, [1, 2]).get(2)!);
    await store.ban(nodeId(9), 'a failed check');
    await store.frozenKeys.freeze(committed.keyId, 'test');
    await store.markSessionUsed(committed.keyId, new Uint8Array(32).fill(7));
    const presig = { ...presign(shares, [1, 2], 'backup').results.get(1)! };
    await store.presignatures.put(committed.keyId, presig.ssid, presig, signersOf(presig));
    return { peerId };
  } finally {
    await store.close();
  }
}

test.after(() => rmSync(root, { recursive: true, force: true }));

test('backup file: round trip; wrong passphrase, tampering, truncation, another kind each have their code', async () => {
  const payload = randomBytes(1000);
  const file = await sealBackup({ kind: 'party', createdAt: 'now', holds: { shares: 2 } }, payload, PASS, kdf);
  assert.equal(readBackupHeader(file).holds, { shares: 2 });
  assert.ok(equalBytes((await openBackup(file, PASS, 'party')).payload, payload));
  assert.is(await code(openBackup(file, `${PASS}!`, 'party')), 'WRONG_PASSPHRASE');
  const flipped = file.slice();
  flipped[file.length - 40] = (flipped[file.length - 40] as number) ^ 1;
  assert.is(await code(openBackup(flipped, PASS, 'party')), 'BAD_BACKUP');
  // the header is authenticated: a changed count fails the whole file
  const text = Buffer.from(file).toString('latin1').replace('"shares":2', '"shares":3');
  assert.is(await code(openBackup(new Uint8Array(Buffer.from(text, 'latin1')), PASS, 'party')), 'BAD_BACKUP');
  assert.is(await code(openBackup(file.subarray(0, file.length - 20), PASS, 'party')), 'BAD_BACKUP');
  assert.is(await code(openBackup(file.subarray(0, 30), PASS, 'party')), 'BAD_BACKUP');
  assert.is(await code(openBackup(new TextEncoder().encode('hello'), PASS, 'party')), 'NOT_A_BACKUP');
  assert.is(await code(openBackup(file, PASS, 'coordinator')), 'NOT_A_BACKUP');
  assert.is(
    await code(sealBackup({ kind: 'party', createdAt: 'now', holds: {} }, payload, 'short', kdf)),
    'BAD_PASSPHRASE',
  );
  // the same passphrase seals differently each time (fresh salt and nonce)
  const again = await sealBackup({ kind: 'party', createdAt: 'now', holds: { shares: 2 } }, payload, PASS, kdf);
  assert.not.ok(equalBytes(again, file));
});

test('snapshot codec is strict: truncated, trailing bytes and duplicate records are refused', () => {
  const recs = [
    { key: 'identity', value: Uint8Array.of(1, 2) },
    { key: 'ban/aa', value: Uint8Array.of(3) },
  ];
  const bytes = encodeSnapshot(recs);
  assert.equal(decodeSnapshot(bytes), recs);
  const bad = (b: Uint8Array) =>
    assert.throws(
      () => decodeSnapshot(b),
      (e: unknown) => isCodedError(e) && e.code === 'CORRUPT_RECORD',
    );
  bad(bytes.subarray(0, bytes.length - 1));
  bad(new Uint8Array([...bytes, 0]));
  bad(encodeSnapshot([recs[0]!, recs[0]!]));
});

test('backup → restore under a new master key: same identity, shares, pair state, bans, flags; no presignature', async () => {
  const dir = newDir();
  const oldMaster = new MasterKey(randomBytes(32));
  const { peerId } = await populated(dir, oldMaster);
  const store = await ShareStore.open(dir, oldMaster);
  const { file, header } = await backupParty(store, PASS, { kdf });
  const identityBefore = (await store.getIdentity())!;
  await store.close();
  assert.equal(header.holds.peerId, peerId);
  assert.is(header.holds.committedShares, 1);
  assert.is(header.holds.pendingShares, 1);
  assert.is(header.holds.pairStates, 1);
  assert.is(header.holds.bans, 1);
  // the identity key does not appear in the file in plaintext
  assert.is(Buffer.from(file).indexOf(Buffer.from(identityBefore.subarray(4, 36))), -1);

  const target = newDir();
  const newMaster = new MasterKey(randomBytes(32));
  const r = await restoreParty(file, PASS, target, newMaster);
  assert.is(r.peerId, peerId);
  assert.is(r.shares, 2);
  await code(ShareStore.open(target, oldMaster)).then((c) =>
    assert.is(c, 'DECRYPT_FAILED', 'sealed under the new key only'),
  );
  const back = await ShareStore.open(target, newMaster);
  try {
    assert.is((await loadIdentity(back)).peerId, peerId);
    const got = (await back.getShare(committed.keyId))!;
    assert.is(got.status, 'committed');
    assert.ok(equalBytes(encodeKeyShare(got.share), encodeKeyShare(committed)));
    assert.is((await back.getShare(pending.keyId))!.status, 'pending');
    const fixture = pairsOf(1, [1, 2]).get(2)!;
    const pair = (await back.pairs.get(fixture.peerNodeId))!;
    assert.ok(equalBytes(encodePairState(pair), encodePairState({ ...fixture, createdAt: pair.createdAt })));
    assert.ok(await back.isBanned(nodeId(9)));
    assert.is((await back.frozenKeys.list()).length, 1);
    assert.ok(await back.isSessionUsed(committed.keyId, new Uint8Array(32).fill(7)));
    assert.equal(await back.presignatures.list(committed.keyId), [], 'presignatures are never restored');
  } finally {
    await back.close();
  }
});

test('a failed restore writes nothing: wrong passphrase, tampered file, a directory in use', async () => {
  const dir = newDir();
  const master = new MasterKey(randomBytes(32));
  await populated(dir, master);
  const store = await ShareStore.open(dir, master);
  const { file } = await backupParty(store, PASS, { kdf });
  await store.close();
  const before = readdirSync(root).sort();
  const target = newDir();
  assert.is(await code(restoreParty(file, 'not the passphrase', target, master)), 'WRONG_PASSPHRASE');
  const tampered = file.slice();
  tampered[tampered.length - 100] = (tampered[tampered.length - 100] as number) ^ 0x40;
  assert.is(await code(restoreParty(tampered, PASS, target, master)), 'BAD_BACKUP');
  assert.not.ok(existsSync(target));
  assert.equal(readdirSync(root).sort(), before, 'no staging directory left behind');
  // an existing, non-empty directory is never overwritten
  mkdirSync(target);
  writeFileSync(join(target, 'keep'), 'x');
  assert.is(await code(restoreParty(file, PASS, target, master)), 'ALREADY_EXISTS');
  assert.equal(readdirSync(target), ['keep']);
  // an empty one is fine
  const empty = newDir();
  mkdirSync(empty);
  assert.is((await restoreParty(file, PASS, empty, master)).shares, 2);
});

test('a store with no identity cannot be backed up (nothing to restore a node from)', async () => {
  const dir = newDir();
  const store = await ShareStore.open(dir, new MasterKey(randomBytes(32)));
  try {
    assert.is(await code(backupParty(store, PASS, { kdf })), 'NOT_FOUND');
  } finally {
    await store.close();
  }
});

test.run();
