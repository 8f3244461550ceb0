/**
 * The control transport between a party and a coordinator, over real libp2p on loopback, carrying real control
 * messages of protocols/session: a register request and a signed record. Requests travel on one long-lived
 * stream per peer (`/mpc/control/2.0.0`): many at once, answered out of order, a failed or late one failing alone;
 * a peer that serves only `/mpc/control/1.0.0` (an older node) is asked with a stream per exchange.
 */
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { PeerId } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { lpStream } from '@libp2p/utils';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeRegister, encodeRegister } from '../../protocols/control/control.js';
import {
  CONTROL_CHANNEL_PROTOCOL,
  CONTROL_PROTOCOL,
  controlRequest,
  serveControl,
} from '../../src/runtime/control-transport.js';
import { createHost, type Host } from '../../src/runtime/host.js';

async function pair(): Promise<{ party: Host; coord: Host; stranger: Host; coordId: PeerId }> {
  const [pk, ck] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')]);
  const allowed = new Set([peerIdFromPrivateKey(pk).toString(), peerIdFromPrivateKey(ck).toString()]);
  const [party, coord, stranger] = await Promise.all([
    createHost({ privateKey: pk, allowedPeers: allowed }),
    createHost({ privateKey: ck, allowedPeers: allowed }),
    createHost({ allowedPeers: () => true }),
  ]);
  for (const [h, other] of [
    [party, coord],
    [stranger, coord],
  ] as const) {
    await h.peerStore.merge(other.peerId, { multiaddrs: other.getMultiaddrs() });
  }
  return { party, coord, stranger, coordId: coord.peerId };
}

test('a party registers with the coordinator over /mpc/control and gets its answer; the coordinator sees who asked', async () => {
  const { party, coord, stranger, coordId } = await pair();
  try {
    const seen: string[] = [];
    await serveControl(coord, async (peer, request) => {
      seen.push(peer.toString());
      const reg = decodeRegister(request);
      return new TextEncoder().encode(`welcome ${reg.role}`);
    });
    const req = encodeRegister({ role: 'persistent', version: '0.1.0', addrs: party.getMultiaddrs().map(String) });
    const answer = await controlRequest(party, coordId, req);
    assert.is(new TextDecoder().decode(answer), 'welcome persistent');
    assert.equal(seen, [party.peerId.toString()]);
    // a peer the coordinator does not admit cannot even connect
    let refused = false;
    try {
      await controlRequest(stranger, coordId, req, { timeoutMs: 3000 });
    } catch {
      refused = true;
    }
    assert.ok(refused, 'a stranger must be refused');
    assert.is(seen.length, 1);
  } finally {
    await Promise.all([party, coord, stranger].map((h) => h.stop()));
  }
});

test('a handler that fails resets the stream, and a silent one makes the request time out', async () => {
  const { party, coord, stranger, coordId } = await pair();
  try {
    let calls = 0;
    await serveControl(
      coord,
      async () => {
        calls++;
        if (calls === 1) throw new Error('bad request');
        await new Promise((r) => setTimeout(r, 2000));
        return Uint8Array.of(1);
      },
      5000,
    );
    let failed = false;
    try {
      await controlRequest(party, coordId, Uint8Array.of(9), { timeoutMs: 3000 });
    } catch {
      failed = true;
    }
    assert.ok(failed, 'a reset stream is an error, not an empty answer');
    const t0 = Date.now();
    let timedOut = false;
    try {
      await controlRequest(party, coordId, Uint8Array.of(9), { timeoutMs: 300 });
    } catch {
      timedOut = true;
    }
    assert.ok(timedOut);
    assert.ok(Date.now() - t0 < 1500, 'the deadline holds');
  } finally {
    await Promise.all([party, coord, stranger].map((h) => h.stop()));
  }
});

/** The streams of `protocol` that `a` opened to `b`. */
function streamsOf(a: Host, b: Host, protocol: string): number {
  return a
    .getConnections(b.peerId)
    .flatMap((c) => c.streams.filter((st) => st.protocol === protocol && st.direction === 'outbound')).length;
}

test('one channel carries many requests at once, answered out of order; a failed or late one fails alone', async () => {
  const { party, coord, stranger, coordId } = await pair();
  try {
    await serveControl(
      coord,
      async (_peer, request) => {
        const n = request[0] as number;
        if (n === 13) throw new Error('unlucky');
        if (n === 99) await new Promise((r) => setTimeout(r, 3000)); // past the serving deadline below
        await new Promise((r) => setTimeout(r, (20 - n) * 5)); // the later requests answer first
        return Uint8Array.of(n, n);
      },
      1500,
    );
    const ns = Array.from({ length: 20 }, (_, k) => k);
    const answers = await Promise.allSettled(ns.map((n) => controlRequest(party, coordId, Uint8Array.of(n))));
    answers.forEach((a, n) => {
      if (n === 13) assert.is(a.status, 'rejected', 'the failed handler fails its request');
      else assert.equal(a.status === 'fulfilled' ? [...a.value] : String(a.reason), [n, n], `request ${n}`);
    });
    // a handler past the serving deadline is answered failed; the channel goes on
    const late = await controlRequest(party, coordId, Uint8Array.of(99)).then(
      () => 'answered',
      (e: Error) => e.message,
    );
    assert.match(late, /could not answer/);
    assert.equal([...(await controlRequest(party, coordId, Uint8Array.of(5)))], [5, 5]);
    assert.is(streamsOf(party, coord, CONTROL_CHANNEL_PROTOCOL), 1, 'every request went on one stream');
    assert.is(streamsOf(party, coord, CONTROL_PROTOCOL), 0);
  } finally {
    await Promise.all([party, coord, stranger].map((h) => h.stop()));
  }
});

test('a closed channel is reopened for the next request; a peer with only 1.0.0 is asked a stream per exchange', async () => {
  const { party, coord, stranger, coordId } = await pair();
  try {
    await serveControl(coord, async (_peer, request) => Uint8Array.of(request[0] as number, 1));
    assert.equal([...(await controlRequest(party, coordId, Uint8Array.of(1)))], [1, 1]);
    // the coordinator's end goes (a restart of its handler, say): the next request opens a new channel
    for (const c of coord.getConnections(party.peerId)) {
      for (const st of c.streams) if (st.protocol === CONTROL_CHANNEL_PROTOCOL) st.abort(new Error('gone'));
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal([...(await controlRequest(party, coordId, Uint8Array.of(2)))], [2, 1]);
    assert.is(streamsOf(party, coord, CONTROL_CHANNEL_PROTOCOL), 1);

    // an older node: it serves /mpc/control/1.0.0 only
    await party.handle(CONTROL_PROTOCOL, async (stream) => {
      const lp = lpStream(stream);
      const request = (await lp.read()).subarray();
      await lp.write(Uint8Array.of(request[0] as number, 0));
      await stream.close();
    });
    for (const n of [7, 8]) assert.equal([...(await controlRequest(coord, party.peerId, Uint8Array.of(n)))], [n, 0]);
    assert.is(streamsOf(coord, party, CONTROL_CHANNEL_PROTOCOL), 0, 'no channel to a peer without 2.0.0');
  } finally {
    await Promise.all([party, coord, stranger].map((h) => h.stop()));
  }
});

test.run();
