/**
 * The stream stack's two adjustments (src/runtime/stream-tuning.ts), measured on real hosts over loopback TCP:
 * a small control exchange costs one socket write each way (one buffer per noise frame, no window-update frame
 * per message), and a stream that carries more than its receive window still gets its window updates and does
 * not stall.
 */
import net from 'node:net';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { controlRequest, serveControl } from '../../src/runtime/control-transport.js';
import { createHost, type Host } from '../../src/runtime/host.js';

async function pair(): Promise<[Host, Host]> {
  const keys = await Promise.all([1, 2].map(() => generateKeyPair('Ed25519')));
  const allowed = new Set(keys.map((k) => peerIdFromPrivateKey(k).toString()));
  const [a, b] = (await Promise.all(keys.map((privateKey) => createHost({ privateKey, allowedPeers: allowed })))) as [
    Host,
    Host,
  ];
  await a.dial(b.getMultiaddrs());
  return [a, b];
}

/** Runs `work` while counting the calls of net.Socket's write in this process (both hosts live here). */
async function countWrites(work: () => Promise<void>): Promise<number> {
  const write = net.Socket.prototype.write;
  let writes = 0;
  net.Socket.prototype.write = function (this: net.Socket, ...args: Parameters<typeof write>) {
    writes++;
    return write.apply(this, args);
  } as typeof write;
  try {
    await work();
  } finally {
    net.Socket.prototype.write = write;
  }
  return writes;
}

test('a small control exchange costs one socket write each way', async () => {
  const [a, b] = await pair();
  try {
    await serveControl(b, async (_peer, request) => request.slice().reverse());
    const ask = (n: number) => controlRequest(a, b.peerId, new Uint8Array(300).fill(n));
    await ask(0); // the channel opens (dial, handshake, stream) before counting
    const exchanges = 40;
    const writes = await countWrites(async () => {
      for (let n = 1; n <= exchanges; n++) assert.is((await ask(n))[0], n);
    });
    // as shipped: a length write and a ciphertext write per frame, and a window-update frame after each message
    // (eight writes per exchange)
    assert.ok(writes <= 2 * exchanges + 2, `${writes} socket writes for ${exchanges} exchanges`);
    assert.ok(writes >= 2 * exchanges, `${writes} socket writes for ${exchanges} exchanges`);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('a stream carrying several times its receive window still gets window updates: nothing stalls', async () => {
  const [a, b] = await pair();
  try {
    let received = 0;
    await serveControl(b, async (_peer, request) => {
      received += request.length;
      return Uint8Array.of(1);
    });
    const big = new Uint8Array(60 * 1024).fill(7);
    // 30 requests of 60 KiB on one stream: 1.8 MiB, seven times yamux's initial 256 KiB window
    for (let k = 0; k < 30; k++) {
      const answer = await controlRequest(a, b.peerId, big, { timeoutMs: 5_000 });
      assert.equal([...answer], [1]);
    }
    assert.is(received, 30 * big.length);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test.run();
