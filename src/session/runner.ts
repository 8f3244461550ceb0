/**
 * The session runner: drives one protocol run ({@link ProtocolRun} from protocols/) over libp2p streams.
 *
 * - One stream per peer pair per session on `/mpc/tss/1.0.0`; the lower session index dials, its first frame
 *   is a hello naming the session and its index, and the acceptor's registry routes the stream by session id.
 *   The stream's authenticated peer (noise) fixes the sender's index: a frame whose `from` or session id
 *   disagrees fails the session naming that peer, and streams from peers outside the session are reset.
 * - Outbound messages to `'all'` go, byte-identical, to every peer over the direct streams; the engine echoes
 *   a hash of each round's broadcasts in the next round, so an equivocating sender is caught there.
 * - Inbound frames are fed to the run one at a time, in arrival order; the run buffers later rounds.
 * - Deadlines: a round that makes no progress for `roundTimeoutMs`, or a session that runs past
 *   `totalTimeoutMs`, fails with `TIMEOUT` naming the round and the peers still awaited.
 * - A failed attributable check bans the culprit's peer (no automatic retry with it).
 * - Streams are closed in `finally` (reset when they do not close in time).
 */
import { setMaxListeners } from 'node:events';
import type { Libp2p, PeerId, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils';
import { ProtocolError } from '../../protocols/common/errors.js';
import type { Outbound, ProtocolRun } from '../../protocols/common/run.js';
import type { HostMultiaddr } from '../runtime/host.js';
import { SessionError } from './errors.js';
import {
  decodeFrame,
  encodeFrame,
  type Frame,
  FrameError,
  HELLO_ROUND,
  SESSION_ID_BYTES,
  sameSessionId,
} from './frames.js';
import { type InboundStream, resetStream, SessionRegistry, type SessionSlot } from './registry.js';

export { SessionError, type SessionErrorCode } from './errors.js';
export { SessionRegistry, TSS_PROTOCOL } from './registry.js';

/** A session peer: its peer id, and optionally addresses to dial it at. */
export interface SessionPeerInfo {
  readonly peerId: PeerId | string;
  readonly addrs?: readonly HostMultiaddr[];
}

/** A session peer given as a peer id, a peer id string, or a {@link SessionPeerInfo}. */
export type SessionPeer = PeerId | string | SessionPeerInfo;

/** A frame about to be sent to party `to` (for the test hook). */
export interface OutboundFrame extends Frame {
  readonly to: number;
}

/** Test hook: replace an outbound frame, drop it, or (`undefined`) send it unchanged. Never set in production. */
export type TamperOutbound = (frame: OutboundFrame) => Frame | 'drop' | undefined;

/** Options of {@link runSession}. */
export interface RunSessionOptions<R> {
  /** The node's started host. */
  readonly host: Libp2p;
  /** The host's session registry. @default the one installed on `host`, else one installed with defaults */
  readonly registry?: SessionRegistry;
  /** The session id of the coordinator's record (32 bytes). */
  readonly sessionId: Uint8Array;
  /** This node's session index (1..255). */
  readonly self: number;
  /** Every other party of the session, by session index. */
  readonly peers: ReadonlyMap<number, SessionPeer>;
  /** The protocol run to drive (not started yet). */
  readonly run: ProtocolRun<R>;
  /** Longest time a round may go without progress. */
  readonly roundTimeoutMs: number;
  /** Longest time the whole session may take. */
  readonly totalTimeoutMs: number;
  /** Aborts the session (`ABORTED`). */
  readonly signal?: AbortSignal;
  /** Called when a round completes, with its number and how long it took (metrics). */
  readonly onRound?: (round: number, ms: number) => void;
  /** Test hook applied to each outbound frame (the hello included). */
  readonly tamperOutbound?: TamperOutbound;
}

type Event =
  | { kind: 'frame'; index: number; frame: Frame }
  | { kind: 'eof'; index: number }
  | { kind: 'fail'; error: SessionError }
  | { kind: 'roundTimeout'; gen: number }
  | { kind: 'totalTimeout' }
  | { kind: 'aborted' };

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Sleeps `ms`, or less when `signal` aborts (never rejects). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Names a libp2p read error caused by a frame over the cap. */
function isOversize(e: unknown): boolean {
  const name = (e as { name?: string } | undefined)?.name;
  return (
    name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError' || name === 'InvalidMessageLengthError'
  );
}

/** One peer's stream within a session. */
class Link {
  stream: Stream | undefined;
  lp: LengthPrefixedStream<Stream> | undefined;
  readonly ready = deferred<LengthPrefixedStream<Stream>>();
  writes: Promise<void> = Promise.resolve();
  broken = false;
  eof = false;

  constructor(
    readonly index: number,
    readonly peerId: PeerId,
    readonly addrs: readonly HostMultiaddr[],
  ) {}
}

function toPeer(p: SessionPeer): { peerId: PeerId; addrs: readonly HostMultiaddr[] } {
  if (typeof p === 'string') return { peerId: peerIdFromString(p), addrs: [] };
  if ('peerId' in p && (typeof p.peerId === 'string' || 'toMultihash' in p.peerId)) {
    const info = p as SessionPeerInfo;
    return {
      peerId: typeof info.peerId === 'string' ? peerIdFromString(info.peerId) : info.peerId,
      addrs: info.addrs ?? [],
    };
  }
  return { peerId: p as PeerId, addrs: [] };
}

/** One running session. */
class Session<R> implements SessionSlot {
  private readonly links = new Map<number, Link>();
  private readonly indexOf = new Map<string, number>();
  private readonly queue: Event[] = [];
  private waiter: (() => void) | undefined;
  private readonly end = new AbortController();
  private ended = false;
  private gen = 0;
  private roundTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly maxFrameBytes: number;

  constructor(
    private readonly o: RunSessionOptions<R>,
    private readonly registry: SessionRegistry,
  ) {
    this.maxFrameBytes = registry.maxFrameBytes;
    // Every pending read and write listens on the session's end signal.
    setMaxListeners(Number.POSITIVE_INFINITY, this.end.signal);
    for (const [index, p] of o.peers) {
      const { peerId, addrs } = toPeer(p);
      const id = peerId.toString();
      if (this.indexOf.has(id)) throw new SessionError('REFUSED', `peer ${id} appears twice in the session`);
      this.indexOf.set(id, index);
      this.links.set(index, new Link(index, peerId, addrs));
    }
  }

  /** Routes an inbound stream (from the registry) to its link, or resets it. */
  accept(inb: InboundStream): void {
    if (this.ended) {
      resetStream(inb.stream, 'session over');
      return;
    }
    const index = this.indexOf.get(inb.remotePeer);
    if (index === undefined) {
      resetStream(inb.stream, 'not a party of this session');
      return;
    }
    const link = this.links.get(index) as Link;
    if (inb.hello.from !== index) {
      resetStream(inb.stream, 'wrong sender index');
      this.fail(this.badFrame(index, `hello claims to be from party ${inb.hello.from}`));
      return;
    }
    if (index > this.o.self) {
      // The lower index dials; a stream the other way is not ours to take (our own dial serves this pair).
      resetStream(inb.stream, 'the lower session index dials');
      return;
    }
    if (link.stream) {
      resetStream(inb.stream, 'second stream for this session');
      this.fail(new SessionError('NETWORK', `party ${index} opened a second stream`, { culprits: [index] }));
      return;
    }
    this.attach(link, inb.stream, inb.lp);
  }

  async execute(): Promise<R> {
    const { run, signal } = this.o;
    for (const link of this.links.values()) {
      const why = this.registry.bans.reason(link.peerId.toString());
      if (why !== undefined) {
        throw new SessionError('REFUSED', `party ${link.index} (${link.peerId}) is banned: ${why}`, {
          culprits: [link.index],
        });
      }
    }
    if (signal?.aborted) throw new SessionError('ABORTED', 'aborted before start');
    const release = this.registry.admit(this.o.sessionId, this);
    const onAbort = () => this.push({ kind: 'aborted' });
    signal?.addEventListener('abort', onAbort, { once: true });
    const total = setTimeout(() => this.push({ kind: 'totalTimeout' }), this.o.totalTimeoutMs);
    try {
      for (const link of this.links.values()) if (link.index > this.o.self) void this.dial(link);
      this.armRoundTimer();
      this.dispatch(this.guard(() => run.start()));
      while (!run.done) this.handle(await this.next());
      await this.flush();
      return run.result();
    } catch (e) {
      const err = this.toSessionError(e);
      if (err.attributable) {
        const culprit = err.culprits[0] as number;
        const link = this.links.get(culprit);
        if (link) this.registry.bans.add(link.peerId.toString(), err.message);
      }
      throw err;
    } finally {
      this.ended = true;
      clearTimeout(total);
      clearTimeout(this.roundTimer);
      signal?.removeEventListener('abort', onAbort);
      this.end.abort();
      release();
      await this.closeLinks();
      // the next session with these peers starts on a stream opened now, off its critical path
      for (const link of this.links.values()) {
        if (link.index > this.o.self && !this.registry.bans.has(link.peerId.toString())) {
          this.registry.refillSpare(link.peerId);
        }
      }
    }
  }

  private push(ev: Event): void {
    this.queue.push(ev);
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private fail(error: SessionError): void {
    this.push({ kind: 'fail', error });
  }

  private async next(): Promise<Event> {
    while (this.queue.length === 0) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
    return this.queue.shift() as Event;
  }

  private armRoundTimer(): void {
    clearTimeout(this.roundTimer);
    const gen = ++this.gen;
    this.roundTimer = setTimeout(() => this.push({ kind: 'roundTimeout', gen }), this.o.roundTimeoutMs);
  }

  private describe(indices: readonly number[]): string {
    if (indices.length === 0) return 'nobody';
    return indices.map((i) => `party ${i} (${this.links.get(i)?.peerId.toString() ?? '?'})`).join(', ');
  }

  private timeout(what: string): SessionError {
    const { run } = this.o;
    const awaiting = [...run.awaiting];
    return new SessionError('TIMEOUT', `${what} in round ${run.round}; still awaiting ${this.describe(awaiting)}`, {
      round: run.round,
      culprits: awaiting,
    });
  }

  /** When the current round began (for {@link RunSessionOptions.onRound}). */
  private roundStartedAt = performance.now();

  private badFrame(index: number, why: string): SessionError {
    const round = this.o.run.round;
    const cause = new ProtocolError('BAD_MESSAGE', `from party ${index}: ${why}`, { round, culprit: index });
    return new SessionError('PROTOCOL', cause.message, { round, culprits: [index], cause });
  }

  private handle(ev: Event): void {
    const { run } = this.o;
    switch (ev.kind) {
      case 'fail':
        throw ev.error;
      case 'aborted':
        throw new SessionError('ABORTED', 'aborted by the caller', { round: run.round });
      case 'totalTimeout':
        throw this.timeout(`the session deadline of ${this.o.totalTimeoutMs} ms passed`);
      case 'roundTimeout':
        if (ev.gen === this.gen) throw this.timeout(`no progress for ${this.o.roundTimeoutMs} ms`);
        return;
      case 'eof': {
        const link = this.links.get(ev.index) as Link;
        link.eof = true;
        this.checkEnded();
        return;
      }
      case 'frame': {
        const { index, frame } = ev;
        if (!sameSessionId(frame.sessionId, this.o.sessionId)) throw this.badFrame(index, 'frame of another session');
        if (frame.from !== index) throw this.badFrame(index, `frame claims to be from party ${frame.from}`);
        if (frame.round === HELLO_ROUND) throw this.badFrame(index, 'second hello');
        const before = run.round;
        this.dispatch(this.guard(() => run.receive({ from: index, round: frame.round, payload: frame.payload })));
        if (run.round !== before) {
          const now = performance.now();
          this.o.onRound?.(before, now - this.roundStartedAt);
          this.roundStartedAt = now;
          this.armRoundTimer();
          this.checkEnded();
        }
        return;
      }
    }
  }

  /** Fails fast when a peer whose stream has ended is still awaited (it can send nothing more). */
  private checkEnded(): void {
    const { run } = this.o;
    if (run.done) return;
    for (const i of run.awaiting) {
      if (this.links.get(i)?.eof) {
        throw new SessionError('NETWORK', `the stream of ${this.describe([i])} ended in round ${run.round}`, {
          round: run.round,
          culprits: [i],
        });
      }
    }
  }

  private guard(f: () => Outbound[]): Outbound[] {
    try {
      return f();
    } catch (e) {
      throw this.toSessionError(e);
    }
  }

  private toSessionError(e: unknown): SessionError {
    if (e instanceof SessionError) return e;
    if (e instanceof ProtocolError) {
      return new SessionError('PROTOCOL', e.message, {
        round: e.round,
        culprits: e.culprit === undefined ? [] : [e.culprit],
        cause: e,
      });
    }
    return new SessionError('NETWORK', `unexpected failure: ${(e as Error)?.message ?? String(e)}`, {
      round: this.o.run.round,
      cause: e,
    });
  }

  private dispatch(out: readonly Outbound[]): void {
    const { self, sessionId, tamperOutbound } = this.o;
    for (const m of out) {
      const targets = m.to === 'all' ? [...this.links.keys()] : [m.to];
      for (const to of targets) {
        const link = this.links.get(to);
        if (!link) throw new SessionError('PROTOCOL', `the run addressed party ${to}, which is not a session peer`);
        let frame: Frame = { sessionId, round: m.round, from: self, payload: m.payload };
        const t = tamperOutbound?.({ ...frame, to });
        if (t === 'drop') continue;
        if (t) frame = t;
        this.send(link, encodeFrame(frame, this.maxFrameBytes));
      }
    }
  }

  private send(link: Link, bytes: Uint8Array): void {
    const signal = this.end.signal;
    link.writes = link.writes.then(async () => {
      if (link.broken) return;
      try {
        // A link that never opens leaves this pending: the session's deadlines end the session regardless.
        const lp = await link.ready.promise;
        if (signal.aborted || link.broken) return;
        await lp.write(bytes, { signal });
      } catch (e) {
        link.broken = true;
        if (!signal.aborted) {
          this.fail(
            new SessionError('NETWORK', `sending to ${this.describe([link.index])} failed: ${(e as Error).message}`, {
              round: this.o.run.round,
              culprits: [link.index],
              cause: e,
            }),
          );
        }
      }
    });
  }

  /** Waits until every queued frame has been handed to its stream (bounded by the round deadline). */
  private async flush(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.o.roundTimeoutMs);
    });
    try {
      const r = await Promise.race([Promise.all([...this.links.values()].map((l) => l.writes)), deadline]);
      if (r === 'late') throw this.timeout('delivering the last messages took too long');
      for (const ev of this.queue) if (ev.kind === 'fail') throw ev.error;
    } finally {
      clearTimeout(timer);
    }
  }

  private attach(link: Link, stream: Stream, lp: LengthPrefixedStream<Stream>): void {
    link.stream = stream;
    link.lp = lp;
    link.ready.resolve(lp);
    void this.readLoop(link, stream, lp);
  }

  private async dial(link: Link): Promise<void> {
    const { host, self, sessionId, tamperOutbound } = this.o;
    const signal = this.end.signal;
    // a peer store write costs ~1 ms per session; a connected peer's addresses are known already
    if (link.addrs.length > 0 && host.getConnections(link.peerId).length === 0) {
      try {
        await host.peerStore.merge(link.peerId, { multiaddrs: [...link.addrs] });
      } catch {
        // dialing below reports the failure
      }
    }
    let delay = 100;
    let stream: Stream | undefined = await this.registry.takeSpare(link.peerId);
    while (!signal.aborted && !stream) {
      try {
        stream = await host.dialProtocol(link.peerId, this.registry.protocol, {
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.o.roundTimeoutMs)]),
          // the hello frame goes out with the protocol name: no round trip before the first byte
          negotiateFully: false,
        });
      } catch {
        if (signal.aborted) return;
        // Peer not up yet, or not reachable: retry until the session's deadlines end it.
        await sleep(delay, signal);
        delay = Math.min(delay * 2, 1000);
      }
    }
    if (!stream) return;
    if (signal.aborted) {
      resetStream(stream, 'session over');
      return;
    }
    // Once the stream is open, a failure is the peer refusing it (or the link breaking): no retry.
    try {
      const lp = lpStream(stream, this.registry.lpOptions());
      let hello: Frame = { sessionId, round: HELLO_ROUND, from: self, payload: new Uint8Array(0) };
      const t = tamperOutbound?.({ ...hello, to: link.index });
      if (t && t !== 'drop') hello = t;
      await lp.write(encodeFrame(hello, this.maxFrameBytes), { signal });
      this.attach(link, stream, lp);
    } catch (e) {
      resetStream(stream, 'hello failed');
      if (signal.aborted) return;
      this.fail(
        new SessionError(
          'NETWORK',
          `opening the stream to ${this.describe([link.index])} failed: ${(e as Error).message}`,
          {
            round: this.o.run.round,
            culprits: [link.index],
            cause: e,
          },
        ),
      );
    }
  }

  private async readLoop(link: Link, stream: Stream, lp: LengthPrefixedStream<Stream>): Promise<void> {
    const signal = this.end.signal;
    while (!signal.aborted) {
      let bytes: Uint8Array;
      try {
        bytes = (await lp.read({ signal })).subarray();
      } catch (e) {
        if (signal.aborted) return;
        if (isOversize(e)) {
          this.fail(this.badFrame(link.index, `frame over the ${this.maxFrameBytes}-byte cap`));
        } else if (
          stream.remoteWriteStatus !== 'writable' &&
          stream.status !== 'reset' &&
          stream.status !== 'aborted'
        ) {
          this.push({ kind: 'eof', index: link.index });
        } else {
          this.fail(
            new SessionError('NETWORK', `the stream of ${this.describe([link.index])} broke: ${(e as Error).message}`, {
              round: this.o.run.round,
              culprits: [link.index],
              cause: e,
            }),
          );
        }
        return;
      }
      let frame: Frame;
      try {
        frame = decodeFrame(bytes, this.maxFrameBytes);
      } catch (e) {
        this.fail(this.badFrame(link.index, e instanceof FrameError ? e.message : String(e)));
        return;
      }
      this.push({ kind: 'frame', index: link.index, frame });
    }
  }

  /**
   * Closes our half of every stream, on failure too: a peer then sees the end of our stream and fails fast only
   * if it still awaits us, instead of blaming us for a failure that is someone else's (a timeout on another
   * peer, say). A stream that does not close in time, or whose peer never closes its half, is reset.
   */
  private async closeLinks(): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const link of this.links.values()) {
      const stream = link.stream;
      if (!stream) continue;
      closing.push(
        stream
          .close({ signal: AbortSignal.timeout(2_000) })
          .catch(() => resetStream(stream, 'close failed'))
          .then(() => {
            if (stream.status === 'closed') return;
            const t = setTimeout(() => {
              if (stream.status !== 'closed') resetStream(stream, 'peer did not close');
            }, 10_000);
            t.unref?.();
          }),
      );
    }
    await Promise.all(closing);
  }
}

function validate<R>(o: RunSessionOptions<R>): void {
  const bad = (m: string) => new SessionError('REFUSED', m);
  if (!(o.sessionId instanceof Uint8Array) || o.sessionId.length !== SESSION_ID_BYTES)
    throw bad(`sessionId must be ${SESSION_ID_BYTES} bytes`);
  if (!Number.isInteger(o.self) || o.self < 1 || o.self > 255)
    throw bad(`invalid self index ${o.self}; must be between 1 and 255`);
  if (o.peers.size === 0) throw bad('a session needs at least one peer');
  for (const i of o.peers.keys()) {
    if (!Number.isInteger(i) || i < 1 || i > 255) throw bad(`invalid peer index ${i}; must be between 1 and 255`);
    if (i === o.self) throw bad(`peer index ${i} is this node's own index`);
  }
  for (const [name, v] of [
    ['roundTimeoutMs', o.roundTimeoutMs],
    ['totalTimeoutMs', o.totalTimeoutMs],
  ] as const) {
    if (!Number.isFinite(v) || v <= 0) throw bad(`invalid ${name} ${v}; must be a positive number of milliseconds`);
  }
}

/**
 * Runs `run` with the session's peers over `/mpc/tss/1.0.0` and resolves with its result. Rejects with a
 * {@link SessionError}: `REFUSED` (node at its session limit, duplicate id, banned peer, bad options),
 * `TIMEOUT` (round and awaited peers named), `PROTOCOL` (the culprit named; an attributable failure bans its
 * peer), `NETWORK` (a peer's stream broke or ended early) or `ABORTED`.
 */
export async function runSession<R>(o: RunSessionOptions<R>): Promise<R> {
  validate(o);
  const registry = o.registry ?? SessionRegistry.of(o.host) ?? (await SessionRegistry.install(o.host));
  return new Session(o, registry).execute();
}
