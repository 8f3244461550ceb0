/** `mpc party init|status` through the real command line (a child process), on a real data directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MasterKey } from '../../src/runtime/master-key.js';
import { ShareStore } from '../../src/store/share-store.js';
import { pairsOf } from '../helpers/fixture.js';
import { mpcSync } from '../helpers/processes.js';

const KEY = 'ab'.repeat(32);

/** An operational error: exactly one line `mpc: …`, without the usage text or a stack. */
function assertOneLine(err: string) {
  assert.match(err, /^mpc: /);
  assert.is(err.trimEnd().split('\n').length, 1, err);
  assert.not.match(err, /Options:/);
  assert.not.match(err, /\n\s+at /);
}

/** A usage error: the usage of `command` first, then `mpc: <problem>` as the last line. */
function assertUsage(err: string, command: string, problem: RegExp) {
  assert.ok(err.startsWith(command), err);
  assert.match(err, /Options:/);
  const last = err.trimEnd().split('\n').at(-1) ?? '';
  assert.match(last, /^mpc: /);
  assert.match(last, problem);
  assert.not.match(err, /\n\s+at /);
}

function mpc(args: string[], env: Record<string, string | undefined> = { CRYPTO_MASTER_KEY: KEY }) {
  const r = mpcSync(args, { ...process.env, CRYPTO_MASTER_KEY: undefined, ...env });
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
    assert.is(none.code, 3, 'a configuration error exits with 3');
    assert.match(none.err, /CRYPTO_MASTER_KEY/);
    assert.match(none.err, /openssl rand -hex 32/);
    assertOneLine(none.err);
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
    const bad = mpc(['party', 'unban', '--data-dir', dir, '--peer', 'not-a-peer']);
    assert.is(bad.code, 2, 'a bad flag value is a usage error');
    assertUsage(bad.err, 'mpc party unban', /--peer: 'not-a-peer' is not a peer id/);
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
    assert.is(bad.code, 2, 'a bad --key value is a usage error (exit 2)');
    assert.match(bad.err, /not a key id/);
    assert.match(bad.err, /--key/);
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
    assertOneLine(r.err);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad flags are usage errors: the usage of the command, the problem last, exit 2', () => {
  const missing = mpc(['party', 'status']);
  assert.is(missing.code, 2);
  assertUsage(missing.err, 'mpc party status', /Missing required argument: data-dir/);
  const unknown = mpc(['party', 'status', '--data-dir', '/tmp/x', '--bogus']);
  assert.is(unknown.code, 2);
  assertUsage(unknown.err, 'mpc party status', /Unknown argument: bogus/);
});

test("a start command's bad setting is a configuration error: one line naming the flag, exit 3", () => {
  const coordinator = mpc(['party', 'start', '--data-dir', '/tmp/x', '--coordinator', '/ip4/127.0.0.1/tcp/7000']);
  assert.is(coordinator.code, 3);
  assertOneLine(coordinator.err);
  assert.match(coordinator.err, /invalid --coordinator .* ending in \/p2p\/<peer id>/);
  const port = mpc(['coordinator', 'start', '--port', '70000'], { MPC_API_KEY: 'k'.repeat(16) });
  assert.is(port.code, 3);
  assertOneLine(port.err);
  assert.match(port.err, /invalid --port \(env PORT\) 70000: must be an integer 0\.\.65535/);
});

test('operational errors are one line naming the fix, no usage and no stack', () => {
  const noKey = mpc(['coordinator', 'start', '--data-dir', '/tmp/x'], { MPC_API_KEY: undefined });
  assert.is(noKey.code, 3);
  assert.match(noKey.err, /^mpc: no API key: set MPC_API_KEY/);
  assertOneLine(noKey.err);
  const shortKey = mpc(['coordinator', 'start', '--data-dir', '/tmp/x'], { MPC_API_KEY: 'short' });
  assert.is(shortKey.code, 3);
  assert.match(shortKey.err, /at least 16 characters; make one with `openssl rand -hex 24`/);
  assertOneLine(shortKey.err);
  const unreachable = mpc(['coordinator', 'join-token', '--api-url', 'http://127.0.0.1:1'], {
    MPC_API_KEY: 'k'.repeat(16),
  });
  assert.is(unreachable.code, 1);
  assert.match(unreachable.err, /cannot reach the coordinator at http:\/\/127\.0\.0\.1:1 .*is it running\?/);
  assertOneLine(unreachable.err);
});

test.run();
