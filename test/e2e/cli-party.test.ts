/** `mpc party init|status` through the real command line (a child process), on a real data directory. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MasterKey } from '../../src/runtime/master-key.js';
import { ShareStore } from '../../src/store/share-store.js';
import { pairsOf } from '../helpers/fixture.js';

const BIN = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));
const KEY = 'ab'.repeat(32);

function mpc(args: string[], env: Record<string, string | undefined> = { CRYPTO_MASTER_KEY: KEY }) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, CRYPTO_MASTER_KEY: undefined, ...env },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('party init prints a peer id once; status lists it; a second init is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpc-cli-'));
  try {
    const init = mpc(['party', 'init', '--data-dir', dir]);
    assert.is(init.code, 0, init.err);
    const peerId = init.out.trim();
    assert.match(peerId, /^12D3KooW[1-9A-HJ-NP-Za-km-z]+$/);
    const again = mpc(['party', 'init', '--data-dir', dir]);
    assert.is(again.code, 1);
    assert.match(again.err, /already has an identity/);
    const status = mpc(['party', 'status', '--data-dir', dir, '--json']);
    assert.is(status.code, 0, status.err);
    const s = JSON.parse(status.out);
    assert.is(s.peerId, peerId);
    assert.equal(s.keys, []);
    assert.equal(s.bans, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a master key the node refuses, saying how to make one; a wrong key is refused too', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpc-cli-'));
  try {
    const none = mpc(['party', 'init', '--data-dir', dir], {});
    assert.is(none.code, 1);
    assert.match(none.err, /CRYPTO_MASTER_KEY/);
    assert.match(none.err, /openssl rand -hex 32/);
    assert.is(mpc(['party', 'init', '--data-dir', dir]).code, 0);
    const wrong = mpc(['party', 'status', '--data-dir', dir], { CRYPTO_MASTER_KEY: 'cd'.repeat(32) });
    assert.is(wrong.code, 1);
    assert.not.match(wrong.err, new RegExp('cd'.repeat(32)), 'the key never appears in an error');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Inits a party in `dir` through the CLI, then opens its store here with a fresh stranger peer id. */
async function initWithStranger(dir: string) {
  assert.is(mpc(['party', 'init', '--data-dir', dir]).code, 0);
  const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
  const store = await ShareStore.open(dir, MasterKey.fromHex(KEY, 'test'));
  return { peer, store };
}

test('unban lifts a persisted ban that status lists; only an operator command does it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpc-cli-'));
  try {
    const { peer, store } = await initWithStranger(dir);
    await store.ban(peer.toMultihash().bytes, 'OT_CHECK_FAILED in a session');
    await store.close();
    const listed = JSON.parse(mpc(['party', 'status', '--data-dir', dir, '--json']).out);
    assert.equal(
      listed.bans.map((b: { peer: string }) => b.peer),
      [peer.toString()],
    );
    const un = mpc(['party', 'unban', '--data-dir', dir, '--peer', peer.toString()]);
    assert.is(un.code, 0, un.err);
    assert.match(un.out, /unbanned/);
    assert.equal(JSON.parse(mpc(['party', 'status', '--data-dir', dir, '--json']).out).bans, []);
    assert.is(mpc(['party', 'unban', '--data-dir', dir, '--peer', 'not-a-peer']).code, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pair discards a stored pair state so the next session runs a fresh pair setup', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpc-cli-'));
  try {
    const { peer, store } = await initWithStranger(dir);
    const state = { ...pairsOf(1, [1, 2]).get(2)!, peerNodeId: peer.toMultihash().bytes };
    await store.pairs.put(state);
    await store.pairs.markBurnt(state);
    await store.close();
    const before = JSON.parse(mpc(['party', 'status', '--data-dir', dir, '--json']).out);
    assert.equal(before.pairs, [{ peer: peer.toString(), burnt: true }]);
    const r = mpc(['party', 'pair', '--data-dir', dir, '--peer', peer.toString()]);
    assert.is(r.code, 0, r.err);
    assert.match(r.out, /fresh pair setup/);
    assert.equal(JSON.parse(mpc(['party', 'status', '--data-dir', dir, '--json']).out).pairs, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unfreeze lifts a frozen key that status lists; a bad key id is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpc-cli-'));
  try {
    const { store } = await initWithStranger(dir);
    const keyId = Uint8Array.of(0xab, 0xcd);
    await store.frozenKeys.freeze(keyId, 'SIGNATURE_INVALID in session 00');
    await store.close();
    const listed = JSON.parse(mpc(['party', 'status', '--data-dir', dir, '--json']).out);
    assert.equal(
      listed.frozen.map((f: { keyId: string }) => f.keyId),
      ['abcd'],
    );
    assert.match(mpc(['party', 'status', '--data-dir', dir]).out, /mpc party unfreeze --key abcd/);
    const bad = mpc(['party', 'unfreeze', '--data-dir', dir, '--key', 'xyz']);
    assert.is(bad.code, 1);
    assert.match(bad.err, /not a key id/);
    const un = mpc(['party', 'unfreeze', '--data-dir', dir, '--key', 'ABCD']);
    assert.is(un.code, 0, un.err);
    assert.match(un.out, /unfroze key abcd/);
    assert.equal(JSON.parse(mpc(['party', 'status', '--data-dir', dir, '--json']).out).frozen, []);
    assert.match(mpc(['party', 'unfreeze', '--data-dir', dir, '--key', 'abcd']).out, /was not frozen/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a data directory in use by a running node gives a clear error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpc-cli-'));
  try {
    const { store } = await initWithStranger(dir); // this process now holds the store's lock
    const r = mpc(['party', 'status', '--data-dir', dir]);
    await store.close();
    assert.is(r.code, 1);
    assert.match(r.err, /in use by another process/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad flags print a clear error and exit non-zero', () => {
  const missing = mpc(['party', 'status']);
  assert.ok(missing.code !== 0);
  assert.match(missing.err, /data-dir/);
  const unknown = mpc(['party', 'status', '--data-dir', '/tmp/x', '--bogus']);
  assert.ok(unknown.code !== 0);
  assert.match(unknown.err, /bogus/);
});

test.run();
