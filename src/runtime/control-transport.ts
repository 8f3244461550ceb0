/**
 * Request/response between a party and the coordinator on `/mpc/control/1.0.0`: one length-prefixed request
 * frame, one length-prefixed response frame, then the stream closes. The bytes are the control messages of
 * protocols/control/ (register, join, announce, result, decision); this file only moves them, with a deadline
 * and a size cap on every frame. Both sides use it: the party node and the coordinator.
 */
import type { Libp2p, PeerId, Stream } from '@libp2p/interface';
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils';
import { openStream, SpareStreams } from './spare-streams.js';

/** The control protocol id. */
export const CONTROL_PROTOCOL = '/mpc/control/1.0.0';
/** Largest control frame (a session record names at most 16 parties with 8 addresses each). */
export const MAX_CONTROL_FRAME_BYTES = 64 * 1024;
/** Deadline of one request/response exchange. */
export const DEFAULT_CONTROL_TIMEOUT_MS = 10_000;
/**
 * A spare control stream (see spare-streams.ts) is used only while younger than this, safely inside the serving
 * side's {@link DEFAULT_CONTROL_TIMEOUT_MS} (which starts later than our clock), so it is never one the peer
 * has dropped.
 */
export const SPARE_MAX_AGE_MS = 8_000;

/** Answers one control request from the authenticated `peer`; throwing resets the stream. */
export type ControlHandler = (peer: PeerId, request: Uint8Array) => Promise<Uint8Array>;

function framed(stream: Stream): LengthPrefixedStream<Stream> {
  return lpStream(stream, { maxDataLength: MAX_CONTROL_FRAME_BYTES, maxBufferSize: 2 * MAX_CONTROL_FRAME_BYTES });
}

/** Serves control requests on `host` with `handler`. */
export async function serveControl(
  host: Libp2p,
  handler: ControlHandler,
  timeoutMs = DEFAULT_CONTROL_TIMEOUT_MS,
): Promise<void> {
  await host.handle(CONTROL_PROTOCOL, async (stream, connection) => {
    const signal = AbortSignal.timeout(timeoutMs);
    const lp = framed(stream);
    try {
      const request = (await lp.read({ signal })).subarray();
      const response = await handler(connection.remotePeer, request);
      await lp.write(response, { signal });
      await stream.close({ signal });
    } catch {
      stream.abort(new Error('control request failed'));
    }
  });
}

const spares = new WeakMap<Libp2p, SpareStreams>();

function sparesOf(host: Libp2p): SpareStreams {
  let s = spares.get(host);
  if (!s) {
    s = new SpareStreams(host, {
      protocol: CONTROL_PROTOCOL,
      maxAgeMs: SPARE_MAX_AGE_MS,
      openTimeoutMs: SPARE_MAX_AGE_MS + DEFAULT_CONTROL_TIMEOUT_MS,
      dial: true,
    });
    spares.set(host, s);
  }
  return s;
}

/** Sends one control request to `peer` and returns its response; throws on timeout or a reset stream. */
export async function controlRequest(
  host: Libp2p,
  peer: PeerId,
  request: Uint8Array,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<Uint8Array> {
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_CONTROL_TIMEOUT_MS);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const pool = sparesOf(host);
  const stream = (await pool.take(peer)) ?? (await openStream(host, peer, CONTROL_PROTOCOL, signal));
  const lp = framed(stream);
  try {
    await lp.write(request, { signal });
    const response = (await lp.read({ signal })).subarray();
    await stream.close({ signal }).catch(() => stream.abort(new Error('close failed')));
    return response;
  } catch (e) {
    stream.abort(e instanceof Error ? e : new Error(String(e)));
    throw e;
  } finally {
    pool.refill(peer);
  }
}
