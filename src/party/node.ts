/**
 * The party node: a libp2p host that registers with the coordinator (coordinator-link.ts), accepts the
 * coordinator's signed records and decisions from the control stream or gossip (intake.ts), runs keygen and
 * signing directly with the other parties and reports signed results (jobs.ts), and keeps pair states with
 * its peers (pairing, in session/). Shares live in the encrypted store.
 *
 * Control flow of one session: record (direct or gossiped) → intake: checks and a durable session-id mark →
 * "accepted" → job: pair setups where needed, the protocol run → signed result to the coordinator. A keygen
 * share is stored pending and committed only on the coordinator's signed decision. A delegate node stores no
 * share (delegate.ts); an external party holds a slot on the coordinator's relay and is reached through it
 * (advertise.ts, relay-peers.ts).
 */
import type { PeerId, PrivateKey } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { encodeAck } from '../../protocols/control/ack.js';
import type { PartyRole, PartyStatusReport } from '../../protocols/control/control.js';
import { serveControl } from '../runtime/control-transport.js';
import { chooseCurveBackend } from '../runtime/curve-backend.js';
import { nodeEd25519 } from '../runtime/ed25519.js';
import { createHost, DEFAULT_LISTEN, type Host } from '../runtime/host.js';
import { type Log, SILENT_LOG } from '../runtime/logger.js';
import type { SessionOutcome } from '../runtime/metrics.js';
import { BanList } from '../session/bans.js';
import { DEFAULT_MAX_SESSIONS, SessionRegistry } from '../session/registry.js';
import type { TamperOutbound } from '../session/runner.js';
import type { ShareStore } from '../store/share-store.js';
import { advertisedAddrs, untilRelayed, watchAdvertised } from './advertise.js';
import { CoordinatorLink, parseCoordinatorAddr } from './coordinator-link.js';
import { DelegateDesk } from './delegate.js';
import { Intake } from './intake.js';
import { SessionJobs } from './jobs.js';
import { NodePairs } from './pairs.js';
import { peerIdOfBytes } from './peer-id.js';
import { StaleShares, type SweepReport } from './stale-shares.js';

export { parseCoordinatorAddr } from './coordinator-link.js';

/** Default per-round deadline of a session. */
export const DEFAULT_ROUND_TIMEOUT_MS = 10_000;
/** Default deadline of a whole session (pair setups included). */
export const DEFAULT_TOTAL_TIMEOUT_MS = 60_000;

/** Options of {@link PartyNode.start}. */
export interface PartyNodeInit {
  /** The open encrypted store. The node does not close it. */
  store: ShareStore;
  /** The node's libp2p identity (Ed25519). */
  identity: PrivateKey;
  /** The coordinator's multiaddr, ending in `/p2p/<peer id>`. */
  coordinator: string;
  /** Listen addresses. @default ['/ip4/127.0.0.1/tcp/0'] */
  listen?: string[];
  /** @default 'persistent' */
  role?: PartyRole;
  /** Addresses to advertise instead of the listen addresses (see advertise.ts). */
  announce?: string[];
  /**
   * Reserve a slot on the coordinator's circuit relay and advertise the relayed address, for a node that cannot
   * be dialled (behind NAT). @default true for an external party
   */
  relay?: boolean;
  /**
   * How long a relayed node waits for its relay slot before registering without it (it then reconnects to ask
   * again). @default 5 s
   */
  relayWaitMs?: number;
  /** Software version sent at registration. */
  version: string;
  /**
   * A one-time join token from the coordinator's operator, redeemed before registering so that a coordinator
   * that does not list this peer id admits it. Harmless once admitted (the coordinator answers ok).
   */
  joinToken?: string;
  /**
   * The pool secret of this node's role (the coordinator's `MPC_POOL_SECRET` or `MPC_DELEGATE_POOL_SECRET`),
   * presented inside the encrypted control channel before registering; reusable, unlike a join token.
   */
  poolSecret?: string;
  /** @default DEFAULT_ROUND_TIMEOUT_MS */
  roundTimeoutMs?: number;
  /** @default DEFAULT_TOTAL_TIMEOUT_MS */
  totalTimeoutMs?: number;
  /** Sessions at once; more are refused. @default 32 */
  maxSessions?: number;
  /** Maximum age of a pair state; an older one is replaced by a fresh pair setup. @default 90 days */
  pairMaxAgeMs?: number;
  /** @default silent */
  log?: Log;
  /** Called when a session ends (metrics). */
  onSessionEnd?: (kind: string, outcome: SessionOutcome, seconds: number) => void;
  /** Called when a round of a session completes (metrics). */
  onRound?: (kind: string, round: number, seconds: number) => void;
  /** Current time (tests). @default Date.now */
  now?: () => number;
  /** Tests only: rewrites this node's outbound session frames, to make it misbehave and exercise the others' checks. */
  tamperOutbound?: TamperOutbound;
  /**
   * Tests only: rewrites this node's status reports, to play a party whose ban report has not reached the
   * coordinator yet (a ban made during a session, an older node) and exercise the coordinator's handling of it.
   */
  tamperStatus?: (report: PartyStatusReport) => PartyStatusReport;
  /**
   * A pending share older than this is stale: its keygen's fate is asked of the coordinator on registration and
   * then once per this period (src/party/stale-shares.ts). @default DEFAULT_STALE_PENDING_MS
   */
  stalePendingMs?: number;
}

/** How long a relayed node waits for its relay slot before registering without it. */
const DEFAULT_RELAY_WAIT_MS = 5_000;

/** Ed25519 for control messages (records, results, decisions): OpenSSL, shared by every node of the process. */
const ed25519 = nodeEd25519();

/** How long a stopping node lets its running sessions finish before it aborts them. */
export const DEFAULT_DRAIN_MS = 5_000;
/** How long a stopping node waits for the coordinator to take its draining report. */
const STATUS_TIMEOUT_MS = 1_000;

/** `p`, or undefined once `ms` have passed. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** A running party node. */
export class PartyNode {
  private constructor(
    readonly host: Host,
    private readonly store: ShareStore,
    private readonly link: CoordinatorLink,
    private readonly intake: Intake,
    private readonly jobs: SessionJobs,
    private readonly registry: SessionRegistry,
    private readonly pairs: NodePairs,
    /** Peers this node talks to: the coordinator, and the parties of the records it accepted. */
    private readonly allowed: Set<string>,
    private readonly desk: DelegateDesk | undefined,
    /** Set when the node stops; reported to the coordinator. */
    private readonly draining: { now: boolean },
    private readonly unwatch: () => void,
    private readonly stale: StaleShares,
  ) {}

  /** Starts the host, serves the control protocol, listens on the session topic and registers. */
  static async start(init: PartyNodeInit): Promise<PartyNode> {
    const coordinator = parseCoordinatorAddr(init.coordinator);
    // Chosen once per process, before anything else (a bad MPC_CURVE_BACKEND stops the start with ConfigError).
    const curve = chooseCurveBackend();
    const { store } = init;
    const log = init.log ?? SILENT_LOG;
    const bans = new BanList(
      (peer, reason) => void store.ban(peerIdFromString(peer).toMultihash().bytes, reason).catch(() => {}),
      (await store.listBans()).map((b) => peerIdOfBytes(b.peerId).toString()),
    );
    const allowed = new Set([coordinator.peerId.toString()]);
    const role = init.role ?? 'persistent';
    const relayed = init.relay ?? role === 'external';
    const listen = init.listen ?? DEFAULT_LISTEN;
    const draining = { now: false };
    const host = await createHost({
      privateKey: init.identity,
      // '/p2p-circuit': reserve a slot on a relay this node connects to (only the coordinator runs one)
      listen: relayed ? [...listen, '/p2p-circuit'] : listen,
      ...(init.announce ? { announce: init.announce } : {}),
      allowedPeers: (id: string) => allowed.has(id) && !bans.has(id),
      gossip: true,
      relayClient: true,
    });
    const advertise = { ...(init.announce ? { announce: init.announce } : {}), relayed };
    const registry = await SessionRegistry.install(host, {
      maxSessions: init.maxSessions ?? DEFAULT_MAX_SESSIONS,
      bans,
    });
    const pairs = await NodePairs.start(host, store, bans, log, {
      ...(init.pairMaxAgeMs === undefined ? {} : { maxAgeMs: init.pairMaxAgeMs }),
      ...(init.now ? { now: init.now } : {}),
    });
    const link = new CoordinatorLink(
      host,
      coordinator,
      {
        role,
        version: init.version,
        ...(init.joinToken ? { joinToken: init.joinToken } : {}),
        ...(init.poolSecret ? { poolSecret: init.poolSecret } : {}),
        addrs: () => advertisedAddrs(host, advertise),
        // registered only once reachable: a relayed node holds its slot first (asked for when it connected, and
        // granted by the coordinator once the node is admitted)
        ...(relayed ? { ready: () => untilRelayed(host, init.relayWaitMs ?? DEFAULT_RELAY_WAIT_MS) } : {}),
      },
      log,
      () => {
        const report = {
          bans: bans.list().map((b) => peerIdFromString(b).toMultihash().bytes),
          draining: draining.now,
        };
        return init.tamperStatus ? init.tamperStatus(report) : report;
      },
    );
    const now = init.now ?? Date.now;
    const desk = role === 'delegate' ? new DelegateDesk({ store, log, now }) : undefined;
    // the coordinator learns of a ban at once: it stops choosing signer sets with the banned pair
    bans.subscribe(() => link.reportStatus());
    const jobs = new SessionJobs({
      host,
      store,
      registry,
      pairing: pairs.pairing,
      guard: pairs.guard,
      coordinator: link,
      identity: init.identity,
      ed25519,
      roundTimeoutMs: init.roundTimeoutMs ?? DEFAULT_ROUND_TIMEOUT_MS,
      totalTimeoutMs: init.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS,
      log,
      ...(init.onSessionEnd ? { onSessionEnd: init.onSessionEnd } : {}),
      ...(init.onRound ? { onRound: init.onRound } : {}),
      ...(init.tamperOutbound ? { tamperOutbound: init.tamperOutbound } : {}),
      role,
      ...(desk ? { delegate: desk } : {}),
    });
    const intake = new Intake({
      store,
      coordinatorId: coordinator.peerId.toMultihash().bytes,
      selfId: host.peerId.toMultihash().bytes,
      ed25519,
      now,
      log,
      onAccepted: (record, selfIndex) => {
        for (const p of record.parties) allowed.add(peerIdOfBytes(p.peerId).toString());
        jobs.start(record, selfIndex);
      },
      onPresigned: (record, presignature, via) => jobs.presigned(record, presignature, via === 'gossip'),
      role,
      ...(desk
        ? {
            claim: (record, selfIndex) => desk.claim(record, selfIndex),
            onDelegate: (request) => desk.onMessage(request),
          }
        : {}),
    });
    // the relay slot (made, lost, renewed) changes what the coordinator must be told
    const unwatchAddrs = watchAdvertised(host, advertise, () => {
      if (link.registered) void link.register().catch((e) => log.warn({ error: String(e) }, 're-registration failed'));
    });
    let stopRelay = () => {};
    const stale = new StaleShares({
      store,
      ask: (m) => link.ask(m),
      coordinatorId: coordinator.peerId.toMultihash().bytes,
      ed25519,
      ...(init.stalePendingMs === undefined ? {} : { staleAfterMs: init.stalePendingMs }),
      now,
      log,
    });
    link.onRegistered(() => void stale.sweep());
    stale.start();
    const node = new PartyNode(
      host,
      store,
      link,
      intake,
      jobs,
      registry,
      pairs,
      allowed,
      desk,
      draining,
      () => {
        unwatchAddrs();
        stopRelay();
      },
      stale,
    );
    log.info({ curveBackend: curve.backend.name, why: curve.reason }, 'secp256k1 backend chosen');
    await serveControl(host, (peer, request) => node.onControl(peer, request));
    intake.listen(host);
    await link.start();
    if (relayed) stopRelay = keepRelaySlot(host, link, log);
    return node;
  }

  /** This node's peer id. */
  get peerId(): string {
    return this.host.peerId.toString();
  }

  /** True once the coordinator has accepted this node's registration (and the connection has not dropped since). */
  get registered(): boolean {
    return this.link.registered;
  }

  /** Registers (role, version, addresses) with the coordinator now; throws when refused or unreachable. */
  register(): Promise<void> {
    return this.link.register();
  }

  /** Asks the coordinator about this node's stale pending shares now and applies its answer (stale-shares.ts). */
  sweepStaleShares(): Promise<SweepReport> {
    return this.stale.sweep();
  }

  /**
   * An operator's `mpc party pair`: admits `peer` and runs a fresh pair setup with it now (see
   * {@link NodePairs.pairNow}). Resolves with the new pair-setup session id (hex).
   */
  pairNow(peer: string, addrs: readonly string[] = [], signal?: AbortSignal): Promise<string> {
    this.allowed.add(peer);
    return this.pairs.pairNow(peer, addrs, signal);
  }

  /**
   * Stops: tells the coordinator it is draining (no new session is started on it), refuses new records, lets
   * running sessions finish for at most `drainMs` (default {@link DEFAULT_DRAIN_MS}); those still running then
   * end with an abort result (reported: the coordinator retries without this node); then the host stops.
   */
  async stop(drainMs = DEFAULT_DRAIN_MS): Promise<void> {
    this.draining.now = true;
    if (this.link.registered) await withTimeout(this.link.sendStatus(), STATUS_TIMEOUT_MS);
    this.unwatch();
    this.intake.stop();
    await this.jobs.stop(drainMs);
    this.link.stop();
    await this.stale.stop();
    this.desk?.clear();
    await this.store.pairs.flushBurns();
    await this.pairs.stop();
    await this.registry.stop();
    await this.host.stop();
  }

  /** Answers one control request; only the coordinator may send them. */
  private onControl(peer: PeerId, request: Uint8Array): Promise<Uint8Array> {
    if (!this.link.isCoordinator(peer)) {
      return Promise.resolve(
        encodeAck({ ok: false, code: 'FORBIDDEN', message: 'only the coordinator sends control requests' }),
      );
    }
    return this.intake.onControl(request);
  }
}

/** How often a relayed node checks that it still holds its relay slot. */
const RELAY_CHECK_MS = 15_000;

/**
 * Keeps a relayed node's slot on the coordinator's relay. A relayed node registers once it holds its slot (or
 * after waiting `relayWaitMs` for it); this checks right after the first registration and then every
 * {@link RELAY_CHECK_MS} that it still holds one. When it is registered but holds none (the relay was full, or
 * a coordinator of an older version refused the slot asked for before a join token was redeemed, and libp2p does
 * not ask again on that connection) it hangs up: the link reconnects and registers again, and the new connection
 * asks again. Returns the function that stops the checks.
 */
function keepRelaySlot(host: Host, link: CoordinatorLink, log: Log): () => void {
  let busy = false;
  const check = async () => {
    if (busy) return;
    busy = true;
    try {
      if (await untilRelayed(host, 0)) return;
      if (!link.registered) return; // the link is reconnecting: that asks again
      log.warn({}, 'no slot on the coordinator relay; reconnecting to ask again');
      await host.hangUp(link.coordinator.peerId).catch(() => {});
    } finally {
      busy = false;
    }
  };
  void check();
  const timer = setInterval(() => void check(), RELAY_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
