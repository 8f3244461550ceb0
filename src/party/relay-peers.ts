/**
 * Reaching an external party. An external party usually sits behind a NAT: nobody can dial it, and it cannot
 * dial the cluster's parties either; it holds a slot on the coordinator's circuit relay and advertises its
 * relayed address. So before a session, whoever is not external dials an external peer (through the relay, or
 * directly where its advertised addresses allow), and an external party waits for its non-external peers to
 * connect to it. The session's streams then run over those connections (relayed connections included, noise
 * end to end: the relay sees only ciphertext), whichever side opens them. Two external parties reach each other
 * through the relay by the session runner's usual rule (the lower index dials).
 *
 * A relayed connection carries a limited amount of data for a limited time (src/runtime/relay-limits.ts); one
 * that might not last through the session is replaced first, by the same side that dials. Records without
 * roles, or without external parties, need none of this.
 */
import type { Connection, Libp2p, PeerId } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import type { SessionParty, SessionRecord } from '../../protocols/control/record.js';
import { RELAY_CONNECTION_MAX_AGE_MS, RELAY_SESSION_BUDGET_BYTES } from '../runtime/relay-limits.js';
import { bestConnection } from '../runtime/spare-streams.js';
import { SessionError } from '../session/errors.js';
import { peerIdOfBytes } from './peer-id.js';

/** Options of {@link reachSessionPeers}. */
export interface ReachOptions {
  /** How long to dial, or to wait for a peer to connect. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Current time (tests). @default Date.now */
  readonly now?: () => number;
}

/** Whether `c` can carry a whole session: direct, or relayed with enough data and time left. */
export function lastsASession(c: Connection, now = Date.now()): boolean {
  if (c.limits === undefined) return true;
  if (c.limits.bytes !== undefined && c.limits.bytes < BigInt(RELAY_SESSION_BUDGET_BYTES)) return false;
  return now - c.timeline.open < RELAY_CONNECTION_MAX_AGE_MS;
}

/**
 * Makes sure this node and every session peer it must reach across the relay are connected by a connection
 * that lasts the session: dials external peers (when this node is not external), or waits for non-external
 * peers to connect (when it is). Throws `NETWORK` naming the peer that could not be reached in time.
 */
export async function reachSessionPeers(
  host: Libp2p,
  record: SessionRecord,
  selfIndex: number,
  opts: ReachOptions,
): Promise<void> {
  const self = record.parties.find((p) => p.index === selfIndex);
  const external = self?.role === 'external';
  const work: Promise<void>[] = [];
  for (const p of record.parties) {
    if (p.index === selfIndex || (p.role === 'external') === external) continue;
    work.push(external ? awaitPeer(host, p, opts) : dialPeer(host, p, opts));
  }
  await Promise.all(work);
}

function usable(host: Libp2p, peer: PeerId, now: number): Connection | undefined {
  const c = bestConnection(host, peer);
  return c && lastsASession(c, now) ? c : undefined;
}

/** Dials an external peer unless a connection that lasts the session is open; retires a used-up relayed one. */
async function dialPeer(host: Libp2p, p: SessionParty, opts: ReachOptions): Promise<void> {
  const peer = peerIdOfBytes(p.peerId);
  const now = opts.now ?? Date.now;
  if (usable(host, peer, now())) return;
  const worn = host.getConnections(peer).filter((c) => c.status === 'open');
  if (p.addrs.length > 0) await host.peerStore.merge(peer, { multiaddrs: p.addrs.map((a) => multiaddr(a)) });
  const deadline = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]);
  // the peer admits us once it has accepted the same record, which may be a moment after we did: retry until then
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    try {
      // a worn relayed connection is still open: without force, libp2p would hand it back
      await host.dial(peer, { signal: deadline, force: worn.length > 0 });
      break;
    } catch (e) {
      if (opts.signal.aborted) throw new SessionError('ABORTED', 'the session was aborted', { cause: e });
      if (deadline.aborted) {
        throw new SessionError('NETWORK', `could not reach external party ${p.index} (through the relay or directly)`, {
          culprits: [p.index],
          cause: e,
        });
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  // sessions still running on a worn connection keep it until they end; an idle one goes now
  for (const c of worn) if (c.streams.length === 0) void c.close().catch(() => {});
}

/** Waits until a non-external peer has connected to this external party with a connection that lasts. */
async function awaitPeer(host: Libp2p, p: SessionParty, opts: ReachOptions): Promise<void> {
  const peer = peerIdOfBytes(p.peerId);
  const now = opts.now ?? Date.now;
  if (usable(host, peer, now())) return;
  const deadline = now() + opts.timeoutMs;
  await new Promise<void>((resolve, reject) => {
    const onOpen = () => {
      if (!usable(host, peer, now())) return;
      done();
      resolve();
    };
    const timer = setInterval(() => {
      if (opts.signal.aborted) {
        done();
        reject(new SessionError('ABORTED', 'the session was aborted'));
      } else if (now() >= deadline) {
        done();
        reject(
          new SessionError('NETWORK', `party ${p.index} did not connect to this external party in time`, {
            culprits: [p.index],
          }),
        );
      } else onOpen();
    }, 50);
    const done = () => {
      clearInterval(timer);
      host.removeEventListener('connection:open', onOpen);
    };
    host.addEventListener('connection:open', onOpen);
  });
}
