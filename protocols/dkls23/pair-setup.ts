/**
 * Pair setup: the base OTs of one pair of nodes, both orientations at once, two messages each way
 * (docs/protocol.md, "Pair setup"). The two nodes are session indices 1 and 2.
 *
 * Round 1 (each to the other): 32 fresh random bytes and this node's base-OT sender point E.
 *   psid = H("pair-sid", nodeId of party 1, nodeId of party 2, nonce_1, nonce_2).
 * Round 2 (each to the other): this node's receiver points (Y_0, Y_1) × 256, made after psid is known, for the
 *   orientation in which the peer is the sender (this node is the future Alice and chose Δ).
 * After round 2 each node holds both orientations and finishes with a {@link PairState}.
 *
 * Each orientation's base OT runs under its own session id, H("base-ot-sid", psid, senderId, receiverId), so
 * nothing of one orientation can be replayed into the other.
 */
import { equalBytes } from '../common/bytes.js';
import { encodePoint, POINT_BYTES } from '../common/curve.js';
import { assertArg, ProtocolError } from '../common/errors.js';
import { tag, taggedHash } from '../common/hash.js';
import { type Outbound, RoundRun } from '../common/run.js';
import type { Suite } from '../common/suite.js';
import {
  decodeReceiverMessage,
  type OtSender,
  orientationSid,
  otReceive,
  otSend,
  otSenderSetup,
  RECEIVER_MESSAGE_BYTES,
} from '../ot/base-ot.js';
import { BASE_OT_COUNT, decodePairState, encodePairState, MAX_NODE_ID_BYTES, type PairState } from './pair-state.js';

/** Bytes of each node's fresh randomness in round 1. */
export const PAIR_NONCE_BYTES = 32;
/** Bytes of a round-1 message: nonce ‖ E. */
export const PAIR_ROUND1_BYTES = PAIR_NONCE_BYTES + POINT_BYTES;
/** Bytes of a round-2 message: (Y_0 ‖ Y_1) × 256. */
export const PAIR_ROUND2_BYTES = RECEIVER_MESSAGE_BYTES;

/** Inputs of a pair-setup run. */
export interface PairSetupOptions {
  /** This node's session index: 1 or 2 (the other node has the other one). */
  readonly self: 1 | 2;
  /** This node's id (opaque bytes, e.g. libp2p peer id bytes). */
  readonly selfNodeId: Uint8Array;
  /** The peer node's id; must differ from `selfNodeId`. */
  readonly peerNodeId: Uint8Array;
  /** Randomness and hashes. */
  readonly suite: Suite;
}

/** `psid = H("pair-sid", nodeId_1, nodeId_2, nonce_1, nonce_2)`, ordered by session index. */
export function pairSid(nodeId1: Uint8Array, nodeId2: Uint8Array, nonce1: Uint8Array, nonce2: Uint8Array): Uint8Array {
  return taggedHash(tag('pair-sid'), nodeId1, nodeId2, nonce1, nonce2);
}

/** One node's side of a pair setup; its result is the node's {@link PairState} towards the peer. */
export class PairSetupRun extends RoundRun<PairState> {
  private readonly peer: 1 | 2;
  private readonly selfNodeId: Uint8Array;
  private readonly peerNodeId: Uint8Array;
  private readonly suite: Suite;
  private nonce: Uint8Array | undefined;
  private sender: OtSender | undefined;
  private psid: Uint8Array | undefined;
  private alice: { delta: Uint8Array; keys: Uint8Array } | undefined;

  constructor(opts: PairSetupOptions) {
    assertArg(opts.self === 1 || opts.self === 2, 'pair setup: self must be 1 or 2');
    assertArg(
      opts.selfNodeId.length > 0 && opts.selfNodeId.length <= MAX_NODE_ID_BYTES,
      'pair setup: bad self node id',
    );
    assertArg(
      opts.peerNodeId.length > 0 && opts.peerNodeId.length <= MAX_NODE_ID_BYTES,
      'pair setup: bad peer node id',
    );
    assertArg(!equalBytes(opts.selfNodeId, opts.peerNodeId), 'pair setup: the two node ids must differ');
    super(opts.self, [1, 2], 2);
    this.peer = opts.self === 1 ? 2 : 1;
    this.selfNodeId = opts.selfNodeId.slice();
    this.peerNodeId = opts.peerNodeId.slice();
    this.suite = opts.suite;
  }

  protected firstRound(): Outbound[] {
    this.nonce = this.suite.rng(PAIR_NONCE_BYTES);
    this.sender = otSenderSetup(this.suite.rng, this.suite.curve);
    const payload = new Uint8Array(PAIR_ROUND1_BYTES);
    payload.set(this.nonce, 0);
    payload.set(this.sender.E, PAIR_NONCE_BYTES);
    return [{ to: this.peer, round: 1, payload }];
  }

  protected onRound(round: number, msgs: ReadonlyMap<number, Uint8Array>): Outbound[] {
    const payload = msgs.get(this.peer) as Uint8Array;
    if (round === 1) {
      const { nonce, E } = this.decode(this.peer, payload, (r) => ({ nonce: r.copy(PAIR_NONCE_BYTES), E: r.point() }));
      const own = this.nonce as Uint8Array;
      const [id1, id2, n1, n2] =
        this.self === 1
          ? [this.selfNodeId, this.peerNodeId, own, nonce]
          : [this.peerNodeId, this.selfNodeId, nonce, own];
      this.psid = pairSid(id1, id2, n1, n2);
      // This node as receiver (future Alice), the peer as sender.
      const sid = orientationSid(this.psid, this.peerNodeId, this.selfNodeId);
      const delta = this.suite.rng(BASE_OT_COUNT / 8);
      const { message, keys } = otReceive(
        sid,
        encodePoint(E),
        delta,
        this.suite.rng,
        this.suite.sha256,
        this.suite.curve,
      );
      this.alice = { delta, keys };
      return [{ to: this.peer, round: 2, payload: message }];
    }
    const pts = this.decode(this.peer, payload, (r) =>
      decodeReceiverMessage(r.bytes(RECEIVER_MESSAGE_BYTES), this.suite.curve),
    );
    const sid = orientationSid(this.psid as Uint8Array, this.selfNodeId, this.peerNodeId);
    let bob: { keys0: Uint8Array; keys1: Uint8Array };
    try {
      bob = otSend(sid, this.sender as OtSender, pts, this.suite.sha256, this.suite.curve);
    } catch (e) {
      if (e instanceof ProtocolError && e.code === 'IDENTITY_POINT') this.fail('IDENTITY_POINT', e.message, this.peer);
      throw e;
    }
    this.sender = undefined; // e is no longer needed
    this.finish({
      version: 1,
      psid: this.psid as Uint8Array,
      selfNodeId: this.selfNodeId,
      peerNodeId: this.peerNodeId,
      asAlice: this.alice as { delta: Uint8Array; keys: Uint8Array },
      asBob: bob,
    });
    return [];
  }
}

/**
 * Runs a whole pair setup between node A (index 1) and node B (index 2) in this process, every message through
 * the runs' decoders and both results through the pair-state codec; for benchmarks and tests. `bytes` is the
 * total of all four messages.
 */
export function runPairSetupInMemory(
  nodeIdA: Uint8Array,
  nodeIdB: Uint8Array,
  suiteA: Suite,
  suiteB: Suite,
): { a: PairState; b: PairState; bytes: number } {
  const a = new PairSetupRun({ self: 1, selfNodeId: nodeIdA, peerNodeId: nodeIdB, suite: suiteA });
  const b = new PairSetupRun({ self: 2, selfNodeId: nodeIdB, peerNodeId: nodeIdA, suite: suiteB });
  let bytes = 0;
  let toB = a.start();
  let toA = b.start();
  while (toA.length > 0 || toB.length > 0) {
    const nextToA: Outbound[] = [];
    const nextToB: Outbound[] = [];
    for (const m of toB) {
      bytes += m.payload.length;
      nextToA.push(...b.receive({ from: 1, round: m.round, payload: m.payload }));
    }
    for (const m of toA) {
      bytes += m.payload.length;
      nextToB.push(...a.receive({ from: 2, round: m.round, payload: m.payload }));
    }
    toA = nextToA;
    toB = nextToB;
  }
  return { a: decodePairState(encodePairState(a.result())), b: decodePairState(encodePairState(b.result())), bytes };
}
