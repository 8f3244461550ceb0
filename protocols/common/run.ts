/**
 * The shape of every protocol run, and a base class that does the bookkeeping all of them share: it buffers
 * messages of later rounds, rejects duplicates, strangers and stale rounds, hands a round to the protocol
 * only when every expected message of it has arrived, and closes the run for good after the first failure
 * (a failed check is never retried).
 */
import { Reader } from './codec.js';
import { DecodeError, ProtocolError, type ProtocolErrorCode } from './errors.js';

/** A message a run wants sent: to one party (session index) or to every other party. */
export interface Outbound {
  readonly to: number | 'all';
  readonly round: number;
  readonly payload: Uint8Array;
}

/** A message delivered to a run, with the authenticated session index of its sender. */
export interface Inbound {
  readonly from: number;
  readonly round: number;
  readonly payload: Uint8Array;
}

/** A protocol run: consumes inbound messages, returns outbound ones, never does I/O. */
export interface ProtocolRun<Result> {
  /** Starts the run and returns its first-round messages. Call once. */
  start(): Outbound[];
  /** Takes one message; returns the messages it makes ready. Throws {@link ProtocolError}. */
  receive(msg: Inbound): Outbound[];
  /** True once the result is available. */
  readonly done: boolean;
  /** The round whose messages the run is collecting (0 before start). */
  readonly round: number;
  /** Session indices whose message for the current round has not arrived yet. */
  readonly awaiting: readonly number[];
  /** The result; throws unless `done`. */
  result(): Result;
}

/** Base class of round-based runs; subclasses implement `firstRound` and `onRound` and call `finish`. */
export abstract class RoundRun<Result> implements ProtocolRun<Result> {
  private current = 0;
  private closed = false;
  private output: { value: Result } | undefined;
  private readonly inbox = new Map<number, Map<number, Uint8Array>>();
  /** Every (round, sender) ever accepted, so a duplicate is named as such even after its round is over. */
  private readonly seen = new Set<string>();
  /** Every other party of the session. */
  protected readonly others: readonly number[];

  /**
   * @param self this party's session index
   * @param parties every party of the session (including `self`)
   * @param rounds how many rounds of inbound messages the run has
   */
  protected constructor(
    protected readonly self: number,
    protected readonly parties: readonly number[],
    private readonly rounds: number,
  ) {
    this.others = parties.filter((p) => p !== self);
  }

  /** Returns the first round's messages. */
  protected abstract firstRound(): Outbound[];
  /** Handles one complete round (`msgs` maps sender to payload) and returns the next round's messages. */
  protected abstract onRound(round: number, msgs: ReadonlyMap<number, Uint8Array>): Outbound[];
  /** The senders whose message round `round` waits for (default: every other party). */
  protected expectedFrom(_round: number): readonly number[] {
    return this.others;
  }

  get done(): boolean {
    return this.output !== undefined;
  }
  get round(): number {
    return this.current;
  }
  get awaiting(): readonly number[] {
    if (this.done || this.current === 0) return [];
    const got = this.inbox.get(this.current);
    return this.expectedFrom(this.current).filter((p) => !got?.has(p));
  }

  result(): Result {
    if (!this.output) throw new ProtocolError('RUN_CLOSED', 'the run has no result yet');
    return this.output.value;
  }

  start(): Outbound[] {
    if (this.current !== 0 || this.closed) throw new ProtocolError('RUN_CLOSED', 'start() may be called once');
    this.current = 1;
    return this.guard(() => [...this.firstRound(), ...this.drain()]);
  }

  receive(msg: Inbound): Outbound[] {
    if (this.closed || this.done) throw new ProtocolError('RUN_CLOSED', 'the run has ended', { round: this.current });
    const { from, round } = msg;
    if (!Number.isInteger(round) || round < 1 || round > this.rounds) {
      this.closed = true;
      throw new ProtocolError('UNEXPECTED_ROUND', `no round ${round} in this protocol`, {
        round: this.current,
        culprit: from,
      });
    }
    if (from === this.self || !this.parties.includes(from)) {
      // A stranger cannot be named as a session party, but the transport's identity is reported as culprit.
      throw new ProtocolError('NOT_A_MEMBER', `party ${from} is not in this session`, { round, culprit: from });
    }
    if (!this.expectedFrom(round).includes(from)) {
      this.closed = true;
      throw new ProtocolError('UNEXPECTED_ROUND', `party ${from} sends nothing in round ${round}`, {
        round,
        culprit: from,
      });
    }
    const key = `${round}:${from}`;
    if (this.seen.has(key)) {
      this.closed = true;
      throw new ProtocolError('DUPLICATE_MESSAGE', `second round-${round} message from party ${from}`, {
        round,
        culprit: from,
      });
    }
    if (this.current > 0 && round < this.current) {
      this.closed = true;
      throw new ProtocolError('UNEXPECTED_ROUND', `round ${round} is over`, { round, culprit: from });
    }
    this.seen.add(key);
    let box = this.inbox.get(round);
    if (!box) {
      box = new Map();
      this.inbox.set(round, box);
    }
    box.set(from, msg.payload);
    if (this.current === 0) return [];
    return this.guard(() => this.drain());
  }

  /** Hands every complete round, in order, to `onRound`. */
  private drain(): Outbound[] {
    const out: Outbound[] = [];
    while (!this.done && this.current <= this.rounds) {
      const box = this.inbox.get(this.current);
      const expected = this.expectedFrom(this.current);
      if (expected.length > 0 && (!box || expected.some((p) => !box.has(p)))) break;
      const round = this.current;
      out.push(...this.onRound(round, box ?? new Map()));
      this.inbox.delete(round);
      this.current = round + 1;
    }
    return out;
  }

  private guard(f: () => Outbound[]): Outbound[] {
    try {
      return f();
    } catch (e) {
      this.closed = true;
      throw e;
    }
  }

  /** Records the result; the run is done. */
  protected finish(value: Result): void {
    this.output = { value };
  }

  /** Throws a {@link ProtocolError} for the round being handled. */
  protected fail(code: ProtocolErrorCode, message: string, culprit?: number): never {
    throw new ProtocolError(
      code,
      message,
      culprit === undefined ? { round: this.current } : { round: this.current, culprit },
    );
  }

  /**
   * Throws a disputed {@link ProtocolError}: `accused`'s private message failed a check only this party can
   * make, so the error names both and is not attributable.
   */
  protected failDisputed(code: ProtocolErrorCode, message: string, accused: number): never {
    throw new ProtocolError(code, message, { round: this.current, dispute: { accuser: this.self, accused } });
  }

  /** Decodes `payload` from `from` with `read` (which must consume it all); malformed input is `BAD_MESSAGE`. */
  protected decode<T>(from: number, payload: Uint8Array, read: (r: Reader) => T): T {
    try {
      const r = new Reader(payload);
      const v = read(r);
      r.end();
      return v;
    } catch (e) {
      if (e instanceof DecodeError) this.fail('BAD_MESSAGE', `from party ${from}: ${e.message}`, from);
      throw e;
    }
  }
}
