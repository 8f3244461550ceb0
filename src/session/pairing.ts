/**
 * Pair setup: the engine's {@link PairSetupRun} between this node and one peer, run by the session runner like
 * keygen and signing (same framing, hello, deadlines, culprits and bans), on its own protocol
 * `/mpc/pair/1.0.0` so that a peer's request is told apart from an early keygen stream. Node ids are the peers'
 * id bytes (`peerId.toMultihash().bytes`); both nodes store the resulting {@link PairState}.
 *
 * The node that asks is index 1 of the pair-setup session and dials (the runner's rule: the lower index
 * dials); the peer sees a hello for a session it does not know and runs index 2. One setup per peer at a time:
 * concurrent requests for the same peer share the in-flight setup, so a session that needs the pair waits for
 * it rather than failing. When both nodes ask at once, the session of the node whose peer id string sorts
 * lower wins: it refuses the other's stream, and the other drops its own attempt and answers instead. A stored
 * state past its maximum age (90 days by default) is not used; a fresh setup replaces it. Should the peer
 * still hold the old one for a session, the session's hello check finds the mismatch (`STATE_MISMATCH`)
 * before any OT message, so nothing is burnt.
 */
import type { Libp2p, PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Suite } from '../../protocols/common/suite.js';
import { PairSetupRun } from '../../protocols/dkls23/pair-setup.js';
import type { PairState } from '../../protocols/dkls23/pair-state.js';
import type { HostMultiaddr } from '../runtime/host.js';
import { nodeSuite } from '../runtime/suite.js';
import { BanList } from './bans.js';
import { SessionError } from './errors.js';
import { type InboundStream, SessionRegistry, type UnknownSessionAnswer } from './registry.js';
import { runSession } from './runner.js';

/** The protocol of pair setup streams. */
export const PAIR_PROTOCOL = '/mpc/pair/1.0.0';
/** Default deadline of one pair setup (it costs ~1–2 s of CPU per side). */
export const DEFAULT_PAIR_TIMEOUT_MS = 30_000;
/** Default maximum age of a pair state: older ones are replaced by a fresh pair setup before use. */
export const DEFAULT_PAIR_MAX_AGE_MS = 90 * 24 * 60 * 60 * 1000;
/** Largest pair-setup frame: the round-2 message is 16 KiB plus the header. */
export const MAX_PAIR_FRAME_BYTES = 64 * 1024;
/** Pair setups running at once (each with a different peer). */
const MAX_PAIR_SESSIONS = 8;
/** How often a side waiting for its peer's renewal request looks for it. */
const RENEWAL_POLL_MS = 50;
/** How long the losing side of two crossing setups waits for the winner's stream after its own was refused. */
const TAKEOVER_GRACE_MS = 3_000;

/** A peer for {@link Pairing.pairsFor}: its id, or its id with the addresses to dial it at. */
export type PairPeer = PeerId | string | { readonly peerId: PeerId; readonly addrs: readonly HostMultiaddr[] };

/**
 * A failed pair setup with the peer of session index `index`, as a failure of the calling session: same code,
 * round and cause, with that peer as the culprit when the setup named one (its only possible culprit is the peer).
 */
function asPeerFailure(e: unknown, index: number): unknown {
  if (!(e instanceof SessionError)) return e;
  const culprits = e.culprits.length > 0 ? [index] : [];
  const message = e.message.startsWith(`${e.code}: `) ? e.message.slice(e.code.length + 2) : e.message;
  return new SessionError(e.code, `pair setup with party ${index}: ${message}`, {
    round: e.round,
    culprits,
    cause: e.cause ?? e,
  });
}

/** Where pair states live (the node's encrypted store in production). */
export interface PairStore {
  get(peerId: string): PairState | undefined | Promise<PairState | undefined>;
  put(peerId: string, state: PairState): void | Promise<void>;
}

/** A {@link PairStore} in memory. */
export class MemoryPairStore implements PairStore {
  private readonly states = new Map<string, PairState>();
  get(peerId: string): PairState | undefined {
    return this.states.get(peerId);
  }
  put(peerId: string, state: PairState): void {
    this.states.set(peerId, state);
  }
}

/** Options of {@link Pairing.install}; all optional. */
export interface PairingInit {
  /** Where pair states are kept. @default a {@link MemoryPairStore} */
  store?: PairStore;
  /** Deadline of one pair setup, from dial (or inbound stream) to stored state. @default 30000 */
  timeoutMs?: number;
  /** Randomness and hashes. @default nodeSuite() */
  suite?: Suite;
  /** The node's ban list: banned peers are refused, and a failed attributable check bans. @default a new list */
  bans?: BanList;
  /**
   * Whether a setup with this peer may run, asked by the peer or replacing an aged state (for example not with a
   * burnt pair); a `force`d setup (an operator's) runs regardless. @default always
   */
  acceptSetup?: (peerId: string) => boolean;
  /**
   * A stored state older than this (by its `createdAt`; one without counts as older) is not used: a fresh pair
   * setup replaces it. @default DEFAULT_PAIR_MAX_AGE_MS (90 days)
   */
  maxAgeMs?: number;
  /** Current time (tests). @default Date.now */
  now?: () => number;
}

type Phase = 'lookup' | 'outbound' | 'grace' | 'inbound';

interface Slot {
  phase: Phase;
  promise: Promise<PairState>;
  resolve: (s: PairState) => void;
  reject: (e: unknown) => void;
  attempt: AbortController;
  graceTimer?: ReturnType<typeof setTimeout>;
}

/**
 * Runs pair setups with peers and keeps their states. One per host; create with {@link Pairing.install}.
 * Failures are {@link SessionError}s: `BANNED` (banned peer), `REFUSED` (stopped), `ABORTED` (the caller's signal), or
 * the runner's `TIMEOUT`, `NETWORK` and `PROTOCOL` (culprit named; an attributable failure bans the peer).
 */
export class Pairing {
  readonly store: PairStore;
  readonly timeoutMs: number;
  readonly bans: BanList;
  private readonly suite: Suite;
  private readonly acceptSetup: (peerId: string) => boolean;
  readonly maxAgeMs: number;
  private readonly now: () => number;
  private readonly slots = new Map<string, Slot>();
  private registry!: SessionRegistry;
  private stopped = false;

  private constructor(
    readonly host: Libp2p,
    init: PairingInit,
  ) {
    this.store = init.store ?? new MemoryPairStore();
    this.timeoutMs = init.timeoutMs ?? DEFAULT_PAIR_TIMEOUT_MS;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0)
      throw new RangeError(`invalid timeoutMs ${this.timeoutMs}; must be a positive number of milliseconds`);
    this.suite = init.suite ?? nodeSuite();
    this.bans = init.bans ?? new BanList();
    this.acceptSetup = init.acceptSetup ?? (() => true);
    this.maxAgeMs = init.maxAgeMs ?? DEFAULT_PAIR_MAX_AGE_MS;
    if (!Number.isFinite(this.maxAgeMs) || this.maxAgeMs <= 0)
      throw new RangeError(`invalid maxAgeMs ${this.maxAgeMs}; must be a positive number of milliseconds`);
    this.now = init.now ?? Date.now;
  }

  /** Registers the `/mpc/pair/1.0.0` session registry on `host`. */
  static async install(host: Libp2p, init: PairingInit = {}): Promise<Pairing> {
    const p = new Pairing(host, init);
    p.registry = await SessionRegistry.install(host, {
      protocol: PAIR_PROTOCOL,
      maxSessions: MAX_PAIR_SESSIONS,
      maxEarlyStreams: MAX_PAIR_SESSIONS,
      maxFrameBytes: MAX_PAIR_FRAME_BYTES,
      bans: p.bans,
      spareStreams: false, // a pair is set up once; a spare would only wait for a session that never comes
      onUnknownSession: (inbound) => p.onRequest(inbound),
    });
    return p;
  }

  /**
   * The pair state with `peer`: the stored one, or (when none is stored, it is past the maximum age, older than
   * `newerThan` (unix ms), or `force`) a fresh pair setup. Concurrent calls for the same peer share one setup;
   * `signal` stops this caller's wait, not the setup.
   */
  ensure(
    peer: PeerId | string,
    opts: { force?: boolean; newerThan?: number; addrs?: readonly HostMultiaddr[]; signal?: AbortSignal } = {},
  ): Promise<PairState> {
    const peerId = typeof peer === 'string' ? peerIdFromString(peer) : peer;
    const key = peerId.toString();
    const refuse = (why: string) => Promise.reject(new SessionError('REFUSED', `pair setup with ${key}: ${why}`));
    if (this.stopped) return refuse('pairing is stopped');
    if (this.bans.has(key)) {
      const why = `pair setup with ${key}: peer is banned: ${this.bans.reason(key)}`;
      return Promise.reject(new SessionError('BANNED', why, { culprits: [2] }));
    }
    const existing = this.slots.get(key);
    const promise = existing ? existing.promise : this.startOutbound(peerId, opts);
    if (!opts.signal) return promise;
    const signal = opts.signal;
    return new Promise<PairState>((resolve, reject) => {
      const onAbort = () => reject(new SessionError('ABORTED', `pair setup with ${key}: aborted by the caller`));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /**
   * Pair states with every peer of a session, keyed by session index (waits for any setup needed). A setup
   * dials the peer at the addresses given with it (the session record's: a peer that restarted on another port
   * is not where this node last saw it). A failed setup rejects naming the peer by its index in the *calling*
   * session — never by its index in the pair-setup session (1 or 2), which means nothing to the caller.
   */
  async pairsFor(peers: ReadonlyMap<number, PairPeer>, signal?: AbortSignal): Promise<Map<number, PairState>> {
    const entries = await Promise.all(
      [...peers].map(async ([i, p]) => {
        const { peerId, addrs } = typeof p === 'string' || !('peerId' in p) ? { peerId: p, addrs: [] } : p;
        const opts = { ...(addrs.length ? { addrs } : {}), ...(signal ? { signal } : {}) };
        try {
          return [i, await this.ensure(peerId, opts)] as const;
        } catch (e) {
          throw this.callerFailure(e, peerId, i);
        }
      }),
    );
    return new Map(entries);
  }

  /**
   * Fresh pair states (made after `since`, unix ms) with every peer of `peers`, keyed by session index,
   * after both sides of each pair learnt at about the same time that they need one (a reshare). Only the side
   * that wins a crossing (the lower peer id) asks; the other waits for its request, and asks itself only when
   * none came within the setup deadline. So the two never cross. Failures name the peer as {@link pairsFor} does.
   */
  async renewPairs(
    peers: ReadonlyMap<number, { readonly peerId: PeerId; readonly addrs: readonly HostMultiaddr[] }>,
    since: number,
    signal?: AbortSignal,
  ): Promise<Map<number, PairState>> {
    const out = new Map<number, PairState>();
    // one at a time: a setup is seconds of CPU on a busy node, and several at once starve its streams
    for (const [i, { peerId, addrs }] of [...peers].sort(([a], [b]) => a - b)) {
      const opts = { newerThan: since, ...(addrs.length ? { addrs } : {}), ...(signal ? { signal } : {}) };
      try {
        const waited = this.winsOver(peerId) ? undefined : await this.awaitRenewal(peerId.toString(), since, signal);
        out.set(i, waited ?? (await this.ensure(peerId, opts)));
      } catch (e) {
        throw this.callerFailure(e, peerId, i);
      }
    }
    return out;
  }

  /**
   * A failed setup as the session waiting on it sees it: when the setup's own check failed and banned the peer,
   * the ban (`BANNED`, as a session starting now would be refused: that pair cannot sign, another set can) — not
   * a failed check of the waiting session, which the coordinator would take as final; else the setup's failure
   * naming the peer by its index in the waiting session.
   */
  private callerFailure(e: unknown, peer: PeerId | string, index: number): unknown {
    const key = peer.toString();
    const why = this.bans.reason(key);
    if (e instanceof SessionError && e.code !== 'BANNED' && why !== undefined) {
      return new SessionError('BANNED', `pair setup with party ${index}: peer is banned: ${why}`, {
        culprits: [index],
        cause: e,
      });
    }
    return asPeerFailure(e, index);
  }

  /** Waits (at most the setup deadline) until the peer’s setup gives a state made after `since`. */
  private async awaitRenewal(key: string, since: number, signal?: AbortSignal): Promise<PairState | undefined> {
    const deadline = this.now() + this.timeoutMs;
    while (this.now() < deadline && !signal?.aborted && !this.stopped) {
      const slot = this.slots.get(key);
      if (slot) {
        const state = await slot.promise.catch(() => undefined);
        if (state && (state.createdAt ?? 0) > since) return state;
      }
      const stored = await this.store.get(key);
      if (stored && (stored.createdAt ?? 0) > since) return stored;
      await new Promise((r) => setTimeout(r, RENEWAL_POLL_MS));
    }
    return undefined;
  }

  /** Fails setups in flight and unregisters the protocol. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const [key, slot] of this.slots) {
      slot.attempt.abort(new Error('pairing stopped'));
      clearTimeout(slot.graceTimer);
      slot.reject(new SessionError('REFUSED', `pair setup with ${key}: pairing stopped`));
    }
    this.slots.clear();
    await this.registry.stop();
  }

  /** True when `state` is younger than the maximum age (an undated state is not). */
  fresh(state: PairState): boolean {
    return state.createdAt !== undefined && this.now() - state.createdAt < this.maxAgeMs;
  }

  /** True when this node's setup wins over the peer's when both ask at once. */
  private winsOver(peer: PeerId | string): boolean {
    return this.host.peerId.toString() < peer.toString();
  }

  private newSlot(key: string, phase: Phase): Slot {
    const { promise, resolve, reject } = Promise.withResolvers<PairState>();
    promise.catch(() => {}); // a failure with no waiter is not an unhandled rejection
    const slot: Slot = { phase, promise, resolve, reject, attempt: new AbortController() };
    this.slots.set(key, slot);
    return slot;
  }

  private settle(key: string, slot: Slot, outcome: { state: PairState } | { error: unknown }): void {
    clearTimeout(slot.graceTimer);
    if (this.slots.get(key) === slot) this.slots.delete(key);
    if ('state' in outcome) slot.resolve(outcome.state);
    else slot.reject(outcome.error);
  }

  private startOutbound(
    peerId: PeerId,
    opts: { force?: boolean; newerThan?: number; addrs?: readonly HostMultiaddr[] },
  ): Promise<PairState> {
    const key = peerId.toString();
    const slot = this.newSlot(key, 'lookup');
    const attempt = slot.attempt;
    void (async () => {
      try {
        if (!opts.force) {
          const stored = await this.store.get(key);
          if (attempt.signal.aborted) return; // taken over by the peer's setup
          // past its age, a state is replaced — but never by a setup this node may not run (a burnt pair: only an
          // operator's forced setup replaces it), so that state goes back as it is and the guard refuses it
          const recent = opts.newerThan === undefined || (stored?.createdAt ?? 0) > opts.newerThan;
          if (stored && ((this.fresh(stored) && recent) || !this.acceptSetup(key)))
            return this.settle(key, slot, { state: stored });
        }
        slot.phase = 'outbound';
        const sessionId = this.suite.rng(32);
        const state = await this.run(peerId, 1, sessionId, attempt.signal, opts.addrs ?? []);
        if (attempt.signal.aborted) return;
        await this.store.put(key, state);
        this.settle(key, slot, { state });
      } catch (e) {
        if (attempt.signal.aborted) return; // taken over, or stopped (already settled)
        if (!this.winsOver(peerId) && e instanceof SessionError && e.code === 'NETWORK') {
          // The peer refuses our stream when it asked at the same moment and wins: wait for its stream.
          slot.phase = 'grace';
          slot.graceTimer = setTimeout(() => {
            if (slot.phase === 'grace') this.settle(key, slot, { error: e });
          }, TAKEOVER_GRACE_MS);
          return;
        }
        this.settle(key, slot, { error: e });
      }
    })();
    return slot.promise;
  }

  /** A peer asks for a setup (a hello for a session not running here): answer it, or refuse. */
  private onRequest(inbound: InboundStream): UnknownSessionAnswer {
    const key = inbound.remotePeer;
    // the asking side is index 1 of its session; anything else is not a pair-setup request
    if (this.stopped || inbound.hello.from !== 1 || !this.acceptSetup(key)) return 'refuse';
    let slot = this.slots.get(key);
    if (slot) {
      if (slot.phase === 'inbound' || (slot.phase === 'outbound' && this.winsOver(key))) return 'refuse';
      // our own attempt (lookup, outbound as the losing side, or waiting) yields to the peer's
      slot.attempt.abort(new Error('taken over by the peer’s setup'));
      clearTimeout(slot.graceTimer);
      slot.attempt = new AbortController();
      slot.phase = 'inbound';
    } else {
      slot = this.newSlot(key, 'inbound');
    }
    const taken = slot;
    const attempt = taken.attempt;
    this.run(peerIdFromString(key), 2, inbound.hello.sessionId, attempt.signal, []).then(
      async (state) => {
        if (attempt.signal.aborted) return;
        await this.store.put(key, state);
        this.settle(key, taken, { state });
      },
      (e) => {
        if (!attempt.signal.aborted) this.settle(key, taken, { error: e });
      },
    );
    return 'hold';
  }

  /** Runs this node's side (index `self`) of a pair-setup session with `peer` through the session runner; dates the state. */
  private async run(
    peer: PeerId,
    self: 1 | 2,
    sessionId: Uint8Array,
    signal: AbortSignal,
    addrs: readonly HostMultiaddr[],
  ): Promise<PairState> {
    const state = await runSession({
      host: this.host,
      registry: this.registry,
      sessionId,
      self,
      peers: new Map([[self === 1 ? 2 : 1, { peerId: peer, addrs }]]),
      run: new PairSetupRun({
        self,
        selfNodeId: this.host.peerId.toMultihash().bytes,
        peerNodeId: peer.toMultihash().bytes,
        suite: this.suite,
      }),
      roundTimeoutMs: this.timeoutMs,
      totalTimeoutMs: this.timeoutMs,
      signal,
    });
    return { ...state, createdAt: this.now() };
  }
}
