/**
 * The control transport (`/mpc/control/1.0.0`) between a party and a coordinator, over real libp2p on
 * loopback, carrying real control messages of protocols/session: a register request and a signed record.
 */
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { PeerId } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeRegister, encodeRegister } from '../../protocols/control/control.js';
import { controlRequest, serveControl } from '../../src/runtime/control-transport.js';
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

test.run();
