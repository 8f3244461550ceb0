/**
 * The libp2p host of every node process (party node and coordinator): TCP, noise, yamux, identify, ping and
 * (on request) gossipsub, behind a connection gater that admits only known peers, inbound and outbound. On
 * request, a host also dials relayed (`/p2p-circuit`) addresses through a circuit relay and upgrades such
 * connections to direct ones where the network allows (DCUtR); the coordinator adds the relay server itself
 * (coordinator/p2p/relay.ts) through `services` and `gater`. Noise and yamux run with the two adjustments of
 * stream-tuning.ts (one write per frame, window updates at half the window).
 * Callers must have imported `src/runtime/polyfill.js` before this module loads libp2p (Node 20 lacks
 * `Promise.withResolvers`).
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { dcutr } from '@libp2p/dcutr';
import { type GossipSub, gossipsub } from '@libp2p/gossipsub';
import { type Identify, identify } from '@libp2p/identify';
import type { ConnectionGater, PeerId, PrivateKey } from '@libp2p/interface';
import { type Ping, ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { createLibp2p, type Libp2p } from 'libp2p';
import { CodedError } from '../../protocols/common/errors.js';
import { joinedNoise, tuneYamuxWindowUpdates } from './stream-tuning.js';

/** Services every host runs; `pubsub` only when created with `gossip: true`. */
export type HostServices = { identify: Identify; ping: Ping; pubsub?: GossipSub };

/** A started host (party node or coordinator). */
export type Host = Libp2p<HostServices>;

/** A multiaddr as libp2p hands them out (`host.getMultiaddrs()`), without importing the multiaddr package. */
export type HostMultiaddr = ReturnType<Libp2p['getMultiaddrs']>[number];

/**
 * Who may connect: a (live, mutable) set of peer id strings, or a function of the peer id string that answers
 * with a boolean or with the current set.
 */
export type AllowedPeers = ReadonlySet<string> | ((peerId: string) => boolean | ReadonlySet<string>);

/** Options of {@link createHost}. */
export interface HostInit {
  /** The node's identity. @default a fresh Ed25519 key */
  privateKey?: PrivateKey;
  /** Listen addresses. @default ['/ip4/127.0.0.1/tcp/0'] */
  listen?: string[];
  /** The peers this node talks to; every other peer is refused at dial and at connection upgrade. */
  allowedPeers: AllowedPeers;
  /** Run gossipsub (announcements and presence only, never secret material). @default false */
  gossip?: boolean;
  /**
   * Addresses advertised besides the listen addresses (a public address in front of a NAT's port forward, a
   * DNS name). @default none
   */
  announce?: string[];
  /**
   * Dial relayed (`/p2p-circuit`) addresses and upgrade relayed connections to direct ones where the network
   * allows (DCUtR). A host that also listens on `/p2p-circuit` reserves a slot on the relay it connects to and
   * advertises its relayed address. @default false
   */
  relayClient?: boolean;
  /** More services (the coordinator's relay server), by name. */
  services?: Record<string, (components: never) => unknown>;
  /** Rules added to the allow-list gater (the relay server's: who may reserve, who may be relayed). */
  gater?: Pick<ConnectionGater, 'denyInboundRelayReservation' | 'denyOutboundRelayedConnection'>;
  /**
   * Inbound connections accepted per second from one remote host. A coordinator raises it: every party of a
   * cluster may sit behind one address (loopback, a NAT), and parties reconnecting together after a coordinator
   * restart would otherwise be reset. @default libp2p's (5)
   */
  inboundConnectionsPerSecond?: number;
}

/** The default listen address: loopback, any free port. */
export const DEFAULT_LISTEN = ['/ip4/127.0.0.1/tcp/0'];

/** Returns a predicate over peer id strings for an {@link AllowedPeers} value. */
export function allowPredicate(allowed: AllowedPeers): (peerId: string) => boolean {
  if (typeof allowed !== 'function') return (id) => allowed.has(id);
  return (id) => {
    const r = allowed(id);
    return typeof r === 'boolean' ? r : r.has(id);
  };
}

/** A connection gater that denies every connection, inbound or outbound, to a peer that is not allowed. */
export function allowListGater(allowed: AllowedPeers): ConnectionGater {
  const ok = allowPredicate(allowed);
  const deny = (peer: PeerId) => !ok(peer.toString());
  return {
    denyDialPeer: deny,
    denyOutboundConnection: deny,
    denyInboundEncryptedConnection: deny,
    denyOutboundEncryptedConnection: deny,
    denyInboundUpgradedConnection: deny,
    denyOutboundUpgradedConnection: deny,
    // a relayed connection: both the relay and the peer behind it must be allowed
    denyInboundRelayedConnection: (relay: PeerId, remote: PeerId) => deny(relay) || deny(remote),
  };
}

/** A host that could not start: `LISTEN_FAILED` (a listen address is in use or not available here). */
export class HostError extends CodedError<'LISTEN_FAILED'> {
  override readonly name = 'HostError';
}

/**
 * Creates and starts a host. Stop it with `host.stop()`. Throws {@link HostError} `LISTEN_FAILED`, one line naming
 * the address and the fix, when an address cannot be listened on (an operator's error, not a bug).
 */
export async function createHost(init: HostInit): Promise<Host> {
  try {
    return await startHost(init);
  } catch (e) {
    if (!(e instanceof Error) || e.name !== 'UnsupportedListenAddressesError') throw e;
    // libp2p lists each failed address with its error (and that error's stack) after its own advice
    const failures = e.message
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('/'))
      .map((l) => l.replace(': Error: ', ': '))
      .join('; ');
    throw new HostError(
      'LISTEN_FAILED',
      `cannot listen on ${failures || (init.listen ?? DEFAULT_LISTEN).join(', ')}; choose a free address (--listen) or stop the process using it`,
      { cause: e },
    );
  }
}

async function startHost(init: HostInit): Promise<Host> {
  tuneYamuxWindowUpdates();
  const privateKey = init.privateKey ?? (await generateKeyPair('Ed25519'));
  const services = {
    identify: identify(),
    ping: ping(),
    ...(init.gossip ? { pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }) } : {}),
    ...(init.relayClient ? { dcutr: dcutr() } : {}),
    ...init.services,
  };
  return createLibp2p<HostServices>({
    privateKey,
    addresses: {
      listen: init.listen ?? DEFAULT_LISTEN,
      ...(init.announce && init.announce.length > 0 ? { appendAnnounce: init.announce } : {}),
    },
    transports: init.relayClient ? [tcp(), circuitRelayTransport()] : [tcp()],
    connectionEncrypters: [joinedNoise()],
    streamMuxers: [yamux()],
    connectionGater: { ...allowListGater(init.allowedPeers), ...init.gater },
    ...(init.inboundConnectionsPerSecond === undefined
      ? {}
      : { connectionManager: { inboundConnectionThreshold: init.inboundConnectionsPerSecond } }),
    // biome-ignore lint/suspicious/noExplicitAny: ServiceFactoryMap cannot express an optional service
    services: services as any,
    start: true,
  });
}
