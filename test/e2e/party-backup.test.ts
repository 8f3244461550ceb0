/**
 * `mpc party backup` / `mpc party restore` through the CLI on real party processes: a backup taken from a
 * running node (admin socket) and one from a stopped node; the node restored on "another machine" (a new
 * directory, a new master key) comes back with the same peer id and signs with both other parties; a wrong
 * passphrase or a changed file is one clear line and writes nothing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigIntToBytes } from '../../protocols/common/bytes.js';
import type { SessionRecord } from '../../protocols/control/record.js';
import { TestCoordinator } from '../helpers/coordinator-driver.js';
import { type CliProcess, mpc, mpcSync, stop } from '../helpers/processes.js';
import { recordOf } from '../helpers/records.js';

const OLD_MASTER = 'b1'.repeat(32);
const NEW_MASTER = 'b2'.repeat(32);
const envWith = (master: string) => ({ ...process.env, CRYPTO_MASTER_KEY: master });
const root = mkdtempSync(join(tmpdir(), 'mpc-party-backup-'));
const passFile = join(root, 'passphrase');
const wrongPassFile = join(root, 'wrong-passphrase');
writeFileSync(passFile, 'a long enough backup passphrase\n', { mode: 0o600 });
writeFileSync(wrongPassFile, 'another long passphrase here\n', { mode: 0o600 });

interface Party {
  dir: string;
  peerId: string;
  master: string;
  proc?: CliProcess;
}

test.after(() => rmSync(root, { recursive: true, force: true }));

test('backup of a running and a stopped node; restore under a new master key signs with the same peer id', async () => {
  const coord = await TestCoordinator.start();
  const parties: Party[] = [1, 2, 3].map((k) => {
    const dir = join(root, `party-${k}`);
    const r = mpcSync(['party', 'init', '--data-dir', dir], envWith(OLD_MASTER));
    assert.is(r.status, 0, r.stderr);
    return { dir, peerId: r.stdout.trim(), master: OLD_MASTER };
  });
  const start = (p: Party) => {
    p.proc = mpc(['party', 'start', '--data-dir', p.dir, '--coordinator', coord.multiaddr], envWith(p.master));
  };
  try {
    for (const p of parties) coord.allow(p.peerId);
    for (const p of parties) start(p);
    await coord.until(() => parties.every((p) => coord.registered.has(p.peerId)), 30_000, 'registrations');
    const keyId = new TextEncoder().encode('backup-key');
    const member = (p: Party) => ({
      peerId: p.peerId,
      keyIndex: parties.indexOf(p) + 1,
      addrs: coord.registered.get(p.peerId)?.addrs ?? [],
    });
    const record = (kind: 'keygen' | 'sign', ps: Party[], messageHash?: Uint8Array): SessionRecord =>
      recordOf(kind, ps.map(member), keyId, messageHash ? { messageHash } : {});
    const run = async (rec: SessionRecord) => {
      const acks = await coord.announce(rec);
      assert.ok(
        acks.every((a) => a.ok),
        JSON.stringify(acks),
      );
      await coord.until(() => coord.resultsFor(rec.sessionId).length === rec.parties.length, 60_000, rec.kind);
      const rs = coord.resultsFor(rec.sessionId);
      assert.ok(
        rs.every((r) => r.result.status === 'ok'),
        JSON.stringify(rs.map((r) => r.result.error)),
      );
      return rs;
    };
    const kg = record('keygen', parties);
    const pk = (await run(kg))[0]!.result.publicKey!;
    assert.ok(
      (
        await coord.decide(
          parties.map((p) => p.peerId),
          { sessionId: kg.sessionId, keyId, action: 'commit' },
        )
      ).every((a) => a.ok),
    );
    const signs = async (ps: Party[], label: string) => {
      const messageHash = sha256(new TextEncoder().encode(label));
      const sig = (await run(record('sign', ps, messageHash)))[0]!.result.signature!;
      const compact = new Uint8Array([...bigIntToBytes(sig.r, 32), ...bigIntToBytes(sig.s, 32)]);
      assert.ok(secp256k1.verify(compact, messageHash, pk, { prehash: false, format: 'compact' }), label);
    };
    const [a, b, c] = parties as [Party, Party, Party];

    await signs([a, c], 'a + c before the backup'); // c now has a pair state with a
    // from the running node: it writes one consistent snapshot
    const live = join(root, 'live.mpcbak');
    const liveRun = mpc(
      ['party', 'backup', '--data-dir', c.dir, '--out', live, '--passphrase-file', passFile],
      envWith(OLD_MASTER),
    );
    assert.is(await liveRun.exited, 0, liveRun.out);
    assert.match(liveRun.out, /from the running node: peerId \S+, committedShares 1, pendingShares 0, pairStates 1,/);
    // an existing --out is refused before anything is read
    const again = mpc(
      ['party', 'backup', '--data-dir', c.dir, '--out', live, '--passphrase-file', passFile],
      envWith(OLD_MASTER),
    );
    assert.is(await again.exited, 2, again.out);
    assert.match(again.out, /exists; choose a new file name/);

    // the machine of party c is lost
    assert.is(await stop(c.proc!), 0);
    const stopped = join(root, 'stopped.mpcbak');
    const stoppedRun = mpc(
      ['party', 'backup', '--data-dir', c.dir, '--out', stopped, '--passphrase-file', passFile],
      envWith(OLD_MASTER),
    );
    assert.is(await stoppedRun.exited, 0, stoppedRun.out);
    assert.match(stoppedRun.out, /^wrote .*stopped\.mpcbak \(\d+ bytes\): peerId /m);
    rmSync(c.dir, { recursive: true });

    // a wrong passphrase and a changed file: one line each, nothing written
    const target = join(root, 'restored-c');
    const wrong = mpc(
      ['party', 'restore', '--data-dir', target, '--in', live, '--passphrase-file', wrongPassFile],
      envWith(NEW_MASTER),
    );
    assert.is(await wrong.exited, 1, wrong.out);
    assert.is(wrong.out, 'mpc: the passphrase does not open this backup\n');
    const changed = join(root, 'changed.mpcbak');
    const bytes = readFileSync(live);
    bytes[bytes.length - 50] = (bytes[bytes.length - 50] as number) ^ 1;
    writeFileSync(changed, bytes);
    const bad = mpc(
      ['party', 'restore', '--data-dir', target, '--in', changed, '--passphrase-file', passFile],
      envWith(NEW_MASTER),
    );
    assert.is(await bad.exited, 1, bad.out);
    assert.match(bad.out, /^mpc: the backup fails authentication: it is truncated or was changed\n$/);
    assert.not.ok(existsSync(target), 'nothing written');

    // restored on another machine, under another master key: same peer id, signs with a and with b
    const restored = mpc(
      ['party', 'restore', '--data-dir', target, '--in', live, '--passphrase-file', passFile],
      envWith(NEW_MASTER),
    );
    assert.is(await restored.exited, 0, restored.out);
    assert.match(restored.out, new RegExp(`^restored ${c.peerId} into .*: 1 key share\\(s\\)`, 'm'));
    const back: Party = { dir: target, peerId: c.peerId, master: NEW_MASTER };
    parties[2] = back;
    start(back);
    await coord.until(
      () => (back.proc?.out ?? '').includes('party started') && coord.registered.has(c.peerId),
      30_000,
      'restart',
    );
    await new Promise((r) => setTimeout(r, 500));
    await signs([a, back], 'a + restored c');
    await signs([b, back], 'b + restored c');
  } finally {
    for (const p of parties) if (p.proc) await stop(p.proc, 'SIGKILL').catch(() => {});
    await coord.stop();
  }
});

test('backup refuses a short passphrase and a missing one without a terminal, writing nothing', async () => {
  const dir = join(root, 'lonely');
  assert.is(mpcSync(['party', 'init', '--data-dir', dir], envWith(OLD_MASTER)).status, 0);
  const short = join(root, 'short');
  writeFileSync(short, 'tiny\n');
  const out = join(root, 'never.mpcbak');
  const r1 = mpc(['party', 'backup', '--data-dir', dir, '--out', out, '--passphrase-file', short], envWith(OLD_MASTER));
  assert.is(await r1.exited, 1, r1.out);
  assert.match(r1.out, /^mpc: a backup passphrase needs at least 12 characters\n$/);
  const r2 = mpc(['party', 'backup', '--data-dir', dir, '--out', out], envWith(OLD_MASTER));
  assert.is(await r2.exited, 1, r2.out);
  assert.match(r2.out, /no passphrase: give --passphrase-file FILE/);
  assert.not.ok(existsSync(out));
});

test.run();
