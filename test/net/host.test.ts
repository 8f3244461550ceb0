import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT, failureReport } from '../../cli/failure.js';
import { createHost, type Host, HostError } from '../../src/runtime/host.js';

async function trio(): Promise<{ hosts: Host[]; stranger: Host; allowed: Set<string> }> {
  const keys = await Promise.all([1, 2, 3].map(() => generateKeyPair('Ed25519')));
  const allowed = new Set(keys.map((k) => peerIdFromPrivateKey(k).toString()));
  const hosts = await Promise.all(keys.map((privateKey) => createHost({ privateKey, allowedPeers: allowed })));
  // The stranger admits everyone; the three must still refuse it.
  const stranger = await createHost({ allowedPeers: () => true });
  return { hosts, stranger, allowed };
}

test('three allowed hosts connect and ping each other over loopback', async () => {
  const { hosts, stranger } = await trio();
  try {
    for (const h of hosts) for (const a of h.getMultiaddrs()) assert.ok(a.toString().startsWith('/ip4/127.0.0.1/tcp/'));
    for (const [i, a] of hosts.entries()) {
      for (const b of hosts.slice(i + 1)) {
        const rtt = await a.services.ping.ping(b.getMultiaddrs(), { signal: AbortSignal.timeout(3000) });
        assert.ok(rtt >= 0);
      }
    }
    assert.is(hosts[0]?.getConnections().length, 2);
  } finally {
    await Promise.all([...hosts, stranger].map((h) => h.stop()));
  }
});

test('a stranger cannot dial in, and nobody dials out to it', async () => {
  const { hosts, stranger } = await trio();
  const [a] = hosts as [Host];
  try {
    let inbound: unknown;
    try {
      await stranger.services.ping.ping(a.getMultiaddrs(), { signal: AbortSignal.timeout(3000) });
    } catch (e) {
      inbound = e;
    }
    assert.ok(inbound instanceof Error, 'the stranger is refused');
    assert.is(
      a.getConnections().filter((c) => c.remotePeer.equals(stranger.peerId)).length,
      0,
      'no connection from the stranger survives',
    );
    let outbound: unknown;
    try {
      await a.dial(stranger.getMultiaddrs(), { signal: AbortSignal.timeout(3000) });
    } catch (e) {
      outbound = e;
    }
    assert.ok(outbound instanceof Error, 'dialing the stranger is refused');
  } finally {
    await Promise.all([...hosts, stranger].map((h) => h.stop()));
  }
});

test('the allow-list may be a live predicate', async () => {
  let open = false;
  const a = await createHost({ allowedPeers: () => open });
  const b = await createHost({ allowedPeers: () => true });
  try {
    // The dialer may see its upgrade finish before the listener's gater closes the connection; what matters
    // is that no usable connection exists on either side.
    let refused = false;
    await b.services.ping.ping(a.getMultiaddrs(), { signal: AbortSignal.timeout(3000) }).catch(() => {
      refused = true;
    });
    assert.ok(refused, 'refused while the predicate says no');
    assert.is(a.getConnections(b.peerId).length, 0);
    open = true;
    const conn = await b.dial(a.getMultiaddrs(), { signal: AbortSignal.timeout(3000) });
    assert.ok(conn.remotePeer.equals(a.peerId));
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('gossipsub runs when asked', async () => {
  const a = await createHost({ allowedPeers: () => true, gossip: true });
  try {
    assert.ok(a.services.pubsub);
    a.services.pubsub?.subscribe('mpc/test');
    await a.services.pubsub?.publish('mpc/test', Uint8Array.of(1));
  } finally {
    await a.stop();
  }
});

test('a p2p port in use is an operational error: one line naming the address and the fix, exit 1', async () => {
  const first = await createHost({ allowedPeers: () => true });
  try {
    const addr = first
      .getMultiaddrs()[0]
      ?.toString()
      .replace(/\/p2p\/.*$/, '') as string;
    const err = await createHost({ allowedPeers: () => true, listen: [addr] }).then(
      async (h) => {
        await h.stop();
        return undefined;
      },
      (e: unknown) => e,
    );
    assert.ok(err instanceof HostError, String(err));
    assert.is(err.code, 'LISTEN_FAILED');
    const report = failureReport(err);
    assert.is(report.status, EXIT.FAILED);
    assert.not.match(report.text, '\n');
    assert.match(report.text, addr);
    assert.match(report.text, /EADDRINUSE.*--listen/);
    assert.not.match(report.text, / at /, 'no stack frames');
  } finally {
    await first.stop();
  }
});

test.run();
