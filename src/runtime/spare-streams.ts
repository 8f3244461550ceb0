/**
 * Spare streams: one stream per peer opened ahead of need, so that the next exchange with that peer finds one
 * ready. Opening a libp2p stream costs a few milliseconds of bookkeeping on a busy node, on the critical path of
 * a session (the hello that starts it; control requests use long-lived channels, control-transport.ts). The serving side drops a stream
 * that stays silent past its own deadline, so a spare is used only while younger than `maxAgeMs`, which the
 * owner sets inside that deadline.
 */
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface';

/** Options of {@link SpareStreams}. */
export interface SpareStreamsInit {
  /** The protocol the spares are opened for. */
  readonly protocol: string;
  /** A spare older than this is discarded instead of used (keep it inside the serving side's deadline). */
  readonly maxAgeMs: number;
  /** Deadline of opening a spare. */
  readonly openTimeoutMs: number;
  /** Dial a peer that has no open connection (true), or open spares only over an open connection (false). */
  readonly dial: boolean;
}

interface Spare {
  stream: Stream;
  born: number;
}

/**
 * The open connection to `peer` a new stream should use: a direct one when there is one, else the relayed one
 * with the most data left before the relay's limit.
 */
export function bestConnection(host: Libp2p, peer: PeerId): Connection | undefined {
  let best: Connection | undefined;
  for (const c of host.getConnections(peer)) {
    if (c.status !== 'open') continue;
    if (c.limits === undefined) return c;
    if (best === undefined || (c.limits.bytes ?? 0n) > (best.limits?.bytes ?? 0n)) best = c;
  }
  return best;
}

/**
 * Opens a stream for `protocol` to `peer`, over an open connection when there is one, else by dialling. The
 * request goes out with the protocol name (multistream-select not waited for): one round trip per exchange
 * instead of two.
 * Our protocols run over relayed (limited) connections too: a party behind NAT is reached only through the
 * coordinator's relay, whose per-connection limits are sized for it (coordinator/p2p/relay.ts).
 */
export function openStream(host: Libp2p, peer: PeerId, protocol: string, signal: AbortSignal): Promise<Stream> {
  const open = bestConnection(host, peer);
  const options = { signal, negotiateFully: false, runOnLimitedConnection: true };
  return open ? open.newStream(protocol, options) : host.dialProtocol(peer, protocol, options);
}

/** At most one spare stream per peer for one protocol of one host. */
export class SpareStreams {
  private readonly spares = new Map<string, Promise<Spare | undefined>>();
  private stopped = false;

  constructor(
    private readonly host: Libp2p,
    private readonly init: SpareStreamsInit,
  ) {}

  /**
   * Opens a spare to `peer` unless one is already there or being opened: under concurrent exchanges the others
   * open their own streams, and a second spare would only sit on the peer's stream limit until its deadline.
   * Call it after an exchange, not before: opening the next stream would compete with the exchange's work.
   */
  refill(peer: PeerId): void {
    const key = peer.toString();
    if (this.stopped || this.spares.has(key)) return;
    const signal = AbortSignal.timeout(this.init.openTimeoutMs);
    let opening: Promise<Stream>;
    if (this.init.dial) {
      opening = openStream(this.host, peer, this.init.protocol, signal);
    } else {
      const open = bestConnection(this.host, peer);
      if (!open) return;
      opening = open.newStream(this.init.protocol, { signal, negotiateFully: false, runOnLimitedConnection: true });
    }
    this.spares.set(
      key,
      opening.then(
        (stream) => ({ stream, born: Date.now() }),
        () => undefined,
      ),
    );
  }

  /** Takes the spare to `peer` when it is still open and young enough; a stale one is aborted. */
  async take(peer: PeerId): Promise<Stream | undefined> {
    const key = peer.toString();
    const pending = this.spares.get(key);
    if (!pending) return undefined;
    this.spares.delete(key);
    const spare = await pending;
    if (!spare) return undefined;
    if (Date.now() - spare.born > this.init.maxAgeMs || spare.stream.status !== 'open') {
      spare.stream.abort(new Error('stale spare stream'));
      return undefined;
    }
    return spare.stream;
  }

  /** Aborts every spare and opens no more. */
  stop(): void {
    this.stopped = true;
    for (const pending of this.spares.values()) void pending.then((s) => s?.stream.abort(new Error('node stopping')));
    this.spares.clear();
  }
}
