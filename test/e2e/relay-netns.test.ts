/**
 * An external party in its own network namespace (needs root and iproute2; CI runs as root): its namespace is
 * joined to this one by a veth pair whose only address here is one the coordinator listens on, and the party
 * listens on its own namespace's loopback. So it can reach the coordinator and nothing else, and nobody can dial
 * it: the persistent parties (on this namespace's loopback) reach it only through the coordinator's circuit
 * relay. It joins with a token, advertises only its relayed address, and a keygen that includes it and a
 * signing that requires it succeed through the REST API.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recoverAddress } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startDevNetwork } from '../../cli/dev-network.js';
import { mpcProgram } from '../../cli/self.js';
import { mpcSync } from '../helpers/processes.js';

const env = { ...process.env };
delete env.MPC_API_KEY;
delete env.CRYPTO_MASTER_KEY;
delete env.DATABASE_URL;

function hasIp(): boolean {
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

test('an external party behind its own namespace takes part through the relay only', async () => {
  if (process.getuid?.() !== 0 || !hasIp()) {
    // CI sets MPC_REQUIRE_NETNS=1: there a test that cannot run is a failure, never a skip
    assert.not.ok(
      process.env.MPC_REQUIRE_NETNS === '1',
      'MPC_REQUIRE_NETNS=1 but this needs root and iproute2 (ip netns)',
    );
    console.log('  skipped: needs root and iproute2 (ip netns); MPC_REQUIRE_NETNS=1 makes this a failure');
    return;
  }
  const ns = `mpcx${process.pid}`;
  const [here, there] = [`vmx${process.pid}`, `vmy${process.pid}`];
  const net24 = `10.213.${process.pid % 250}`;
  const dir = mkdtempSync(join(tmpdir(), 'mpc-netns-'));
  let child: ChildProcess | undefined;
  let output = '';
  ip('netns', 'add', ns);
  try {
    ip('link', 'add', here, 'type', 'veth', 'peer', 'name', there);
    ip('link', 'set', there, 'netns', ns);
    ip('addr', 'add', `${net24}.1/30`, 'dev', here);
    ip('link', 'set', here, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${net24}.2/30`, 'dev', there);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', there, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');

    const net = await startDevNetwork({
      dir,
      port: 0,
      parties: 2,
      delegates: 0,
      env,
      p2pListen: ['/ip4/127.0.0.1/tcp/0', `/ip4/${net24}.1/tcp/0`],
    });
    try {
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${net.apiUrl}${path}`, {
          method,
          headers: { 'x-api-key': net.apiKey, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: res.status, json: (await res.json()) as Record<string, unknown> };
      };
      const coordinator = net.coordinator.multiaddrs.find((a) => a.startsWith(`/ip4/${net24}.1/`));
      assert.ok(coordinator, net.coordinator.multiaddrs.join(' '));
      const dataDir = join(dir, 'external');
      const keyArgs = ['--master-key-file', join(dir, 'master.key')];
      const init = mpcSync(['party', 'init', '--data-dir', dataDir, ...keyArgs], env);
      assert.is(init.status, 0, init.stderr);
      const extId = init.stdout.trim();
      const token = await call('POST', '/api/v1/join-tokens', { role: 'external' });
      assert.is(token.status, 201);
      const program = mpcProgram();
      const args = [
        ...['party', 'start', '--role', 'external', '--data-dir', dataDir, '--coordinator', coordinator, ...keyArgs],
        ...['--join-token', String(token.json.token), '--listen', '/ip4/127.0.0.1/tcp/0', '--log-level', 'warn'],
      ];
      child = spawn('ip', ['netns', 'exec', ns, process.execPath, ...program.execArgv, program.script, ...args], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.on('data', (d) => {
        output += String(d);
      });
      child.stderr?.on('data', (d) => {
        output += String(d);
      });

      // it registers with its relayed address only: nothing else of it can be dialled
      const deadline = Date.now() + 60_000;
      let addrs: string[] = [];
      for (;;) {
        const parties = (await call('GET', '/api/v1/parties')).json.parties as {
          partyId: string;
          status: string;
          addresses: string[];
        }[];
        const ext = parties.find((p) => p.partyId === extId);
        addrs = ext?.addresses ?? [];
        if (ext?.status === 'online' && addrs.some((a) => a.includes('/p2p-circuit'))) break;
        if (Date.now() > deadline) throw new Error(`the external party did not register relayed:\n${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(
        addrs.every((a) => a.includes(`/p2p/${net.coordinator.peerId}/p2p-circuit`)),
        addrs.join(' '),
      );

      const created = await call('POST', '/api/v1/accounts', {
        userId: 'outside',
        include: [extId],
        requireParties: [extId],
      });
      assert.is(created.status, 201, JSON.stringify(created.json));
      const parties = created.json.parties as { partyId: string; role: string }[];
      assert.ok(parties.some((p) => p.partyId === extId && p.role === 'external'));
      const messageHash = `0x${'5e'.repeat(32)}`;
      const signed = await call('POST', `/api/v1/accounts/${created.json.accountId}/sign`, { messageHash });
      assert.is(signed.status, 200, `${JSON.stringify(signed.json)}\n${output}`);
      assert.is(recoverAddress(messageHash, String(signed.json.signatureHex)), created.json.address);
      const session = await call('GET', `/api/v1/sessions/${signed.json.sessionId}`);
      assert.ok((session.json.parties as { partyId: string }[]).some((p) => p.partyId === extId));
    } finally {
      if (child && child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child?.once('exit', r));
      }
      await net.stop().catch(() => {});
    }
  } finally {
    try {
      ip('netns', 'del', ns); // takes the veth pair with it
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
