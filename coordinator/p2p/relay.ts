/**
 * The coordinator's circuit relay (libp2p circuit relay v2, as a server): how a party that cannot be dialled
 * (an external party behind NAT) is reached. The party holds a slot (a reservation) and advertises its relayed
 * address `/…coordinator…/p2p/<coordinator>/p2p-circuit/p2p/<party>`; a peer that dials it opens a relayed
 * connection through the coordinator, over which the two run noise and yamux end to end: the relay forwards
 * ciphertext it cannot read.
 *
 * Limits: only admitted peers may hold a slot, and a relayed connection is made only between two admitted peers
 * (a guest connected to redeem a join token gets neither). A guest's request for a slot is held until the guest
 * is admitted or leaves, and granted only in the first case: a party's libp2p asks for its slot as soon as it
 * connects, before its join token has been redeemed, and does not ask again on that connection, so a refusal
 * then would leave a newly joined party without a slot (guest-admissions.ts). Slots are capped in number and
 * expire (the party renews them); each relayed connection may carry {@link RELAY_CONNECTION_DATA_BYTES} for
 * {@link RELAY_CONNECTION_DURATION_MS}, after which the relay resets it (parties replace a connection before it
 * runs short, src/party/relay-peers.ts); and each party may have at most `connectionsPerPeer` relayed
 * connections at once as a source and as many as a destination (so at most that many times the data limit in
 * flight per party).
 */
import { type CircuitRelayService, circuitRelayServer } from '@libp2p/circuit-relay-v2';
import type { ConnectionGater, PeerId } from '@libp2p/interface';
import { RELAY_CONNECTION_DATA_BYTES, RELAY_CONNECTION_DURATION_MS } from '../../src/runtime/relay-limits.js';

/** The relay's limits. */
export interface RelayLimits {
  /** Slots held at once, over all parties (one per party). */
  readonly maxReservations: number;
  /** How long a slot lasts; the party renews it before it ends. */
  readonly reservationTtlMs: number;
  /** Bytes one relayed connection may carry, both directions together. */
  readonly connectionDataBytes: number;
  /** How long one relayed connection may stay open. */
  readonly connectionDurationMs: number;
  /** Relayed connections at once per party as a source, and as many as a destination. */
  readonly connectionsPerPeer: number;
}

/** The defaults: sized for a cluster with a few dozen external parties. */
export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  maxReservations: 64,
  reservationTtlMs: 60 * 60 * 1000,
  connectionDataBytes: RELAY_CONNECTION_DATA_BYTES,
  connectionDurationMs: RELAY_CONNECTION_DURATION_MS,
  connectionsPerPeer: 16,
};

/** What the host needs to run the relay: the service and its gater rules. */
export interface RelaySetup {
  readonly services: { relay: ReturnType<typeof circuitRelayServer> };
  readonly gater: Pick<ConnectionGater, 'denyInboundRelayReservation' | 'denyOutboundRelayedConnection'>;
}

/**
 * The relay service and its rules. `admitted` says whether a peer id is admitted now (never a guest);
 * `untilAdmitted` answers a guest's request for a slot once the guest is admitted (true) or will not be (false).
 */
export function relaySetup(
  admitted: (peerId: string) => boolean,
  limits: RelayLimits = DEFAULT_RELAY_LIMITS,
  untilAdmitted: (peerId: string) => Promise<boolean> = async () => false,
): RelaySetup {
  const refused = (peer: PeerId) => !admitted(peer.toString());
  return {
    services: {
      relay: circuitRelayServer({
        reservations: {
          maxReservations: limits.maxReservations,
          reservationTtl: limits.reservationTtlMs,
          applyDefaultLimit: true,
          defaultDataLimit: BigInt(limits.connectionDataBytes),
          defaultDurationLimit: limits.connectionDurationMs,
        },
        // hop streams come from a relayed connection's source, stop streams go to its destination; both limits
        // are per connection to the relay, which is per party
        maxInboundHopStreams: limits.connectionsPerPeer,
        maxOutboundStopStreams: limits.connectionsPerPeer,
      }),
    },
    gater: {
      denyInboundRelayReservation: async (peer) => refused(peer) && !(await untilAdmitted(peer.toString())),
      denyOutboundRelayedConnection: (source, destination) => refused(source) || refused(destination),
    },
  };
}

/** The relay service of a host that runs one. */
export type RelayService = CircuitRelayService;
