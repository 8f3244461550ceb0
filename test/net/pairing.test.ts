import { generateKeyPair } from '@libp2p/crypto/keys';
import { lpStream } from '@libp2p/utils';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes } from '../../protocols/common/bytes.js';
import type { KeyShare } from '../../protocols/dkls23/key-share.js';
import { createKeygen } from '../../protocols/dkls23/keygen.js';
import { PairGuard } from '../../protocols/dkls23/pair-guard.js';
import type { PairState } from '../../protocols/dkls23/pair-state.js';
import { createSign } from '../../protocols/dkls23/sign.js';
import { createHost, type Host } from '../../src/runtime/host.js';
import { nodeSuite } from '../../src/runtime/suite.js';
import { BanList } from '../../src/session/bans.js';
import { encodeFrame, HELLO_ROUND } from '../../src/session/frames.js';
import { MemoryPairStore, PAIR_PROTOCOL, Pairing } from '../../src/session/pairing.js';
import { runSession, SessionError, SessionRegistry } from '../../src/session/runner.js';
import { pairsOf } from '../helpers/fixture.js';
import { keygen } from '../helpers/parties.js';

const enc = new TextEncoder();
const randomId = () => crypto.getRandomValues(new Uint8Array(32));

test('keygen over real streams, pair setup over /mpc/pair, then 2-of-3 signing by every pair', async () => {
  const allowed = new Set<string>();
  const hosts: Host[] = await Promise.all([1, 2, 3].map(() => createHost({ allowedPeers: allowed })));
  for (const h of hosts) allowed.add(h.peerId.toString());
  const bans = hosts.map(() => new BanList());
  const regs = await Promise.all(hosts.map((h, k) => SessionRegistry.install(h, { bans: bans[k] })));
  const pairings = await Promise.all(hosts.map((h, k) => Pairing.install(h, { bans: bans[k], timeoutMs: 20_000 })));
  const peersOf = (self: number, members: readonly number[]) =>
    new Map(
      members
        .filter((j) => j !== self)
        .map((j) => [j, { peerId: (hosts[j - 1] as Host).peerId, addrs: (hosts[j - 1] as Host).getMultiaddrs() }]),
    );
  try {
    // Keygen: node ids are the peers' id bytes.
    const nodeIds = hosts.map((h) => h.peerId.toMultihash().bytes);
    const ksid = randomId();
    const shares = await Promise.all(
      [1, 2, 3].map((i) =>
        runSession({
          host: hosts[i - 1] as Host,
          registry: regs[i - 1],
          sessionId: ksid,
          self: i,
          peers: peersOf(i, [1, 2, 3]),
          run: createKeygen({
            sessionId: ksid,
            keyId: enc.encode('net-pairing-key'),
            threshold: 2,
            nodeIds,
            self: i,
            suite: nodeSuite(),
          }),
          roundTimeoutMs: 3_000,
          totalTimeoutMs: 10_000,
        }),
      ),
    );
    const pk = (shares[0] as KeyShare).publicKey;
    for (const s of shares) assert.ok(s.publicKey.equals(pk), 'every party has the same public key');

    // Pair setup: every node asks for every pair at once (both ends of each pair race, and a node asks twice);
    // each pair runs one setup and both ends store the same pair.
    const t0 = performance.now();
    const asked = await Promise.all(
      [1, 2, 3].flatMap((i) => {
        const pairing = pairings[i - 1] as Pairing;
        const others = new Map([...peersOf(i, [1, 2, 3])].map(([j, p]) => [j, p.peerId]));
        return [pairing.pairsFor(others), pairing.pairsFor(others)];
      }),
    );
    console.log(`  pair setup of 3 pairs over /mpc/pair: ${(performance.now() - t0).toFixed(0)} ms`);
    const table = new Map<number, Map<number, PairState>>();
    for (const [k, m] of asked.entries()) {
      const i = (k >> 1) + 1;
      const prev = table.get(i);
      if (prev) for (const [j, s] of m) assert.is(s, prev.get(j), 'concurrent requests share one setup');
      table.set(i, m);
    }
    for (const a of [1, 2, 3]) {
      for (const b of [1, 2, 3]) {
        if (a >= b) continue;
        const sa = table.get(a)?.get(b) as PairState;
        const sb = table.get(b)?.get(a) as PairState;
        assert.ok(equalBytes(sa.psid, sb.psid), `pair ${a}-${b}: one setup`);
        assert.ok(equalBytes(sa.selfNodeId, sb.peerNodeId) && equalBytes(sa.peerNodeId, sb.selfNodeId));
      }
    }
    // Stored: asking again returns the stored state without a new setup.
    const again = await (pairings[0] as Pairing).ensure((hosts[1] as Host).peerId);
    assert.is(again, table.get(1)?.get(2));

    // Signing by every pair with the real shares and the pair states made over the network.
    const hash = sha256(enc.encode('net-pairing message'));
    for (const signers of [
      [1, 2],
      [1, 3],
      [2, 3],
    ]) {
      const sessionId = randomId();
      const sigs = await Promise.all(
        signers.map(async (i) => {
          const pairs = await (pairings[i - 1] as Pairing).pairsFor(
            new Map([...peersOf(i, signers)].map(([j, p]) => [j, p.peerId])),
          );
          return runSession({
            host: hosts[i - 1] as Host,
            registry: regs[i - 1],
            sessionId,
            self: i,
            peers: peersOf(i, signers),
            run: createSign(
              {
                sessionId,
                keyShare: shares[i - 1] as KeyShare,
                signers,
                pairs,
                suite: nodeSuite(),
                pairGuard: new PairGuard(),
              },
              hash,
            ),
            roundTimeoutMs: 3_000,
            totalTimeoutMs: 10_000,
          });
        }),
      );
      for (const sig of sigs) {
        assert.ok(
          secp256k1.verify(sig.compact, hash, pk.toBytes(true), { prehash: false, lowS: true, format: 'compact' }),
          `signers ${signers} verify`,
        );
      }
    }
  } finally {
    await Promise.all(pairings.map((p) => p.stop()));
    await Promise.all(regs.map((r) => r.stop()));
    await Promise.all(hosts.map((h) => h.stop()));
  }
});

test('pair setup with a peer that does not admit us fails within its deadline', async () => {
  const a = await createHost({ allowedPeers: () => true });
  const b = await createHost({ allowedPeers: () => false });
  const pa = await Pairing.install(a, { timeoutMs: 1_000 });
  const pb = await Pairing.install(b);
  try {
    const t0 = performance.now();
    let err: Error | undefined;
    await pa.ensure(b.peerId, { addrs: b.getMultiaddrs() }).catch((e) => {
      err = e;
    });
    // the session runner's deadline: a timeout naming the peer it waited for
    assert.ok(err instanceof SessionError, String(err));
    assert.is(err.code, 'TIMEOUT');
    assert.equal(err.culprits, [2]);
    assert.match(err.message, new RegExp(b.peerId.toString()));
    assert.ok(performance.now() - t0 < 2_000, 'within the deadline');
  } finally {
    await Promise.all([pa.stop(), pb.stop()]);
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('pairsFor dials each peer at the address given with it, and names a failed peer by its index in the caller session', async () => {
  // b restarted on another port: a has only its old address in its peer store, and b knows nothing of a
  const allowed = new Set<string>();
  const a = await createHost({ allowedPeers: allowed });
  const old = await createHost({ allowedPeers: allowed });
  const b = await createHost({ allowedPeers: allowed, privateKey: await generateKeyPair('Ed25519') });
  for (const h of [a, b]) allowed.add(h.peerId.toString());
  await a.peerStore.merge(b.peerId, { multiaddrs: old.getMultiaddrs() }); // a listener that is not b
  const [pa, pb] = await Promise.all([a, b].map((h) => Pairing.install(h, { timeoutMs: 2_000 })));
  try {
    // both ask at once, as the two signers of a session do; a is given b's current address, b a's
    const t0 = performance.now();
    const [sa, sb] = await Promise.all([
      (pa as Pairing).pairsFor(new Map([[7, { peerId: b.peerId, addrs: b.getMultiaddrs() }]])),
      (pb as Pairing).pairsFor(new Map([[3, { peerId: a.peerId, addrs: a.getMultiaddrs() }]])),
    ]);
    assert.ok(equalBytes((sa.get(7) as PairState).psid, (sb.get(3) as PairState).psid), 'one setup, both ends');
    console.log(`  pair setup at the given addresses: ${(performance.now() - t0).toFixed(0)} ms`);
    // a peer that cannot be reached: the failure names it by the caller's index (5), not the pair session's (2)
    const gone = await createHost({ allowedPeers: () => true });
    const goneId = gone.peerId;
    const goneAddrs = gone.getMultiaddrs();
    allowed.add(goneId.toString());
    await gone.stop();
    const err = await (pa as Pairing).pairsFor(new Map([[5, { peerId: goneId, addrs: goneAddrs }]])).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof SessionError, String(err));
    assert.is(err.code, 'TIMEOUT');
    assert.equal(err.culprits, [5]);
    assert.match(err.message, /^TIMEOUT: pair setup with party 5: /);
  } finally {
    await Promise.all([pa?.stop(), pb?.stop()]);
    await Promise.all([a.stop(), b.stop(), old.stop()]);
  }
});

/** Two hosts: `a` knows where `b` is; `b` runs pairing with its own ban list. */
async function askerAndResponder(): Promise<{ a: Host; b: Host; bans: BanList; pb: Pairing }> {
  const allowed = new Set<string>();
  const [a, b] = await Promise.all([createHost({ allowedPeers: allowed }), createHost({ allowedPeers: allowed })]);
  for (const h of [a, b]) allowed.add(h.peerId.toString());
  await a.peerStore.merge(b.peerId, { multiaddrs: b.getMultiaddrs() });
  const bans = new BanList();
  const pb = await Pairing.install(b, { bans, timeoutMs: 5_000 });
  return { a, b, bans, pb };
}

test('a pair-setup request is answered only when it comes from index 1 of its session and from a peer not banned', async () => {
  const { a, b, bans, pb } = await askerAndResponder();
  /** Sends a hello on /mpc/pair from `a` and resolves with whether `b` kept the stream open for a while. */
  const hello = async (from: number): Promise<boolean> => {
    const stream = await a.dialProtocol(b.peerId, PAIR_PROTOCOL);
    const lp = lpStream(stream);
    try {
      await lp.write(encodeFrame({ sessionId: randomId(), round: HELLO_ROUND, from, payload: new Uint8Array(0) }));
      // an answered request gets the responder's round-1 message
      await lp.read({ signal: AbortSignal.timeout(1_500) });
      stream.abort(new Error('done'));
      return true;
    } catch {
      const open = stream.status === 'open';
      stream.abort(new Error('done'));
      return open;
    }
  };
  try {
    assert.not.ok(await hello(2), 'a hello from index 2 is not a request: reset');
    assert.ok(await hello(1), 'a request from index 1 is answered');
    bans.add(a.peerId.toString(), 'test');
    assert.not.ok(await hello(1), 'a banned peer is refused');
    assert.is(await pb.store.get(a.peerId.toString()), undefined, 'no state from a refused request');
  } finally {
    await pb.stop();
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('a session waiting on a pair setup the peer started, which fails a check, gets the ban (BANNED), not a failed check of its own', async () => {
  const { a, b, bans, pb } = await askerAndResponder();
  try {
    // a asks b for a pair setup; b answers with its first message, so the setup is under way on b
    const stream = await a.dialProtocol(b.peerId, PAIR_PROTOCOL);
    const lp = lpStream(stream);
    const sessionId = randomId();
    await lp.write(encodeFrame({ sessionId, round: HELLO_ROUND, from: 1, payload: new Uint8Array(0) }));
    await lp.read({ signal: AbortSignal.timeout(3_000) });
    // a session of b's needs the pair with a (as its party 3) meanwhile: it waits for that setup
    const waiting = pb.pairsFor(new Map([[3, a.peerId]])).then(
      () => undefined,
      (e: unknown) => e,
    );
    // a's next message is junk: the setup fails its check and b bans a
    await lp.write(encodeFrame({ sessionId, round: 1, from: 1, payload: crypto.getRandomValues(new Uint8Array(200)) }));
    const err = await waiting;
    assert.ok(err instanceof SessionError, String(err));
    assert.is((err as SessionError).code, 'BANNED', String(err));
    assert.equal((err as SessionError).culprits, [3]);
    assert.ok(bans.has(a.peerId.toString()), 'the failed check banned a');
    stream.abort(new Error('done'));
  } finally {
    await pb.stop();
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('a pair state past its maximum age is replaced by a fresh setup on both ends; an undated one counts as past', async () => {
  const allowed = new Set<string>();
  const [a, b] = await Promise.all([createHost({ allowedPeers: allowed }), createHost({ allowedPeers: allowed })]);
  for (const h of [a, b]) allowed.add(h.peerId.toString());
  await a.peerStore.merge(b.peerId, { multiaddrs: b.getMultiaddrs() });
  let now = 1_000_000;
  const day = 24 * 60 * 60 * 1000;
  const [storeA, storeB] = [new MemoryPairStore(), new MemoryPairStore()];
  let burnt = false;
  const pa = await Pairing.install(a, {
    store: storeA,
    maxAgeMs: 90 * day,
    now: () => now,
    timeoutMs: 20_000,
    acceptSetup: () => !burnt,
  });
  const pb = await Pairing.install(b, { store: storeB, maxAgeMs: 90 * day, now: () => now, timeoutMs: 20_000 });
  try {
    const first = await pa.ensure(b.peerId);
    assert.is(first.createdAt, now, 'dated when made');
    assert.is(await pa.ensure(b.peerId), first, 'young enough: the stored state');
    now += 90 * day - 1;
    assert.is(await pa.ensure(b.peerId), first, 'a millisecond short of the limit: still used');
    now += 1;
    const second = await pa.ensure(b.peerId);
    assert.not.ok(equalBytes(second.psid, first.psid), 'past the limit: a fresh pair setup');
    const deadline = Date.now() + 5_000;
    const atB = () => storeB.get(a.peerId.toString()) as PairState;
    while (!equalBytes(atB().psid, second.psid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(equalBytes(atB().psid, second.psid), 'the peer stored the fresh state too');
    // a state stored before states were dated counts as past any age
    const { createdAt: _, ...undated } = second;
    storeA.put(b.peerId.toString(), undated);
    const third = await pa.ensure(b.peerId);
    assert.not.ok(equalBytes(third.psid, second.psid));
    // a burnt pair is never replaced by a setup of this node's own: the aged state goes back (the guard refuses it)
    burnt = true;
    now += 91 * day;
    assert.is(await pa.ensure(b.peerId), third, 'no setup without the operator');
    const forced = await pa.ensure(b.peerId, { force: true });
    assert.not.ok(equalBytes(forced.psid, third.psid), "the operator's forced setup runs");
  } finally {
    await Promise.all([pa.stop(), pb.stop()]);
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('renewPairs after a reshare: both sides ask at once, one setup runs, both hold the same fresh state', async () => {
  const allowed = new Set<string>();
  const [a, b] = await Promise.all([createHost({ allowedPeers: allowed }), createHost({ allowedPeers: allowed })]);
  for (const h of [a, b]) allowed.add(h.peerId.toString());
  const [storeA, storeB] = [new MemoryPairStore(), new MemoryPairStore()];
  const pa = await Pairing.install(a, { store: storeA, timeoutMs: 20_000 });
  const pb = await Pairing.install(b, { store: storeB, timeoutMs: 20_000 });
  const peer = (h: Host) => new Map([[1, { peerId: h.peerId, addrs: h.getMultiaddrs() }]]);
  try {
    const old = await pa.ensure(b.peerId, { addrs: b.getMultiaddrs() });
    // the reshare begins once both ends hold the old state (b stores it a moment after a)
    const deadline = Date.now() + 5_000;
    while (!(await storeB.get(a.peerId.toString())) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 5));
    const since = Date.now();
    const [atA, atB] = await Promise.all([pa.renewPairs(peer(b), since), pb.renewPairs(peer(a), since)]);
    const [sa, sb] = [atA.get(1) as PairState, atB.get(1) as PairState];
    assert.ok(equalBytes(sa.psid, sb.psid), 'one setup: the same state on both ends');
    assert.not.ok(equalBytes(sa.psid, old.psid), 'a fresh state, not the one made before the reshare');
    assert.ok((sa.createdAt ?? 0) > since && (sb.createdAt ?? 0) > since);
    // asked again with the same start, nothing runs: the renewed state is young enough
    const again = await pa.renewPairs(peer(b), since);
    assert.ok(equalBytes((again.get(1) as PairState).psid, sa.psid));
  } finally {
    await Promise.all([pa.stop(), pb.stop()]);
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('signers holding different pair states stop in the hello (STATE_MISMATCH) before any OT check; nothing is burnt', async () => {
  const allowed = new Set<string>();
  const hosts = await Promise.all([1, 2].map(() => createHost({ allowedPeers: allowed })));
  for (const h of hosts) allowed.add(h.peerId.toString());
  const regs = await Promise.all(hosts.map((h) => SessionRegistry.install(h)));
  const shares = keygen(3, 2, 'net-mismatch').results;
  const guards = [new PairGuard(), new PairGuard()];
  const sign = (tokens: (i: number) => Uint8Array) => {
    const sessionId = randomId();
    const hash = sha256(enc.encode('mismatch'));
    return Promise.allSettled(
      [1, 2].map((i) => {
        const other = 3 - i;
        const pairs = pairsOf(i, [1, 2]);
        return runSession({
          host: hosts[i - 1] as Host,
          registry: regs[i - 1],
          sessionId,
          self: i,
          peers: new Map([
            [other, { peerId: (hosts[other - 1] as Host).peerId, addrs: (hosts[other - 1] as Host).getMultiaddrs() }],
          ]),
          run: createSign(
            {
              sessionId,
              keyShare: shares.get(i) as KeyShare,
              signers: [1, 2],
              pairs,
              suite: nodeSuite(),
              pairGuard: guards[i - 1]!,
            },
            hash,
          ),
          roundTimeoutMs: 3_000,
          totalTimeoutMs: 10_000,
          helloTokens: new Map([[other, tokens(i)]]),
        });
      }),
    );
  };
  try {
    const psid = (pairsOf(1, [1, 2]).get(2) as PairState).psid;
    const same = await sign(() => psid);
    assert.ok(
      same.every((r) => r.status === 'fulfilled'),
      'the same pair state: the signing runs',
    );
    // party 1 re-paired (a new psid) while party 2 still holds the old state
    const [r1, r2] = await sign((i) => (i === 1 ? randomId() : psid));
    assert.is(r2?.status, 'rejected');
    const e2 = (r2 as PromiseRejectedResult).reason as SessionError;
    assert.is(e2.code, 'STATE_MISMATCH');
    assert.equal(e2.culprits, [1]);
    assert.is(r1?.status, 'rejected', 'the dialer fails too (its stream was reset)');
    for (const [k, g] of guards.entries()) {
      const state = pairsOf(k + 1, [1, 2]).get(2 - k) as PairState;
      assert.not.ok(g.isBurnt(state), `party ${k + 1} burnt nothing`);
    }
  } finally {
    await Promise.all(regs.map((r) => r.stop()));
    await Promise.all(hosts.map((h) => h.stop()));
  }
});

test.run();
