/**
 * `sign-relay`: `sign-net`'s 2-of-3 signing (sign-net.ts) with signer 2 an external party reachable only through
 * a circuit relay: a fourth host runs the coordinator's relay service with its limits (coordinator/p2p/relay.ts),
 * host 2 listens on nothing but `/p2p-circuit` (it holds a slot on the relay and has no direct address at all, as
 * behind a NAT), and host 1 dials its relayed address. Every signing runs over that relayed connection (noise and
 * yamux end to end, the relay forwarding ciphertext); `finish` checks that no direct connection appeared, measures
 * the relay path's round trip (32-byte echoes on the relayed connection) and sets the target from
 * `sign-net`'s median of the same invocation: at most 2 round trips of the relay path plus 5 ms more.
 */
import type { Connection } from '@libp2p/interface';
import { Uint8ArrayList } from 'uint8arraylist';
import { relaySetup } from '../coordinator/p2p/relay.js';
import { equalBytes } from '../protocols/common/bytes.js';
import { untilRelayed } from '../src/party/advertise.js';
import { createHost, type Host } from '../src/runtime/host.js';
import { type BenchCase, type CaseFinish, median, type Row } from './lib/index.js';
import { type SignCluster, signingCluster } from './sign-net.js';

/** The target's allowance over `sign-net`: this many round trips of the relay path, plus {@link SIGN_RELAY_MARGIN_MS}. */
export const SIGN_RELAY_RTTS = 2;
/** The target's fixed allowance over `sign-net`, in ms. */
export const SIGN_RELAY_MARGIN_MS = 5;
/** Pings of the round-trip measurement (the median is reported). */
const PINGS = 30;
/** An echo's message: 32 bytes, as libp2p's ping protocol sends. */
const PING_BYTES = 32;
/** The round-trip probe's protocol (this bench's own; nothing else speaks it). */
const ECHO_PROTOCOL = '/mpc-bench/echo/1.0.0';

/** A relayed cluster: the signing cluster, the relay path's round trip and a check of the connection used. */
export interface RelayCluster extends SignCluster {
  /** Median round trip of `PINGS` 32-byte echoes from host 1 to host 2 over the relayed connection, in ms. */
  rttMs(): Promise<number>;
  /** Throws unless every connection between hosts 1 and 2 is relayed (limited, through the relay). */
  checkRelayed(): void;
}

/** Starts the relay host and three hosts, host 2 behind the relay only; see the module comment. */
export async function signRelayCluster(): Promise<RelayCluster> {
  const allowed = new Set<string>();
  const relay = relaySetup((id) => allowed.has(id));
  const relayHost = await createHost({ allowedPeers: allowed, services: relay.services, gater: relay.gater });
  const started: Host[] = [relayHost];
  try {
    for (const listen of [undefined, ['/p2p-circuit'], undefined]) {
      started.push(await createHost({ allowedPeers: allowed, relayClient: true, ...(listen ? { listen } : {}) }));
    }
    for (const h of started) allowed.add(h.peerId.toString());
    const [, h1, h2] = started as [Host, Host, Host, Host];
    // the round-trip probe's responder: echoes what it gets, also on a relayed (limited) connection
    await h2.handle(ECHO_PROTOCOL, (stream) => stream.addEventListener('message', (evt) => stream.send(evt.data)), {
      runOnLimitedConnection: true,
    });
    // host 2 connects to the relay and takes a slot (it listens on /p2p-circuit): its only address is the relayed one
    await h2.dial(relayHost.getMultiaddrs()[0]!);
    if (!(await untilRelayed(h2, 10_000))) throw new Error('sign-relay: host 2 got no slot on the relay');
    const cluster = await signingCluster(started.slice(1), (h) =>
      h === h2 ? h.getMultiaddrs().filter((a) => a.toString().includes('/p2p-circuit')) : h.getMultiaddrs(),
    );
    const relayedConnection = () => {
      const conns = h1.getConnections(h2.peerId).filter((c) => c.status === 'open');
      const direct = conns.filter((c) => c.limits === undefined || !c.remoteAddr.toString().includes('/p2p-circuit'));
      if (conns.length === 0 || direct.length > 0) {
        throw new Error(
          `sign-relay: hosts 1 and 2 are not connected through the relay only: ${conns.map((c) => c.remoteAddr.toString()).join(', ') || 'no connection'}`,
        );
      }
      return conns[0] as Connection;
    };
    const checkRelayed = () => void relayedConnection();
    return {
      ...cluster,
      checkRelayed,
      rttMs: async () => {
        // on the relayed connection itself (libp2p's ping() would dial a new one, wanting an unlimited connection;
        // its responder ends a stream after 10 s and allows one at a time): one echo stream, each echo timed alone
        const stream = await relayedConnection().newStream(ECHO_PROTOCOL, { runOnLimitedConnection: true });
        const rtts: number[] = [];
        try {
          for (let k = 0; k < PINGS; k++) {
            const data = crypto.getRandomValues(new Uint8Array(PING_BYTES));
            const got = new Uint8ArrayList();
            const t0 = performance.now();
            await new Promise<void>((resolve, reject) => {
              const timer = setTimeout(() => reject(new Error('sign-relay: no echo within 10 s')), 10_000);
              const onMessage = (evt: { data: Uint8Array | Uint8ArrayList }) => {
                got.append(evt.data);
                if (got.byteLength < PING_BYTES) return;
                clearTimeout(timer);
                stream.removeEventListener('message', onMessage);
                resolve();
              };
              stream.addEventListener('message', onMessage);
              stream.send(data);
            });
            rtts.push(performance.now() - t0);
            if (!equalBytes(got.subarray(), data)) throw new Error('sign-relay: an echo came back altered');
          }
        } finally {
          await stream.close().catch(() => stream.abort(new Error('closing')));
        }
        return median(rtts.sort((a, b) => a - b));
      },
      stop: async () => {
        await cluster.stop();
        await relayHost.stop();
      },
    };
  } catch (e) {
    await Promise.all(started.map((h) => h.stop()));
    throw e;
  }
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The `sign-relay` case; after `sign-net`, whose median of the same invocation sets its target. */
export function signRelayCase(label: () => string): BenchCase {
  let net: RelayCluster | undefined;
  const need = () => {
    if (net === undefined) throw new Error('sign-relay: no cluster (setup did not finish)');
    return net;
  };
  return {
    op: 'sign-relay',
    n: 3,
    t: 2,
    runs: 30,
    warmup: 3,
    setup: async () => {
      net = await signRelayCluster();
    },
    run: async () => ({ bytes: await need().sign(label()) }),
    finish: async (m, earlier: readonly Row[]): Promise<CaseFinish> => {
      const c = need();
      c.checkRelayed();
      const rtt = await c.rttMs();
      const signNet = earlier.find((r) => r.op === 'sign-net')?.median_ms;
      const rule = `median ≤ sign-net median + ${SIGN_RELAY_RTTS} RTT + ${SIGN_RELAY_MARGIN_MS} ms`;
      if (signNet === undefined) {
        return { extra: { relayRtt_ms: round2(rtt), target: `${rule}: not checked, sign-net was not run` } };
      }
      const target_ms = signNet + SIGN_RELAY_RTTS * rtt + SIGN_RELAY_MARGIN_MS;
      const verdict = m.median_ms <= target_ms ? 'ok' : 'over';
      return {
        target_ms,
        extra: {
          relayRtt_ms: round2(rtt),
          signNetMedian_ms: round2(signNet),
          overSignNet_ms: round2(m.median_ms - signNet),
          target: `${rule}: ${round2(m.median_ms)} vs ${round2(signNet)} + ${SIGN_RELAY_RTTS}×${round2(rtt)} + ${SIGN_RELAY_MARGIN_MS} = ${round2(target_ms)} ms, ${verdict}`,
        },
      };
    },
    teardown: async () => {
      await net?.stop();
    },
  };
}
