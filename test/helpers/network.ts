/**
 * An in-memory network for protocol runs: delivers every outbound message (broadcasts expanded to each other
 * party) through a FIFO queue, optionally through a tamper hook, and reports the first failure with the party
 * that detected it.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { ProtocolError } from '../../protocols/common/errors.js';
import type { Outbound, ProtocolRun } from '../../protocols/common/run.js';

/** One delivered message. */
export interface Envelope {
  from: number;
  to: number;
  round: number;
  payload: Uint8Array;
}

/** What a tamper hook may do with a message: replace its payload, drop it, or deliver it twice. */
export type TamperResult = Uint8Array | 'drop' | 'duplicate' | undefined;

/** Options of {@link runNetwork}. */
export interface NetworkOptions {
  /** Inspect or change each message before delivery; `undefined` delivers it unchanged. */
  tamper?: (env: Envelope) => TamperResult;
  /** Extra messages to inject before delivery starts (from strangers, for example). */
  inject?: Envelope[];
}

/** The outcome of a run: results by party, bytes and messages sent (a broadcast counts once per recipient), transcript hash. */
export interface NetworkResult<R> {
  results: Map<number, R>;
  bytes: number;
  messages: number;
  transcriptHash: Uint8Array;
}

/** A failure seen by party `party`. */
export class NetworkFailure extends Error {
  constructor(
    readonly party: number,
    readonly error: ProtocolError,
  ) {
    super(`party ${party}: ${error.message}`);
  }
}

/** Runs all `runs` (keyed by session index) to completion; throws {@link NetworkFailure} on the first error. */
export function runNetwork<R>(runs: Map<number, ProtocolRun<R>>, opts: NetworkOptions = {}): NetworkResult<R> {
  const queue: Envelope[] = [...(opts.inject ?? [])];
  const ids = [...runs.keys()];
  const transcript: Uint8Array[] = [];
  let bytes = 0;
  let messages = 0;
  const enqueue = (from: number, out: Outbound[]) => {
    for (const m of out) {
      const targets = m.to === 'all' ? ids.filter((p) => p !== from) : [m.to];
      // Broadcasts travel once per peer over the direct streams, so each copy counts.
      for (const to of targets) {
        queue.push({ from, to, round: m.round, payload: m.payload });
        bytes += m.payload.length;
        messages++;
      }
    }
  };
  const call = <T>(party: number, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof Error && e.name === 'ProtocolError') throw new NetworkFailure(party, e as ProtocolError);
      throw e;
    }
  };
  for (const [id, run] of runs)
    enqueue(
      id,
      call(id, () => run.start()),
    );
  while (queue.length > 0) {
    const env = queue.shift() as Envelope;
    const t = opts.tamper?.(env);
    if (t === 'drop') continue;
    const payload = t instanceof Uint8Array ? t : env.payload;
    const run = runs.get(env.to);
    if (!run) continue;
    const len = payload.length;
    transcript.push(
      Uint8Array.of(env.from, env.to, env.round, len >>> 24, (len >>> 16) & 255, (len >>> 8) & 255, len & 255),
      payload,
    );
    const deliver = () =>
      enqueue(
        env.to,
        call(env.to, () => run.receive({ from: env.from, round: env.round, payload })),
      );
    deliver();
    if (t === 'duplicate') deliver();
  }
  const results = new Map<number, R>();
  for (const [id, run] of runs) {
    if (!run.done)
      throw new Error(`party ${id} did not finish (round ${run.round}, awaiting ${run.awaiting.join(',')})`);
    results.set(id, run.result());
  }
  const h = sha256.create();
  for (const t of transcript) h.update(t);
  return { results, bytes, messages, transcriptHash: h.digest() };
}
