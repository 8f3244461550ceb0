/**
 * The party node's link to its coordinator: registration (after redeeming a join token or presenting a pool
 * secret, if one was given),
 * re-registration when the connection drops, the party's status report (its bans, whether it is draining) after
 * each registration and whenever it changes, and the control requests the node sends (results).
 *
 * Coming back fast after a coordinator restart: while the coordinator was seen in the last
 * {@link RECENTLY_SEEN_MS}, registration is retried at most {@link RECENT_MAX_RETRY_MS} apart (with jitter, so
 * that a cluster does not retry in lockstep); and the moment the coordinator connects to this node (it dials the
 * parties it knows when it starts), the node registers without waiting for its next retry. A coordinator not
 * seen for long is retried with a backoff doubling up to {@link MAX_RETRY_MS}.
 */
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import { type Ack, decodeAck } from '../../protocols/control/ack.js';
import {
  encodeJoin,
  encodeRegister,
  encodeStatus,
  type PartyRole,
  type PartyStatusReport,
  POOL_SECRET_PREFIX,
} from '../../protocols/control/control.js';
import { controlRequest } from '../runtime/control-transport.js';
import { ConfigError } from '../runtime/errors.js';
import type { Host } from '../runtime/host.js';
import type { Log } from '../runtime/logger.js';

/** First delay before registering again after a failure. */
export const FIRST_RETRY_MS = 250;
/** Longest delay between registration attempts while the coordinator was seen recently (it restarts in seconds). */
export const RECENT_MAX_RETRY_MS = 1_000;
/** How long after the coordinator was last connected the short cap applies. */
export const RECENTLY_SEEN_MS = 5 * 60_000;
/** Longest delay between registration attempts for a coordinator not seen recently (or never). */
export const MAX_RETRY_MS = 30_000;
/** A failed registration is logged at most this often (a reconnect window retries every second). */
const FAILURE_LOG_INTERVAL_MS = 30_000;
/** Delay before a status report that could not be sent is sent again (while registered). */
const STATUS_RETRY_MS = 1_000;

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
  /**
   * A pool secret (reusable, bound to a role) presented the same way, behind {@link POOL_SECRET_PREFIX}: the
   * coordinator admits any party holding it. Harmless once admitted.
   */
  readonly poolSecret?: string;
  /** The addresses to register (see advertise.ts). @default the host's addresses */
  readonly addrs?: () => string[];
  /**
   * Resolves when the node may be listed: called after the join and before each registration, so that the
   * coordinator lists the node only once it is reachable (a relayed node: once it holds its relay slot, which it
   * can only get once admitted). It must resolve, slot or not, in bounded time.
   */
  readonly ready?: () => Promise<unknown>;
}

/** Registration with the coordinator, the status report and the requests sent to it. */
export class CoordinatorLink {
  private registeredNow = false;
  /** Set at the first registration after the join token was accepted (logged once). */
  private joined = false;
  private retrying = false;
  private stopping = false;
  /** When the coordinator was last connected (ms since the epoch), 0 if never. */
  private lastSeen = 0;
  /** Ends the registration loop's current wait early (the coordinator connected). */
  private wake: (() => void) | undefined;
  private lastFailureLog = 0;
  private suppressedFailures = 0;
  private statusSending = false;
  private statusDirty = false;
  private statusTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly registeredListeners: (() => void)[] = [];

  constructor(
    private readonly host: Host,
    readonly coordinator: CoordinatorAddr,
    private readonly registration: Registration,
    private readonly log: Log,
    /** The status to report (bans, draining); read each time a report goes out. */
    private readonly status: () => PartyStatusReport = () => ({ bans: [], draining: false }),
  ) {}

  /** Registers (resolving after the first attempt either way) and registers again whenever the link drops. */
  async start(): Promise<void> {
    await this.host.peerStore.merge(this.coordinator.peerId, { multiaddrs: [this.coordinator.addr] });
    this.host.addEventListener('peer:disconnect', (evt) => {
      if (!evt.detail.equals(this.coordinator.peerId) || this.stopping) return;
      this.lastSeen = Date.now();
      void this.keepRegistered();
    });
    this.host.addEventListener('peer:connect', (evt) => {
      if (!evt.detail.equals(this.coordinator.peerId) || this.stopping) return;
      this.lastSeen = Date.now();
      // the coordinator reached out (it dials the parties it knows when it starts): register now
      if (!this.registeredNow) this.wake?.();
    });
    await this.keepRegistered();
  }

  /** Stops registering again. */
  stop(): void {
    this.stopping = true;
    clearTimeout(this.statusTimer);
    this.wake?.();
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

  /** Sends a control message to the coordinator and returns its raw answer; throws when it cannot be reached. */
  ask(message: Uint8Array): Promise<Uint8Array> {
    return controlRequest(this.host, this.coordinator.peerId, message);
  }

  /** Calls `listener` after every accepted registration (after its status report went out). */
  onRegistered(listener: () => void): void {
    this.registeredListeners.push(listener);
  }

  /** Registers (role, version, addresses) with the coordinator; throws when refused or unreachable. */
  async register(): Promise<void> {
    const { joinToken, poolSecret, role, version } = this.registration;
    if (joinToken !== undefined) {
      const joined = await this.request(encodeJoin(joinToken));
      if (!joined.ok) throw new Error(`the coordinator refused the join token: ${joined.code}: ${joined.message}`);
    }
    if (poolSecret !== undefined) {
      // inside the noise channel, like a token; the coordinator keeps only that this peer was admitted
      const joined = await this.request(encodeJoin(POOL_SECRET_PREFIX + poolSecret));
      if (!joined.ok) throw new Error(`the coordinator refused the pool secret: ${joined.code}: ${joined.message}`);
    }
    await this.registration.ready?.();
    const addrs = this.registration.addrs?.() ?? this.host.getMultiaddrs().map((a) => a.toString());
    const ack = await this.request(encodeRegister({ role, version, addrs }));
    if (!ack.ok) throw new Error(`the coordinator refused registration: ${ack.code}: ${ack.message}`);
    this.lastSeen = Date.now();
    const coordinator = this.coordinator.peerId.toString();
    this.log.info({ coordinator }, 'registered with the coordinator');
    if (joinToken !== undefined && !this.joined) {
      this.joined = true;
      this.log.info({ coordinator, role, addrs }, 'joined the network (join token accepted, registered)');
    }
  }

  /**
   * Sends the current status (bans, draining) to the coordinator, now or — when a report is on its way — right
   * after it. Never throws; a report that cannot be sent goes out again after the next registration.
   */
  reportStatus(): void {
    if (this.stopping && !this.status().draining) return;
    if (this.statusSending) {
      this.statusDirty = true;
      return;
    }
    this.statusSending = true;
    this.statusDirty = false;
    clearTimeout(this.statusTimer);
    void this.sendStatus().finally(() => {
      this.statusSending = false;
      if (this.statusDirty) this.reportStatus();
    });
  }

  /** Sends the current status and resolves whether the coordinator took it. */
  async sendStatus(): Promise<boolean> {
    try {
      const ack = await this.request(encodeStatus(this.status()));
      if (ack.ok) return true;
      this.log.warn({ code: ack.code, message: ack.message }, 'the coordinator refused the status report');
    } catch (e) {
      if (this.registered && !this.stopping) {
        // registered but the report failed: try again shortly (unregistered, the next registration sends it)
        this.statusTimer = setTimeout(() => this.reportStatus(), STATUS_RETRY_MS);
        this.statusTimer.unref?.();
      }
      this.log.warn({ error: String(e) }, 'could not send the status report');
    }
    return false;
  }

  /** The next retry delay after `delay`: doubling, capped low while the coordinator was seen recently. */
  private nextDelay(delay: number): number {
    const recent = Date.now() - this.lastSeen < RECENTLY_SEEN_MS;
    return Math.min(delay * 2, recent ? RECENT_MAX_RETRY_MS : MAX_RETRY_MS);
  }

  /** Waits `ms` with ±25% jitter, or until the coordinator connects. */
  private pause(ms: number): Promise<void> {
    const jittered = ms * (0.75 + Math.random() * 0.5);
    return new Promise((resolve) => {
      const t = setTimeout(done, jittered);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  private logFailure(e: unknown, delay: number): void {
    const now = Date.now();
    if (now - this.lastFailureLog < FAILURE_LOG_INTERVAL_MS) {
      this.suppressedFailures++;
      return;
    }
    const also = this.suppressedFailures > 0 ? { alsoFailed: this.suppressedFailures } : {};
    this.log.warn({ error: String(e), retryInMs: delay, ...also }, 'registration with the coordinator failed');
    this.lastFailureLog = now;
    this.suppressedFailures = 0;
  }

  /**
   * Registers, retrying while the coordinator is unreachable (see the module comment for the delays); resolves
   * after the first attempt either way, so a node can start before its coordinator. Each registration is
   * followed by a status report.
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
        this.lastFailureLog = 0;
        this.reportStatus();
        for (const l of this.registeredListeners) l();
        return true;
      } catch (e) {
        this.logFailure(e, delay);
        return false;
      }
    };
    if (await attempt()) {
      this.retrying = false;
      return;
    }
    void (async () => {
      while (!this.stopping) {
        await this.pause(delay);
        if (await attempt()) break;
        delay = this.nextDelay(delay);
      }
      this.retrying = false;
    })();
  }
}
