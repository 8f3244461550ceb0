/**
 * A small stand-in coordinator for party-node tests: a real libp2p host with its own Ed25519 key that speaks
 * the control protocol of protocols/control — it takes registrations and signed results, and announces
 * records and decisions it signs (the real coordinator's rendezvous is tested in party-gossip and test/e2e/).
 */
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { PeerId, PrivateKey } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Ack, decodeAck, encodeAck } from '../../protocols/control/ack.js';
import { type Decision, decodeRegister, type Register, type SessionResult } from '../../protocols/control/control.js';
import { signedDecisions } from '../../protocols/control/decision.js';
import { type SessionRecord, signedRecords } from '../../protocols/control/record.js';
import { signedResults } from '../../protocols/control/result.js';
import { MessageType } from '../../protocols/control/wire.js';
import { controlRequest, serveControl } from '../../src/runtime/control-transport.js';
import { createHost, type Host } from '../../src/runtime/host.js';

/** The test coordinator. */
export class TestCoordinator {
  readonly registered = new Map<string, Register>();
  readonly results: { from: string; result: SessionResult }[] = [];
  private waiters: (() => void)[] = [];

  private constructor(
    readonly host: Host,
    readonly key: PrivateKey,
    readonly allowed: Set<string>,
  ) {}

  /** Starts on 127.0.0.1 admitting only the peers later passed to {@link allow}. */
  static async start(): Promise<TestCoordinator> {
    const key = await generateKeyPair('Ed25519');
    const allowed = new Set<string>();
    const host = await createHost({ privateKey: key, allowedPeers: allowed, gossip: true });
    const c = new TestCoordinator(host, key, allowed);
    await serveControl(host, (peer, req) => c.onRequest(peer, req));
    return c;
  }

  /** `/ip4/127.0.0.1/tcp/<port>/p2p/<id>`, what parties are pointed at. */
  get multiaddr(): string {
    return this.host.getMultiaddrs()[0]!.toString();
  }

  /** Admits a party's peer id. */
  allow(peerId: string): void {
    this.allowed.add(peerId);
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Keeps a signed result from `peer` (reported, or carried in an answer). */
  private take(peer: PeerId, bytes: Uint8Array): void {
    const signed = signedResults.decode(bytes);
    const result = signedResults.verify(signed.bytes, signed.signature, peer.toMultihash().bytes);
    this.results.push({ from: peer.toString(), result });
    this.notify();
  }

  /** Sends one control request to `peer`; a result carried in the answer (an online share) is kept as reported. */
  private async ask(peer: PeerId, msg: Uint8Array): Promise<Ack> {
    const ack = decodeAck(await controlRequest(this.host, peer, msg));
    if (ack.ok && ack.payload) this.take(peer, ack.payload);
    return ack;
  }

  private async onRequest(peer: PeerId, req: Uint8Array): Promise<Uint8Array> {
    if (req[0] === MessageType.REGISTER) {
      this.registered.set(peer.toString(), decodeRegister(req));
      this.notify();
      return encodeAck({ ok: true });
    }
    if (req[0] === MessageType.RESULT) {
      this.take(peer, req);
      return encodeAck({ ok: true });
    }
    return encodeAck({ ok: false, code: 'BAD_MESSAGE', message: 'unexpected request' });
  }

  /** Resolves when `cond()` holds (checked after every request), or rejects after `timeoutMs`. */
  async until(cond: () => boolean, timeoutMs = 30_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  /** The results reported for `sessionId`. */
  resultsFor(sessionId: Uint8Array): { from: string; result: SessionResult }[] {
    return this.results.filter((r) => Buffer.from(r.result.sessionId).equals(sessionId));
  }

  private seed(): Uint8Array {
    return this.key.raw.subarray(0, 32);
  }

  /** Signs `record` (or sends it with `signWith`'s signature, for forgery tests) to every named party (or to the indices in `only`). */
  async announce(record: SessionRecord, signWith?: PrivateKey, only?: readonly number[]): Promise<Ack[]> {
    const signed = signedRecords.sign(record, (signWith ?? this.key).raw.subarray(0, 32));
    const msg = signedRecords.encode(signed);
    return Promise.all(
      record.parties
        .filter((p) => only === undefined || only.includes(p.index))
        .map(async (p) => {
          return this.ask(this.peerOf(p.peerId), msg);
        }),
    );
  }

  /** Sends a signed commit/abort to `peers`. */
  async decide(peers: string[], d: Decision): Promise<Ack[]> {
    const msg = signedDecisions.encode(signedDecisions.sign(d, this.seed()));
    return Promise.all(peers.map((p) => this.ask(peerIdFromString(p), msg)));
  }

  private peerOf(bytes: Uint8Array): PeerId {
    for (const id of this.registered.keys()) {
      const p = peerIdFromString(id);
      if (Buffer.from(p.toMultihash().bytes).equals(bytes)) return p;
    }
    throw new Error('announce: a party that never registered');
  }

  /** Stops the host. */
  async stop(): Promise<void> {
    await this.host.stop();
  }
}
