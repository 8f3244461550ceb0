/**
 * The party node's link to its coordinator: registration (after redeeming a join token, if one was given),
 * reconnection with backoff when the connection drops, and the control requests the node sends (results).
 */
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import { type Ack, decodeAck } from '../../protocols/control/ack.js';
import { encodeJoin, encodeRegister, type PartyRole } from '../../protocols/control/control.js';
import { controlRequest } from '../runtime/control-transport.js';
import { ConfigError } from '../runtime/errors.js';
import type { Host } from '../runtime/host.js';
import type { Log } from '../runtime/logger.js';

/** First delay before registering again after a failure; it doubles up to {@link MAX_RETRY_MS}. */
const FIRST_RETRY_MS = 1_000;
/** Longest delay between registration attempts. */
const MAX_RETRY_MS = 30_000;

/** The coordinator: its peer id and where to dial it. */
export interface CoordinatorAddr {
  readonly peerId: PeerId;
  readonly addr: Multiaddr;
}

/** Splits `/…/p2p/<id>` into the peer id and the dialable address; `ConfigError BAD_COORDINATOR` otherwise. */
export function parseCoordinatorAddr(addr: string): CoordinatorAddr {
  let ma: Multiaddr;
  try {
    ma = multiaddr(addr);
  } catch {
    throw new ConfigError('BAD_COORDINATOR', `invalid coordinator multiaddr '${addr}'`);
  }
  const id = ma.getComponents().find((c) => c.name === 'p2p')?.value;
  if (!id) throw new ConfigError('BAD_COORDINATOR', `the coordinator multiaddr '${addr}' must end with /p2p/<peer id>`);
  return { peerId: peerIdFromString(id), addr: ma };
}

/** What the node tells the coordinator about itself. */
export interface Registration {
  readonly role: PartyRole;
  readonly version: string;
  /**
   * A one-time join token from the coordinator's operator, redeemed before registering so that a coordinator
   * that does not list this peer id admits it. Harmless once admitted (the coordinator answers ok).
   */
  readonly joinToken?: string;
  /** The addresses to register (see advertise.ts). @default the host's addresses */
  readonly addrs?: () => string[];
}

/** Registration with the coordinator and the requests sent to it. */
export class CoordinatorLink {
  private registeredNow = false;
  private retrying = false;
  private stopping = false;

  constructor(
    private readonly host: Host,
    readonly coordinator: CoordinatorAddr,
    private readonly registration: Registration,
    private readonly log: Log,
  ) {}

  /** Registers (resolving after the first attempt either way) and registers again whenever the link drops. */
  async start(): Promise<void> {
    await this.host.peerStore.merge(this.coordinator.peerId, { multiaddrs: [this.coordinator.addr] });
    this.host.addEventListener('peer:disconnect', (evt) => {
      if (evt.detail.equals(this.coordinator.peerId) && !this.stopping) void this.keepRegistered();
    });
    await this.keepRegistered();
  }

  /** Stops registering again. */
  stop(): void {
    this.stopping = true;
  }

  /** True once the coordinator has accepted the registration (and the connection has not dropped since). */
  get registered(): boolean {
    return this.registeredNow && this.host.getConnections(this.coordinator.peerId).length > 0;
  }

  /** True when `peer` is the coordinator. */
  isCoordinator(peer: PeerId): boolean {
    return peer.equals(this.coordinator.peerId);
  }

  /** Sends a control message to the coordinator and returns its answer; throws when it cannot be reached. */
  async request(message: Uint8Array): Promise<Ack> {
    return decodeAck(await controlRequest(this.host, this.coordinator.peerId, message));
  }

  /** Registers (role, version, addresses) with the coordinator; throws when refused or unreachable. */
  async register(): Promise<void> {
    const { joinToken, role, version } = this.registration;
    if (joinToken !== undefined) {
      const joined = await this.request(encodeJoin(joinToken));
      if (!joined.ok) throw new Error(`the coordinator refused the join token: ${joined.code}: ${joined.message}`);
    }
    const addrs = this.registration.addrs?.() ?? this.host.getMultiaddrs().map((a) => a.toString());
    const ack = await this.request(encodeRegister({ role, version, addrs }));
    if (!ack.ok) throw new Error(`the coordinator refused registration: ${ack.code}: ${ack.message}`);
    this.log.info({ coordinator: this.coordinator.peerId.toString() }, 'registered with the coordinator');
  }

  /**
   * Registers, retrying with exponential backoff while the coordinator is unreachable; resolves after the
   * first attempt either way, so a node can start before its coordinator.
   */
  private async keepRegistered(): Promise<void> {
    this.registeredNow = false;
    if (this.retrying) return;
    this.retrying = true;
    let delay = FIRST_RETRY_MS;
    const attempt = async (): Promise<boolean> => {
      if (this.stopping) return true;
      try {
        await this.register();
        this.registeredNow = true;
        return true;
      } catch (e) {
        this.log.warn({ error: String(e), retryInMs: delay }, 'registration with the coordinator failed');
        return false;
      }
    };
    if (await attempt()) {
      this.retrying = false;
      return;
    }
    void (async () => {
      while (!this.stopping && !(await new Promise((r) => setTimeout(r, delay)).then(attempt))) {
        delay = Math.min(delay * 2, MAX_RETRY_MS);
      }
      this.retrying = false;
    })();
  }
}
