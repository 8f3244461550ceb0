/**
 * The session runner: drives one protocol run ({@link ProtocolRun} from protocols/) over libp2p streams — keygen
 * and signing on `/mpc/tss/1.0.0`, pair setup on `/mpc/pair/1.0.0` (the registry names the protocol).
 *
 * - One stream per peer pair per session (links.ts); the lower session index dials, its first frame is a hello
 *   naming the session and its index, and the acceptor's registry routes the stream by session id. The
 *   stream's authenticated peer (noise) fixes the sender's index: a frame whose `from` or session id disagrees
 *   fails the session naming that peer, and streams from peers outside the session are reset.
 * - Outbound messages to `'all'` go, byte-identical, to every peer over the direct streams; the engine echoes
 *   a hash of each round's broadcasts in the next round, so an equivocating sender is caught there.
 * - Inbound frames are fed to the run one at a time, in arrival order; the run buffers later rounds.
 * - Deadlines: a round that makes no progress for `roundTimeoutMs`, or a session that runs past
 *   `totalTimeoutMs`, fails with `TIMEOUT` naming the round and the peers still awaited.
 * - A failed attributable check bans the culprit's peer (no automatic retry with it).
 * - Before a failure is returned or a stream closes, `beforeFailure` runs (a burn made durable first).
 * - Streams are closed in `finally` (reset when they do not close in time).
 */
import type { Libp2p } from '@libp2p/interface';
import type { Outbound, ProtocolRun } from '../../protocols/common/run.js';
import { SessionError, toSessionError } from './errors.js';
import { HELLO_ROUND, HELLO_TOKEN_BYTES, SESSION_ID_BYTES, sameSessionId } from './frames.js';
import { badFrame, type LinkEvent, SessionLinks, type SessionPeer, type TamperOutbound } from './links.js';
import { type InboundStream, SessionRegistry, type SessionSlot } from './registry.js';

export { SessionError, type SessionErrorCode } from './errors.js';
export type { OutboundFrame, SessionPeer, SessionPeerInfo, TamperOutbound } from './links.js';
export { SessionRegistry, TSS_PROTOCOL } from './registry.js';

/** Options of {@link runSession}. */
export interface RunSessionOptions<R> {
  /** The node's started host. */
  readonly host: Libp2p;
  /** The registry of the session's protocol. @default the host's `/mpc/tss/1.0.0` one, installed if needed */
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
  /**
   * By peer index, a 32-byte value this node and that peer must hold alike — in a signing, the psid of their
   * pair state. The dialer sends its value in the hello and the acceptor compares it with its own: a mismatch
   * (one side re-paired while the other still holds the old state) fails the session with `STATE_MISMATCH`
   * before any protocol message of that link is exchanged, where running on would fail an OT check and burn
   * a pair state that nobody attacked.
   */
  readonly helloTokens?: ReadonlyMap<number, Uint8Array>;
  /**
   * Awaited when the session fails, before its streams close and before the failure is returned: whatever
   * must be durable before anyone can learn of the failure (a burnt pair state) is written here.
   */
  readonly beforeFailure?: () => Promise<void>;
  /** Test hook applied to each outbound frame (the hello included). */
  readonly tamperOutbound?: TamperOutbound;
}

type Event = LinkEvent | { kind: 'roundTimeout'; gen: number } | { kind: 'totalTimeout' } | { kind: 'aborted' };

/** One running session: an event loop over the run, its deadlines and its links. */
class Session<R> implements SessionSlot {
  private readonly links: SessionLinks;
  private readonly queue: Event[] = [];
  private waiter: (() => void) | undefined;
  private gen = 0;
  private roundTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the current round began (for {@link RunSessionOptions.onRound}). */
  private roundStartedAt = performance.now();

  constructor(
    private readonly o: RunSessionOptions<R>,
    private readonly registry: SessionRegistry,
  ) {
    this.links = new SessionLinks({
      host: o.host,
      registry,
      sessionId: o.sessionId,
      self: o.self,
      peers: o.peers,
      dialTimeoutMs: o.roundTimeoutMs,
      ...(o.helloTokens ? { helloTokens: o.helloTokens } : {}),
      ...(o.tamperOutbound ? { tamperOutbound: o.tamperOutbound } : {}),
      round: () => o.run.round,
      emit: (ev) => this.push(ev),
    });
  }

  /** Takes an inbound stream the registry routed here. */
  accept(inb: InboundStream): void {
    this.links.accept(inb);
  }

  async execute(): Promise<R> {
    const { run, signal } = this.o;
    for (const index of this.links.indices) {
      const peer = this.links.peerOf(index)?.toString() ?? '';
      const why = this.registry.bans.reason(peer);
      if (why !== undefined) {
        throw new SessionError('BANNED', `party ${index} (${peer}) is banned: ${why}`, { culprits: [index] });
      }
    }
    if (signal?.aborted) throw new SessionError('ABORTED', 'aborted before start');
    const release = this.registry.admit(this.o.sessionId, this);
    const onAbort = () => this.push({ kind: 'aborted' });
    signal?.addEventListener('abort', onAbort, { once: true });
    const total = setTimeout(() => this.push({ kind: 'totalTimeout' }), this.o.totalTimeoutMs);
    try {
      this.links.dialUp();
      this.armRoundTimer();
      this.dispatch(this.guard(() => run.start()));
      while (!run.done) this.handle(await this.next());
      await this.flush();
      return run.result();
    } catch (e) {
      const err = this.toSessionError(e);
      if (err.attributable) {
        const peer = this.links.peerOf(err.culprits[0] as number);
        if (peer) this.registry.bans.add(peer.toString(), err.message);
      }
      await this.o.beforeFailure?.();
      throw err;
    } finally {
      clearTimeout(total);
      clearTimeout(this.roundTimer);
      signal?.removeEventListener('abort', onAbort);
      release();
      await this.links.close();
    }
  }

  private push(ev: Event): void {
    this.queue.push(ev);
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
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

  private timeout(what: string): SessionError {
    const { run } = this.o;
    const awaiting = [...run.awaiting];
    const still = this.links.describe(awaiting);
    return new SessionError('TIMEOUT', `${what} in round ${run.round}; still awaiting ${still}`, {
      round: run.round,
      culprits: awaiting,
    });
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
      case 'eof':
        this.links.markEnded(ev.index);
        this.checkEnded();
        return;
      case 'frame': {
        const { index, frame } = ev;
        if (!sameSessionId(frame.sessionId, this.o.sessionId)) {
          throw badFrame(index, 'frame of another session', run.round);
        }
        if (frame.from !== index) throw badFrame(index, `frame claims to be from party ${frame.from}`, run.round);
        if (frame.round === HELLO_ROUND) throw badFrame(index, 'second hello', run.round);
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
      if (this.links.ended(i)) {
        throw new SessionError('NETWORK', `the stream of ${this.links.describe([i])} ended in round ${run.round}`, {
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
    return toSessionError(e, this.o.run.round);
  }

  private dispatch(out: readonly Outbound[]): void {
    const { self, sessionId } = this.o;
    for (const m of out) {
      for (const to of m.to === 'all' ? this.links.indices : [m.to]) {
        this.links.send(to, { sessionId, round: m.round, from: self, payload: m.payload });
      }
    }
  }

  /** Waits until every queued frame has been handed to its stream (bounded by the round deadline). */
  private async flush(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.o.roundTimeoutMs);
    });
    try {
      const r = await Promise.race([this.links.flushed(), deadline]);
      if (r === 'late') throw this.timeout('delivering the last messages took too long');
      for (const ev of this.queue) if (ev.kind === 'fail') throw ev.error;
    } finally {
      clearTimeout(timer);
    }
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
  for (const [i, token] of o.helloTokens ?? []) {
    if (!o.peers.has(i)) throw bad(`a hello token for party ${i}, which is not a session peer`);
    if (token.length !== HELLO_TOKEN_BYTES) throw bad(`hello tokens must be ${HELLO_TOKEN_BYTES} bytes`);
  }
  for (const [name, v] of [
    ['roundTimeoutMs', o.roundTimeoutMs],
    ['totalTimeoutMs', o.totalTimeoutMs],
  ] as const) {
    if (!Number.isFinite(v) || v <= 0) throw bad(`invalid ${name} ${v}; must be a positive number of milliseconds`);
  }
}

/**
 * Runs `run` with the session's peers and resolves with its result. Rejects with a {@link SessionError}:
 * `REFUSED` (node at its session limit, duplicate id, bad options), `BANNED` (a peer is banned here), `TIMEOUT` (round and awaited
 * peers named), `PROTOCOL` (the culprit named; an attributable failure bans its peer), `NETWORK` (a peer's
 * stream broke or ended early) or `ABORTED`.
 */
export async function runSession<R>(o: RunSessionOptions<R>): Promise<R> {
  validate(o);
  const registry = o.registry ?? SessionRegistry.of(o.host) ?? (await SessionRegistry.install(o.host));
  return new Session(o, registry).execute();
}
