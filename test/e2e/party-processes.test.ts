/**
 * Three party processes started through the CLI (`mpc party init|start`) on 127.0.0.1 with real TCP + noise,
 * driven by the test coordinator: 2-of-3 keygen, signing by each pair, a clean SIGTERM stop and restart that
 * keeps the store, a party killed mid-session that the others name in their timeout, and no secret in
 * plaintext on disk.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigIntToBytes } from '../../protocols/common/bytes.js';
import type { SessionRecord } from '../../protocols/control/record.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import { ShareStore } from '../../src/store/share-store.js';
import { TestCoordinator } from '../helpers/coordinator-driver.js';
import { type CliProcess, mpc, mpcSync } from '../helpers/processes.js';
import { recordOf } from '../helpers/records.js';

const MASTER = 'cd'.repeat(32);
const env = { ...process.env, CRYPTO_MASTER_KEY: MASTER };

interface Proc {
  dir: string;
  peerId: string;
  child?: ChildProcess;
  proc?: CliProcess;
  /** What the running process printed so far. */
  readonly out: string;
}

function init(dir: string): string {
  const r = mpcSync(['party', 'init', '--data-dir', dir], env);
  if (r.status !== 0) throw new Error(`init failed: ${r.stderr}`);
  return r.stdout.trim();
}

function start(p: Proc, coordinator: string, extra: string[] = []): void {
  const args = ['party', 'start', '--data-dir', p.dir, '--coordinator', coordinator];
  p.proc = mpc([...args, '--round-timeout', '3000', '--session-timeout', '30000', ...extra], env);
  p.child = p.proc.child;
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

test('three CLI party processes: keygen, sign by each pair, SIGTERM + restart, a killed party is named', async () => {
  const coord = await TestCoordinator.start();
  const procs: Proc[] = [1, 2, 3].map(() => {
    const dir = mkdtempSync(join(tmpdir(), 'mpc-proc-'));
    const p: Proc = {
      dir,
      peerId: init(dir),
      get out() {
        return p.proc?.out ?? '';
      },
    };
    return p;
  });
  try {
    for (const p of procs) coord.allow(p.peerId);
    for (const [k, p] of procs.entries()) start(p, coord.multiaddr, k === 0 ? ['--metrics-port', '0'] : []);
    await coord.until(() => procs.every((p) => coord.registered.has(p.peerId)), 30_000, 'three registrations');

    const addrsOf = (p: Proc) => coord.registered.get(p.peerId)?.addrs ?? [];
    // a keygen numbers its parties 1..N; a signing names each signer by its key-share index
    const member = (p: Proc) => ({ peerId: p.peerId, keyIndex: procs.indexOf(p) + 1, addrs: addrsOf(p) });
    const record = (kind: 'keygen' | 'sign', ps: Proc[], extra: Partial<SessionRecord> = {}): SessionRecord =>
      recordOf(kind, ps.map(member), new TextEncoder().encode('proc-key'), extra);
    const runSession = async (rec: SessionRecord, n: number) => {
      const acks = await coord.announce(rec);
      assert.ok(
        acks.every((a) => a.ok),
        JSON.stringify(acks),
      );
      await coord.until(() => coord.resultsFor(rec.sessionId).length === n, 60_000, `${rec.kind} results`);
      return coord.resultsFor(rec.sessionId);
    };

    const kg = record('keygen', procs);
    const kgResults = await runSession(kg, 3);
    assert.ok(
      kgResults.every((r) => r.result.status === 'ok'),
      JSON.stringify(kgResults.map((r) => r.result.error)),
    );
    const pk = kgResults[0]!.result.publicKey!;
    assert.ok(kgResults.every((r) => Buffer.from(r.result.publicKey!).equals(pk)));
    const decided = await coord.decide(
      procs.map((p) => p.peerId),
      { sessionId: kg.sessionId, keyId: kg.keyId, action: 'commit' },
    );
    assert.ok(decided.every((a) => a.ok));

    // /health and /metrics of the first party (its log line says where)
    const started = procs[0]!.out.split('\n').find((l) => l.includes('party started'));
    const port = JSON.parse(started ?? '{}').metricsPort as number;
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    assert.is(health.status, 200);
    assert.is(((await health.json()) as { status: string }).status, 'ok');
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /mpc_sessions_total\{kind="keygen",outcome="ok"\} 1/);
    assert.match(metrics, /mpc_peers_connected/);
    assert.match(metrics, /mpc_round_duration_seconds_count\{kind="keygen",round="1"\} 1/);

    const signBy = async (ps: Proc[], label: string) => {
      const messageHash = sha256(new TextEncoder().encode(label));
      const rs = await runSession(record('sign', ps, { messageHash }), ps.length);
      assert.ok(
        rs.every((r) => r.result.status === 'ok'),
        `${label}: ${JSON.stringify(rs.map((r) => r.result.error))}`,
      );
      const sig = rs[0]!.result.signature!;
      const compact = new Uint8Array([...bigIntToBytes(sig.r, 32), ...bigIntToBytes(sig.s, 32)]);
      assert.ok(secp256k1.verify(compact, messageHash, pk, { prehash: false, format: 'compact' }), label);
    };
    const [a, b, c] = procs as [Proc, Proc, Proc];
    await signBy([a, b], 'a+b');
    await signBy([b, c], 'b+c');
    await signBy([c, a], 'c+a');

    // operators re-run pair setup between a and b on the live nodes (each side's operator asks)
    const pairCmd = async (p: Proc, other: Proc) => {
      const cmd = mpc(['party', 'pair', '--data-dir', p.dir, '--peer', other.peerId, '--addr', ...addrsOf(other)], env);
      const code = await cmd.exited;
      return { code, out: cmd.out };
    };
    const [pa, pb] = await Promise.all([pairCmd(a, b), pairCmd(b, a)]);
    assert.is(pa.code, 0, pa.out);
    assert.is(pb.code, 0, pb.out);
    assert.match(pa.out, /paired with/);
    assert.match(pb.out, /paired with/);
    // whichever setup finished last is stored on both ends, so the pair signs with it
    await signBy([a, b], 'a+b after a fresh pair setup');

    // SIGTERM stops cleanly; a restarted process signs again from its store
    c.child?.kill('SIGTERM');
    assert.is(await exited(c.child!), 0, c.out);
    assert.match(c.out, /party stopped/);
    const registrations = coord.registered.size;
    start(c, coord.multiaddr);
    await coord.until(
      () => coord.registered.size >= registrations && c.out.includes('party started'),
      30_000,
      'restart',
    );
    await new Promise((r) => setTimeout(r, 500));
    await signBy([a, c], 'after restart');

    // a party killed mid-session: the other one times out naming it — by its key-share index, which is also its
    // index in the record (b is 2 though it is listed first)
    const rec = record('sign', [b, a], { messageHash: sha256(Uint8Array.of(7)) });
    const acks = await coord.announce(rec);
    assert.ok(acks.every((x) => x.ok));
    b.child?.kill('SIGKILL');
    await coord.until(() => coord.resultsFor(rec.sessionId).some((r) => r.from === a.peerId), 30_000, 'timeout report');
    const report = coord.resultsFor(rec.sessionId).find((r) => r.from === a.peerId)!.result;
    assert.ok(report.status === 'timeout' || report.status === 'failed', report.status);
    assert.equal(report.error?.culprits, [2], JSON.stringify(report.error));

    // no secret in plaintext on disk: stop everything, read the share back with the master key, scan the files
    for (const p of procs) {
      p.child?.kill('SIGTERM');
      await exited(p.child!);
    }
    const store = await ShareStore.open(a.dir, MasterKey.fromHex(MASTER, 'test'));
    const share = (await store.getShare(kg.keyId))!.share;
    const identity = (await store.getIdentity())!;
    await store.close();
    const secret = Buffer.from(bigIntToBytes(share.secretShare, 32));
    for (const f of filesUnder(a.dir)) {
      const bytes = readFileSync(f);
      assert.is(bytes.indexOf(secret), -1, `secret share in plaintext in ${f}`);
      assert.is(bytes.indexOf(Buffer.from(identity.subarray(4, 36))), -1, `identity key in plaintext in ${f}`);
    }
  } finally {
    for (const p of procs)
      if (p.child && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await coord.stop();
    for (const p of procs) rmSync(p.dir, { recursive: true, force: true });
  }
});

test.run();
