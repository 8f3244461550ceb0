/**
 * The party node's presignature jobs (the pool): a `presign` record runs the message-independent signing rounds
 * 1–3 with the committed share and stores the resulting presignature sealed, under the presign session's id and
 * with its signer set; a `sign` record naming that id in `presignature` takes it (one use) and runs only the
 * online round. The store gives a presignature out only to exactly the signer set that made it (indices and
 * peer ids), and a refresh or reshare commit deletes the old key's presignatures with its share
 * (store/share-store.ts). The online round is one exchange with the coordinator: each signer answers the record
 * with its online share, and the coordinator combines them. A key with a delegate share (hybrid custody) is never presigned: its user share comes
 * back with each request and the delegate node keeps nothing between sessions.
 */
import type { PeerId } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { ProtocolRun } from '../../protocols/common/run.js';
import type { SessionResult } from '../../protocols/control/control.js';
import { ControlError } from '../../protocols/control/errors.js';
import type { SessionRecord } from '../../protocols/control/record.js';
import type { KeyShare } from '../../protocols/dkls23/key-share.js';
import type { PairGuard } from '../../protocols/dkls23/pair-guard.js';
import { createPresign, type Presignature, presignedShare } from '../../protocols/dkls23/sign.js';
import { nodeSuite } from '../runtime/suite.js';
import type { Pairing } from '../session/pairing.js';
import type { ShareStore } from '../store/share-store.js';
import { childTweak } from './child-key.js';
import { sessionKeyShare } from './delegate.js';
import { signersOf } from './intake.js';

/** A session's other parties by key-share index, with the addresses the record gives them. */
export type JobPeers = Map<number, { peerId: PeerId; addrs: Multiaddr[] }>;

/** What the pool jobs borrow from the session jobs (jobs.ts). */
export interface PoolJobContext {
  readonly store: ShareStore;
  readonly pairing: Pairing;
  readonly guard: PairGuard;
  /** The committed share of a key (cached). */
  committedShare(keyId: Uint8Array): Promise<KeyShare>;
  /** Connects to the session's peers (across the relay where needed). */
  reach(record: SessionRecord, selfIndex: number, signal: AbortSignal): Promise<void>;
  /** Runs `run` with the session's peers through the session runner. */
  drive<R>(
    record: SessionRecord,
    self: number,
    peers: JobPeers,
    run: ProtocolRun<R>,
    signal: AbortSignal,
    helloTokens?: ReadonlyMap<number, Uint8Array>,
  ): Promise<R>;
}

/** Presigns with the record's signers and stores the presignature; reports its nonce point R. */
export async function presignJob(
  ctx: PoolJobContext,
  record: SessionRecord,
  selfIndex: number,
  peers: JobPeers,
  signal: AbortSignal,
): Promise<SessionResult> {
  refuseDelegates(record);
  const share = sessionKeyShare(await ctx.committedShare(record.keyId), record);
  await ctx.reach(record, selfIndex, signal);
  const pairs = await ctx.pairing.pairsFor(peers, signal);
  const run = createPresign({
    sessionId: record.sessionId,
    keyShare: share,
    signers: record.parties.map((p) => p.index),
    pairs,
    suite: nodeSuite(),
    pairGuard: ctx.guard,
  });
  const tokens = new Map([...pairs].map(([i, state]) => [i, state.psid] as const));
  const presig: Presignature = await ctx.drive(record, selfIndex, peers, run, signal, tokens);
  const R = presig.R.toBytes(true);
  await ctx.store.presignatures.put(record.keyId, record.sessionId, presig, signersOf(record));
  return { sessionId: record.sessionId, status: 'ok', presignedR: R };
}

/**
 * This signer's online share of a signing from the stored presignature the record names: `taken` when the intake
 * took it with the session-id mark (intake.ts), else taken from the store now (one use, whatever happens next);
 * given out only to the signer set that made it. R is re-randomised with the online session's id (the engine's
 * Groth–Shoup counter-measure) and a derived child's tweak comes from this party's own chain code (child-key.ts).
 * No message goes to the other signers: the coordinator combines the shares and verifies the signature before
 * releasing it (docs/protocol.md "Derived keys and presignature pools").
 */
export async function onlineShareJob(
  ctx: Pick<PoolJobContext, 'store' | 'committedShare'>,
  record: SessionRecord,
  taken?: Presignature,
): Promise<SessionResult> {
  refuseDelegates(record);
  const id = record.presignature as Uint8Array;
  const presig = taken ?? (await ctx.store.presignatures.take(record.keyId, id, signersOf(record)));
  const tweak = record.derivationPath ? childTweak(await ctx.committedShare(record.keyId), record) : 0n;
  const { terms, share } = presignedShare(presig, record.messageHash as Uint8Array, nodeSuite().curve, {
    sessionId: record.sessionId,
    tweak,
  });
  return {
    sessionId: record.sessionId,
    status: 'ok',
    onlineShare: { R: terms.R.toBytes(true), u: share.u, w: share.w },
  };
}

function refuseDelegates(record: SessionRecord): void {
  if (record.parties.some((p) => p.role === 'delegate')) {
    throw new ControlError('BAD_RECORD', 'a key with a delegate share has no presignatures');
  }
}
