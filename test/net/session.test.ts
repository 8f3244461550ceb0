import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProtocolError } from '../../protocols/common/errors.js';
import type { ProtocolRun } from '../../protocols/common/run.js';
import type { KeyShare } from '../../protocols/dkls23/key-share.js';
import { createKeygen } from '../../protocols/dkls23/keygen.js';
import { PairGuard } from '../../protocols/dkls23/pair-guard.js';
import { createSign, type Signature } from '../../protocols/dkls23/sign.js';
import { createHost, type Host } from '../../src/runtime/host.js';
import { nodeSuite } from '../../src/runtime/suite.js';
import { encodeFrame } from '../../src/session/frames.js';
import {
  type RunSessionOptions,
  runSession,
  type SessionError,
  type SessionPeerInfo,
  SessionRegistry,
  TSS_PROTOCOL,
} from '../../src/session/runner.js';
import { pairsOf } from '../helpers/fixture.js';
import { keygen, nodeIds } from '../helpers/parties.js';

const ROUND_MS = 3_000;
const TOTAL_MS = 10_000;

interface Cluster {
  hosts: Host[];
  regs: SessionRegistry[];
  /** Session peers of node `self` among `members` (session index = node number). */
  peersOf(self: number, members: readonly number[]): Map<number, SessionPeerInfo>;
  stop(): Promise<void>;
}

async function cluster(
  n: number,
  init: { maxSessions?: number; earlyStreamMs?: number; helloTimeoutMs?: number } = {},
): Promise<Cluster> {
  const allowed = new Set<string>();
  const hosts = await Promise.all(Array.from({ length: n }, () => createHost({ allowedPeers: allowed })));
  for (const h of hosts) allowed.add(h.peerId.toString());
  const regs = await Promise.all(hosts.map((h) => SessionRegistry.install(h, init)));
  return {
    hosts,
    regs,
    peersOf(self, members) {
      const m = new Map<number, SessionPeerInfo>();
      for (const j of members) {
        const h = hosts[j - 1] as Host;
        if (j !== self) m.set(j, { peerId: h.peerId, addrs: h.getMultiaddrs() });
      }
      return m;
    },
    async stop() {
      await Promise.all(regs.map((r) => r.stop()));
      await Promise.all(hosts.map((h) => h.stop()));
    },
  };
}

const randomId = () => crypto.getRandomValues(new Uint8Array(32));

/** Runs one session on each member node; returns each node's outcome. */
async function runAll<R>(
  c: Cluster,
  members: readonly number[],
  makeRun: (i: number) => ProtocolRun<R>,
  opts: Partial<RunSessionOptions<R>> & { perNode?: (i: number) => Partial<RunSessionOptions<R>> } = {},
): Promise<Map<number, PromiseSettledResult<R>>> {
  const sessionId = opts.sessionId ?? randomId();
  const settled = await Promise.allSettled(
    members.map((i) =>
      runSession<R>({
        host: c.hosts[i - 1] as Host,
        registry: c.regs[i - 1] as SessionRegistry,
        sessionId,
        self: i,
        peers: c.peersOf(i, members),
        run: makeRun(i),
        roundTimeoutMs: ROUND_MS,
        totalTimeoutMs: TOTAL_MS,
        ...opts,
        ...opts.perNode?.(i),
      }),
    ),
  );
  return new Map(members.map((i, k) => [i, settled[k] as PromiseSettledResult<R>]));
}

function value<R>(r: PromiseSettledResult<R> | undefined): R {
  if (r?.status !== 'fulfilled') throw (r as PromiseRejectedResult | undefined)?.reason ?? new Error('missing');
  return r.value;
}

function error(r: PromiseSettledResult<unknown> | undefined): SessionError {
  assert.is(r?.status, 'rejected', 'the session failed');
  const e = (r as PromiseRejectedResult).reason;
  assert.is(e?.name, 'SessionError', `a SessionError, got ${e}`);
  return e as SessionError;
}

function keygenRun(i: number, sessionId: Uint8Array, n = 3, t = 2): ProtocolRun<KeyShare> {
  return createKeygen({
    sessionId,
    keyId: new TextEncoder().encode('net-key'),
    threshold: t,
    nodeIds: nodeIds(n),
    self: i,
    suite: nodeSuite(),
  });
}

function verify(sig: Signature, hash: Uint8Array, pk: KeyShare['publicKey']): boolean {
  return secp256k1.verify(sig.compact, hash, pk.toBytes(true), { prehash: false, lowS: true, format: 'compact' });
}

const shares = keygen(3, 2, 'net-session').results;

test('2-of-3 signing by every pair over real streams (fixture pair states); prints the median', async () => {
  const c = await cluster(3);
  try {
    const hash = sha256(new TextEncoder().encode('net-session message'));
    const pk = (shares.get(1) as KeyShare).publicKey;
    const times: number[] = [];
    for (const signers of [
      [1, 2],
      [1, 3],
      [2, 3],
      [1, 2],
      [1, 3],
      [2, 3],
      [1, 2],
    ]) {
      const sessionId = randomId();
      const t0 = performance.now();
      const out = await runAll(
        c,
        signers,
        (i) =>
          createSign(
            {
              sessionId,
              keyShare: shares.get(i) as KeyShare,
              signers,
              pairs: pairsOf(i, signers),
              suite: nodeSuite(),
              pairGuard: new PairGuard(),
            },
            hash,
          ),
        { sessionId },
      );
      times.push(performance.now() - t0);
      for (const i of signers) assert.ok(verify(value(out.get(i)), hash, pk), `signer ${i} of ${signers} verifies`);
    }
    times.sort((a, b) => a - b);
    console.log(`  2-of-3 signing over loopback: median ${times[times.length >> 1]?.toFixed(1)} ms of ${times.length}`);
    for (const r of c.regs) assert.is(r.active, 0, 'no session left registered');
  } finally {
    await c.stop();
  }
});

test('sessions start in either order: an early stream waits for its session', async () => {
  const c = await cluster(3);
  try {
    const sessionId = randomId();
    const out = await runAll(c, [1, 2, 3], (i) => keygenRun(i, sessionId), {
      sessionId,
      // Node 3 (dialed by 1 and 2) starts last, node 1 (who dials everyone) first.
    });
    for (const i of [1, 2, 3]) assert.is(value(out.get(i)).index, i);
    // Staggered start: the acceptor joins 400 ms after the dialer.
    const sid2 = randomId();
    const first = runSession({
      host: c.hosts[0] as Host,
      sessionId: sid2,
      self: 1,
      peers: c.peersOf(1, [1, 2]),
      run: keygenRun(1, sid2, 2, 2),
      roundTimeoutMs: ROUND_MS,
      totalTimeoutMs: TOTAL_MS,
    });
    await new Promise((r) => setTimeout(r, 400));
    const second = runSession({
      host: c.hosts[1] as Host,
      sessionId: sid2,
      self: 2,
      peers: c.peersOf(2, [1, 2]),
      run: keygenRun(2, sid2, 2, 2),
      roundTimeoutMs: ROUND_MS,
      totalTimeoutMs: TOTAL_MS,
    });
    const [a, b] = await Promise.all([first, second]);
    assert.ok(a.publicKey.equals(b.publicKey));
  } finally {
    await c.stop();
  }
});

test('back-to-back sessions start on a spare stream; a spare past the peer hello deadline is never used', async () => {
  // a 2.3 s hello deadline leaves a spare usable for 0.3 s (2 s margin)
  const c = await cluster(2, { helloTimeoutMs: 2_300 });
  const reg = c.regs[0] as SessionRegistry;
  const peer = (c.hosts[1] as Host).peerId;
  const keygenBoth = async () => {
    const sessionId = randomId();
    const out = await runAll(c, [1, 2], (i) => keygenRun(i, sessionId, 2, 2), { sessionId });
    assert.ok(value(out.get(1)).publicKey.equals(value(out.get(2)).publicKey));
  };
  try {
    await keygenBoth();
    await new Promise((r) => setTimeout(r, 400));
    assert.is(await reg.takeSpare(peer), undefined, 'a spare older than its window is discarded');
    await keygenBoth(); // dials afresh, then leaves a new spare
    const spare = await reg.takeSpare(peer);
    assert.ok(spare, 'the dialing side keeps a spare for the next session');
    assert.is(spare.status, 'open');
    spare.abort(new Error('test'));
    await keygenBoth(); // no spare: dials
    await keygenBoth(); // on the spare left by the previous session
    await new Promise((r) => setTimeout(r, 2_600)); // the peer has dropped the spare by now
    await keygenBoth();
  } finally {
    await c.stop();
  }
});

test('a tampered message fails the session naming the sender, and bans it', async () => {
  const c = await cluster(3);
  try {
    const sessionId = randomId();
    const out = await runAll(c, [1, 2, 3], (i) => keygenRun(i, sessionId), {
      sessionId,
      perNode: (i) =>
        i === 1
          ? {
              tamperOutbound: (f) =>
                f.to === 2 && f.round === 2
                  ? { ...f, payload: f.payload.subarray(0, f.payload.length - 1) }
                  : undefined,
            }
          : {},
    });
    const e = error(out.get(2));
    assert.is(e.code, 'PROTOCOL');
    assert.equal(e.culprits, [1]);
    assert.is(e.round, 2);
    assert.ok(e.cause instanceof ProtocolError && e.cause.code === 'BAD_MESSAGE');
    assert.ok(e.attributable);
    error(out.get(1));
    error(out.get(3));
    const peer1 = (c.hosts[0] as Host).peerId.toString();
    assert.ok(c.regs[1]?.bans.has(peer1), 'node 2 banned node 1');
    // No automatic retry with the same peer: a new session with node 1 is refused on node 2.
    const sid = randomId();
    const again = await runAll(c, [1, 2], (i) => keygenRun(i, sid, 2, 2), { sessionId: sid, roundTimeoutMs: 500 });
    const r = error(again.get(2));
    assert.is(r.code, 'BANNED');
    assert.equal(r.culprits, [1]);
    assert.match(r.message, /banned/);
  } finally {
    await c.stop();
  }
});

test('frames claiming another sender are rejected, naming the authenticated peer', async () => {
  const c = await cluster(3);
  try {
    const sessionId = randomId();
    const out = await runAll(c, [1, 2, 3], (i) => keygenRun(i, sessionId), {
      sessionId,
      perNode: (i) =>
        i === 1 ? { tamperOutbound: (f) => (f.to === 2 && f.round === 1 ? { ...f, from: 3 } : undefined) } : {},
    });
    const e = error(out.get(2));
    assert.is(e.code, 'PROTOCOL');
    assert.equal(e.culprits, [1]);
    assert.match(e.message, /claims to be from party 3/);
    const peer1 = (c.hosts[0] as Host).peerId.toString();
    assert.ok(c.regs[1]?.bans.lift(peer1), 'node 2 banned node 1');
    // A hello claiming another index fails the acceptor's session the same way.
    const sid = randomId();
    const hello = await runAll(c, [1, 2, 3], (i) => keygenRun(i, sid), {
      sessionId: sid,
      perNode: (i) =>
        i === 2 ? { tamperOutbound: (f) => (f.to === 3 && f.round === 0 ? { ...f, from: 1 } : undefined) } : {},
    });
    const h = error(hello.get(3));
    assert.equal(h.culprits, [2]);
    assert.match(h.message, /hello claims to be from party 1/);
  } finally {
    await c.stop();
  }
});

test('a frame of another session on a session stream fails naming the peer', async () => {
  const c = await cluster(2);
  try {
    const sessionId = randomId();
    const other = randomId();
    const out = await runAll(c, [1, 2], (i) => keygenRun(i, sessionId, 2, 2), {
      sessionId,
      perNode: (i) =>
        i === 1 ? { tamperOutbound: (f) => (f.round === 1 ? { ...f, sessionId: other } : undefined) } : {},
    });
    const e = error(out.get(2));
    assert.equal(e.culprits, [1]);
    assert.match(e.message, /another session/);
  } finally {
    await c.stop();
  }
});

test('a party that stops responding: the others time out naming it and the round', async () => {
  const c = await cluster(3);
  try {
    const sessionId = randomId();
    const t0 = performance.now();
    const out = await runAll(c, [1, 2, 3], (i) => keygenRun(i, sessionId), {
      sessionId,
      roundTimeoutMs: 600,
      perNode: (i) => (i === 3 ? { tamperOutbound: (f) => (f.round >= 2 ? 'drop' : undefined) } : {}),
    });
    // The first to time out closes its streams, and the silent party's runner then ends too; whoever sees that
    // first reports the end of party 3's stream instead: the same culprit, the same round.
    const errs = [1, 2].map((i) => error(out.get(i)));
    for (const e of errs) {
      assert.ok(e.code === 'TIMEOUT' || e.code === 'NETWORK', e.message);
      assert.is(e.round, 2);
      assert.equal(e.culprits, [3]);
    }
    const timedOut = errs.find((e) => e.code === 'TIMEOUT');
    assert.match(timedOut?.message ?? '', /no progress for 600 ms in round 2; still awaiting party 3/);
    error(out.get(3));
    assert.ok(performance.now() - t0 < 3_000, 'fails within the round deadline');
    // A party that never joins: awaited from round 1.
    const sid = randomId();
    const never = await runAll(c, [1, 2], (i) => keygenRun(i, sid), { sessionId: sid, roundTimeoutMs: 600 });
    for (const i of [1, 2]) {
      const e = error(never.get(i));
      assert.is(e.code, 'TIMEOUT');
      assert.is(e.round, 1);
      assert.ok(e.culprits.includes(3));
    }
    // The overall deadline applies even while rounds progress.
    const sid3 = randomId();
    const total = await runAll(c, [1, 2], (i) => keygenRun(i, sid3), { sessionId: sid3, totalTimeoutMs: 300 });
    assert.match(error(total.get(1)).message, /session deadline of 300 ms/);
  } finally {
    await c.stop();
  }
});

test('session limit: excess sessions are refused with a clear error; abort ends a session', async () => {
  const c = await cluster(2, { maxSessions: 1 });
  try {
    const ctl = new AbortController();
    const sid = randomId();
    const waiting = runSession({
      host: c.hosts[0] as Host,
      sessionId: sid,
      self: 1,
      peers: c.peersOf(1, [1, 2]),
      run: keygenRun(1, sid, 2, 2),
      roundTimeoutMs: ROUND_MS,
      totalTimeoutMs: TOTAL_MS,
      signal: ctl.signal,
    });
    const sid2 = randomId();
    let refused: SessionError | undefined;
    try {
      await runSession({
        host: c.hosts[0] as Host,
        sessionId: sid2,
        self: 1,
        peers: c.peersOf(1, [1, 2]),
        run: keygenRun(1, sid2, 2, 2),
        roundTimeoutMs: ROUND_MS,
        totalTimeoutMs: TOTAL_MS,
      });
    } catch (e) {
      refused = e as SessionError;
    }
    assert.is(refused?.code, 'REFUSED');
    assert.match(refused?.message ?? '', /session limit reached: 1 of 1/);
    let dup: SessionError | undefined;
    await runSession({
      host: c.hosts[0] as Host,
      sessionId: sid,
      self: 1,
      peers: c.peersOf(1, [1, 2]),
      run: keygenRun(1, sid, 2, 2),
      roundTimeoutMs: ROUND_MS,
      totalTimeoutMs: TOTAL_MS,
    }).catch((e) => {
      dup = e;
    });
    assert.is(dup?.code, 'REFUSED');
    ctl.abort();
    let aborted: SessionError | undefined;
    await waiting.catch((e) => {
      aborted = e;
    });
    assert.is(aborted?.code, 'ABORTED');
    assert.is(c.regs[0]?.active, 0);
  } finally {
    await c.stop();
  }
});

test('many sessions at once on one node', async () => {
  const c = await cluster(3);
  try {
    const runs = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const sessionId = randomId();
        return runAll(c, [1, 2, 3], (i) => keygenRun(i, sessionId), { sessionId });
      }),
    );
    for (const out of runs) {
      const pk = value(out.get(1)).publicKey;
      for (const i of [2, 3]) assert.ok(value(out.get(i)).publicKey.equals(pk));
    }
  } finally {
    await c.stop();
  }
});

test('streams from peers outside the session are reset; the session goes on', async () => {
  const c = await cluster(3);
  try {
    const sessionId = randomId();
    const members = [1, 2];
    const pending = runAll(c, members, (i) => keygenRun(i, sessionId, 2, 2), { sessionId });
    // Node 3 (allowed on the network, not in this session) pretends to be party 1 of the session.
    const stream = await (c.hosts[2] as Host).dialProtocol((c.hosts[1] as Host).getMultiaddrs(), TSS_PROTOCOL);
    const closed = new Promise<string>((resolve) => stream.addEventListener('close', () => resolve(stream.status)));
    stream.send(Uint8Array.of(36, ...encodeFrame({ sessionId, round: 0, from: 1, payload: new Uint8Array(0) })));
    assert.is(await closed, 'reset');
    const out = await pending;
    assert.ok(value(out.get(1)).publicKey.equals(value(out.get(2)).publicKey));
  } finally {
    await c.stop();
  }
});

test('a stranger host cannot open a session stream', async () => {
  const c = await cluster(2);
  const stranger = await createHost({ allowedPeers: () => true });
  try {
    let refused = false;
    await stranger
      .dialProtocol((c.hosts[0] as Host).getMultiaddrs(), TSS_PROTOCOL, { signal: AbortSignal.timeout(3000) })
      .then((s) => s.send(Uint8Array.of(1)))
      .catch(() => {
        refused = true;
      });
    assert.ok(refused);
  } finally {
    await stranger.stop();
    await c.stop();
  }
});

test.run();
