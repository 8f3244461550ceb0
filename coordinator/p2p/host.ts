/**
 * The coordinator's libp2p host: TCP, noise, yamux, identify and ping, behind a connection gater that admits a
 * peer only when `admits(peerId)` says so. Entry points (cli/, tests) import `src/polyfill.js` before this module:
 * libp2p needs `Promise.withResolvers`, which Node 20 lacks.
 */
import { noise } from '@chainsafe/libp2p-noise';
import { type Identify, identify } from '@libp2p/identify';
import type { PeerId, PrivateKey } from '@libp2p/interface';
import { type Ping, ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { createLibp2p, type Libp2p } from 'libp2p';

/** The services the coordinator's host runs. */
export type CoordinatorServices = { identify: Identify; ping: Ping };

/** A started coordinator host. */
export type CoordinatorHost = Libp2p<CoordinatorServices>;

/** Starts a host with `privateKey` on `listen`, admitting (in and out) only peers for which `admits` is true. */
export async function startCoordinatorHost(
  privateKey: PrivateKey,
  listen: readonly string[],
  admits: (peerId: string) => boolean,
): Promise<CoordinatorHost> {
  const deny = (peer: PeerId) => !admits(peer.toString());
  return createLibp2p<CoordinatorServices>({
    privateKey,
    addresses: { listen: [...listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: {
      denyDialPeer: deny,
      denyInboundEncryptedConnection: deny,
      denyOutboundEncryptedConnection: deny,
      denyInboundUpgradedConnection: deny,
      denyOutboundUpgradedConnection: deny,
    },
    // every party of a cluster may sit behind one address (loopback, a NAT): libp2p's default of 5 inbound
    // connections per second per host would reset parties reconnecting together after a coordinator restart
    connectionManager: { inboundConnectionThreshold: 100 },
    services: { identify: identify(), ping: ping() },
    start: true,
  });
}
