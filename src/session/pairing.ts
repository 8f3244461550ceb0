/**
 * Pair setup over `/mpc/pair/1.0.0`: the engine's {@link PairSetupRun} between this node and one peer, with a
 * deadline. Party 1 is the node whose peer id string sorts lower; node ids are the peers' id bytes
 * (`peerId.toMultihash().bytes`). Both nodes store the resulting {@link PairState}.
 *
 * One setup per peer at a time: concurrent requests for the same peer share the in-flight setup, so a session
 * that needs the pair waits for it rather than failing. When both nodes start a setup at once, the stream
 * dialed by party 1 wins: party 1 resets the other, and party 2 drops its own attempt and takes party 1's.
 */
import { createHash } from 'node:crypto';
import type { Libp2p, PeerId, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils';
import { ProtocolError } from '../../protocols/common/errors.js';
import type { Outbound } from '../../protocols/common/run.js';
import type { Suite } from '../../protocols/common/suite.js';
import { PairSetupRun } from '../../protocols/dkls23/pair-setup.js';
import type { PairState } from '../../protocols/dkls23/pair-state.js';
import type { HostMultiaddr } from '../runtime/host.js';
import { nodeSuite } from '../runtime/suite.js';
import { BanList } from './bans.js';
import { decodeFrame, encodeFrame, sameSessionId } from './frames.js';
import { resetStream } from './registry.js';

/** The protocol of pair setup streams. */
export const PAIR_PROTOCOL = '/mpc/pair/1.0.0';
/** Default deadline of one pair setup (it costs ~1–2 s of CPU per side). */
export const DEFAULT_PAIR_TIMEOUT_MS = 30_000;
/** Largest pair-setup frame: the round-2 message is 16 KiB plus the header. */
export const MAX_PAIR_FRAME_BYTES = 64 * 1024;
/** How long party 2 waits for party 1's stream after party 1 refused its own (both dialed at once). */
const TAKEOVER_GRACE_MS = 3_000;

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
  /** Whether to run a setup a peer asks for (for example not with a burnt pair). @default always */
  acceptSetup?: (peerId: string) => boolean;
}

/** A failed pair setup. `cause` is the {@link ProtocolError} or network error. */
export class PairingError extends Error {
  override readonly name = 'PairingError';
  constructor(
    readonly peerId: string,
    message: string,
    cause?: unknown,
  ) {
    super(`pair setup with ${peerId}: ${message}`, cause === undefined ? undefined : { cause });
  }
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

function nodeIdOf(p: PeerId): Uint8Array {
  return p.toMultihash().bytes;
}

/** The frame session id of a pair setup: binds frames to the two node ids in party order. */
function pairFrameId(id1: Uint8Array, id2: Uint8Array): Uint8Array {
  const h = createHash('sha256').update('mpc/pair/1.0.0');
  h.update(Uint8Array.of(id1.length >> 8, id1.length & 255))
    .update(id1)
    .update(id2);
  return new Uint8Array(h.digest());
}

/** Runs pair setups with peers and keeps their states. One per host; create with {@link Pairing.install}. */
export class Pairing {
  readonly store: PairStore;
  readonly timeoutMs: number;
  readonly bans: BanList;
  private readonly suite: Suite;
  private readonly acceptSetup: (peerId: string) => boolean;
  private readonly slots = new Map<string, Slot>();
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
  }

  /** Registers the `/mpc/pair/1.0.0` handler on `host`. */
  static async install(host: Libp2p, init: PairingInit = {}): Promise<Pairing> {
    const p = new Pairing(host, init);
    await host.handle(PAIR_PROTOCOL, (stream, connection) => p.onInbound(stream, connection.remotePeer), {
      maxInboundStreams: 8,
      maxOutboundStreams: 8,
    });
    return p;
  }

  /** Party index (1 or 2) of this node in a pair with `peer`: the lower peer id string is party 1. */
  partyWith(peer: PeerId | string): 1 | 2 {
    return this.host.peerId.toString() < peer.toString() ? 1 : 2;
  }

  /**
   * The pair state with `peer`: the stored one, or (when none is stored, or `force`) a fresh pair setup.
   * Concurrent calls for the same peer share one setup.
   */
  ensure(
    peer: PeerId | string,
    opts: { force?: boolean; addrs?: readonly HostMultiaddr[]; signal?: AbortSignal } = {},
  ): Promise<PairState> {
    const peerId = typeof peer === 'string' ? peerIdFromString(peer) : peer;
    const key = peerId.toString();
    if (this.stopped) return Promise.reject(new PairingError(key, 'pairing is stopped'));
    if (this.bans.has(key)) return Promise.reject(new PairingError(key, `peer is banned: ${this.bans.reason(key)}`));
    const existing = this.slots.get(key);
    const promise = existing ? existing.promise : this.startOutbound(peerId, opts);
    if (!opts.signal) return promise;
    const signal = opts.signal;
    // The caller may stop waiting; the shared setup goes on for the others.
    return new Promise<PairState>((resolve, reject) => {
      const onAbort = () => reject(new PairingError(key, 'aborted by the caller', signal.reason));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Pair states with every peer of a session, keyed by session index (waits for any setup needed). */
  async pairsFor(peers: ReadonlyMap<number, PeerId | string>, signal?: AbortSignal): Promise<Map<number, PairState>> {
    const entries = await Promise.all(
      [...peers].map(async ([i, p]) => [i, await this.ensure(p, signal ? { signal } : {})] as const),
    );
    return new Map(entries);
  }

  /** Unregisters the handler and fails setups in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const [key, slot] of this.slots) {
      slot.attempt.abort(new Error('pairing stopped'));
      clearTimeout(slot.graceTimer);
      slot.reject(new PairingError(key, 'pairing stopped'));
    }
    this.slots.clear();
    try {
      await this.host.unhandle(PAIR_PROTOCOL);
    } catch {
      // the host may already be stopped
    }
  }

  private newSlot(key: string, phase: Phase): Slot {
    let resolve!: (s: PairState) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<PairState>((res, rej) => {
      resolve = res;
      reject = rej;
    });
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
    opts: { force?: boolean; addrs?: readonly HostMultiaddr[] },
  ): Promise<PairState> {
    const key = peerId.toString();
    const slot = this.newSlot(key, 'lookup');
    const attempt = slot.attempt;
    let opened = false;
    void (async () => {
      try {
        if (!opts.force) {
          const stored = await this.store.get(key);
          if (attempt.signal.aborted) return; // taken over by an inbound setup
          if (stored) return this.settle(key, slot, { state: stored });
        }
        slot.phase = 'outbound';
        if (opts.addrs && opts.addrs.length > 0)
          await this.host.peerStore.merge(peerId, { multiaddrs: [...opts.addrs] });
        const signal = AbortSignal.any([attempt.signal, AbortSignal.timeout(this.timeoutMs)]);
        const stream = await this.host.dialProtocol(peerId, PAIR_PROTOCOL, { signal });
        opened = true;
        const state = await this.drive(peerId, stream, signal);
        if (attempt.signal.aborted) return;
        await this.store.put(key, state);
        this.settle(key, slot, { state });
      } catch (e) {
        if (attempt.signal.aborted) return; // taken over, or stopped (already settled)
        if (opened && this.partyWith(peerId) === 2 && !(e instanceof ProtocolError)) {
          // Party 1 refuses our stream when it dialed us at the same moment: wait for its stream.
          slot.phase = 'grace';
          slot.graceTimer = setTimeout(() => {
            if (slot.phase === 'grace') this.settle(key, slot, { error: this.wrap(key, e) });
          }, TAKEOVER_GRACE_MS);
          return;
        }
        this.settle(key, slot, { error: this.wrap(key, e) });
      }
    })();
    return slot.promise;
  }

  private wrap(key: string, e: unknown): PairingError {
    if (e instanceof PairingError) return e;
    if (e instanceof ProtocolError) {
      if (e.attributable) this.bans.add(key, `pair setup: ${e.message}`);
      return new PairingError(key, e.message, e);
    }
    return new PairingError(key, (e as Error)?.message ?? String(e), e);
  }

  private async onInbound(stream: Stream, remote: PeerId): Promise<void> {
    const key = remote.toString();
    if (this.stopped || this.bans.has(key) || !this.acceptSetup(key)) {
      resetStream(stream, 'pair setup refused');
      return;
    }
    let slot = this.slots.get(key);
    if (slot) {
      if (slot.phase === 'inbound' || (slot.phase === 'outbound' && this.partyWith(remote) === 1)) {
        resetStream(stream, 'a pair setup with this peer is already running');
        return;
      }
      // Take over: our own attempt (lookup, outbound as party 2, or waiting) yields to this stream.
      slot.attempt.abort(new Error('taken over by the peer’s setup'));
      clearTimeout(slot.graceTimer);
      slot.attempt = new AbortController();
      slot.phase = 'inbound';
    } else {
      slot = this.newSlot(key, 'inbound');
    }
    const attempt = slot.attempt;
    try {
      const signal = AbortSignal.any([attempt.signal, AbortSignal.timeout(this.timeoutMs)]);
      const state = await this.drive(remote, stream, signal);
      await this.store.put(key, state);
      this.settle(key, slot, { state });
    } catch (e) {
      resetStream(stream, 'pair setup failed');
      if (!attempt.signal.aborted) this.settle(key, slot, { error: this.wrap(key, e) });
    }
  }

  /** Runs this node's side of a pair setup over `stream`; closes the stream on success, resets it on failure. */
  private async drive(peer: PeerId, stream: Stream, signal: AbortSignal): Promise<PairState> {
    const self = this.partyWith(peer);
    const other = self === 1 ? 2 : 1;
    const selfNodeId = nodeIdOf(this.host.peerId);
    const peerNodeId = nodeIdOf(peer);
    const frameId = self === 1 ? pairFrameId(selfNodeId, peerNodeId) : pairFrameId(peerNodeId, selfNodeId);
    const lp: LengthPrefixedStream<Stream> = lpStream(stream, {
      maxDataLength: MAX_PAIR_FRAME_BYTES,
      maxBufferSize: 4 * MAX_PAIR_FRAME_BYTES,
    });
    const send = async (out: readonly Outbound[]) => {
      for (const m of out) {
        const frame = { sessionId: frameId, round: m.round, from: self, payload: m.payload };
        await lp.write(encodeFrame(frame, MAX_PAIR_FRAME_BYTES), { signal });
      }
    };
    try {
      const run = new PairSetupRun({ self, selfNodeId, peerNodeId, suite: this.suite });
      await send(run.start());
      while (!run.done) {
        const f = decodeFrame((await lp.read({ signal })).subarray(), MAX_PAIR_FRAME_BYTES);
        if (!sameSessionId(f.sessionId, frameId) || f.from !== other || f.round < 1) {
          throw new ProtocolError('BAD_MESSAGE', 'pair-setup frame with a wrong id, sender or round', {
            round: run.round,
            culprit: other,
          });
        }
        await send(run.receive({ from: other, round: f.round, payload: f.payload }));
      }
      const state = run.result();
      await stream.close({ signal: AbortSignal.timeout(2_000) }).catch(() => resetStream(stream, 'close failed'));
      return state;
    } catch (e) {
      resetStream(stream, 'pair setup failed');
      if (e instanceof Error && e.name === 'FrameError') {
        throw new ProtocolError('BAD_MESSAGE', e.message, { culprit: other });
      }
      throw e;
    }
  }
}
