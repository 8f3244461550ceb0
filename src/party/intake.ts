/**
 * Intake of the coordinator's signed messages, from the control stream or from gossip: session records
 * (accepted or refused) and commit/abort decisions. A record is acted on only when the coordinator signed it,
 * it names this node, has not expired, and its session id was never accepted for its key — the last checked
 * against the store's durable log, which is written before the record is answered — and a signing or reshare of
 * a key frozen on this party is refused (`KEY_FROZEN`), as is a record that gives this node a role it does not have
 * (`ROLE_MISMATCH`, see delegate.ts). A delegate node keeps no durable log (it stores nothing about keys): its
 * records are claimed against the delegate message that must precede each of them, once. The same record arriving
 * both ways starts one session: the first copy is accepted, the direct copy after a gossiped one is answered
 * "accepted" too (the coordinator waits for that answer), and every other copy is `REPLAYED`. A signing that
 * names a presignature takes it with the session-id mark, in one store write, and is answered with this party's
 * online share (the coordinator combines them); a party that lacks it, or holds it for another signer set,
 * refuses the record (`NOT_FOUND`, `PRESIGNATURE_USED`, `PRESIGNATURE_SIGNERS`).
 */
import { TopicValidatorResult } from '@libp2p/gossipsub';
import { equalBytes, toHex } from '../../protocols/common/bytes.js';
import { isCodedError } from '../../protocols/common/errors.js';
import { type Ack, encodeAck } from '../../protocols/control/ack.js';
import { signedDecisions } from '../../protocols/control/decision.js';
import { ControlError } from '../../protocols/control/errors.js';
import { SESSION_TOPIC, validateGossip } from '../../protocols/control/gossip.js';
import type { Ed25519 } from '../../protocols/control/peer-key.js';
import { acceptRecord, type SessionRecord, signedRecords } from '../../protocols/control/record.js';
import type { PartyRole } from '../../protocols/control/roles.js';
import { MessageType } from '../../protocols/control/wire.js';
import type { Presignature } from '../../protocols/dkls23/sign.js';
import type { Host } from '../runtime/host.js';
import type { Log } from '../runtime/logger.js';
import { isStoreError } from '../store/errors.js';
import type { ShareStore } from '../store/share-store.js';
import { roleProblem } from './delegate.js';

/** Where a message came from. */
export type Via = 'direct' | 'gossip';

/** Accepted sessions remembered to tell a second copy from a replay; expired ones are dropped first. */
const MAX_REMEMBERED = 4096;

/** What the intake needs. */
export interface IntakeInit {
  readonly store: ShareStore;
  /** The coordinator's binary peer id: the only signer of records and decisions. */
  readonly coordinatorId: Uint8Array;
  /** This node's binary peer id. */
  readonly selfId: Uint8Array;
  readonly ed25519: Ed25519;
  readonly now: () => number;
  readonly log: Log;
  /**
   * Called once per accepted record (but a signing from a presignature), after its session id is durably marked
   * used: run it.
   */
  readonly onAccepted: (record: SessionRecord, selfIndex: number) => void;
  /**
   * Called instead of `onAccepted` for a signing from a presignature (taken with the mark, when this node keeps a
   * durable log): resolves to this party's signed result (its online share), which goes back in the answer to a
   * direct copy of the record; for a gossiped copy, which has no answer, it must report the result itself.
   */
  readonly onPresigned: (
    record: SessionRecord,
    presignature: Presignature | undefined,
    via: Via,
  ) => Promise<Uint8Array>;
  /** This node's role. @default 'persistent' */
  readonly role?: PartyRole;
  /**
   * Claims a record instead of the store's durable session-id log (a delegate node: see delegate.ts); throws to
   * refuse it.
   */
  readonly claim?: (record: SessionRecord, selfIndex: number) => void;
  /** Answers a delegate message (a delegate node only; others refuse it). */
  readonly onDelegate?: (request: Uint8Array) => Ack;
}

interface Accepted {
  via: Via;
  /** Settles once the session id is durably marked (rejects REPLAYED when the log already had it). */
  marked: Promise<void>;
  expiresAt: number;
}

/** Accepts or refuses records and decisions; see the module comment. */
export class Intake {
  private readonly accepted = new Map<string, Accepted>();
  private readonly decided = new Set<string>();
  private stopping = false;

  constructor(private readonly o: IntakeInit) {}

  /** Refuses everything from now on (the node is stopping). */
  stop(): void {
    this.stopping = true;
  }

  /** Answers one control request from the coordinator (the caller checked who sent it). */
  async onControl(request: Uint8Array): Promise<Uint8Array> {
    if (this.stopping) return refusal('STOPPING', 'the node is shutting down');
    try {
      switch (request[0]) {
        case MessageType.ANNOUNCE:
          return encodeAck(await this.onRecord(request, 'direct'));
        case MessageType.DECISION:
          return encodeAck(await this.onDecision(request));
        case MessageType.DELEGATE:
          return encodeAck(
            this.o.onDelegate?.(request) ?? { ok: false, code: 'NOT_DELEGATE', message: 'this node is not a delegate' },
          );
        default:
          return refusal('BAD_MESSAGE', 'unknown control message type');
      }
    } catch (e) {
      if (isCodedError(e)) return refusal(e.code, e.message);
      throw e;
    }
  }

  /**
   * Subscribes to the session topic. Its validator rejects (and so never forwards) anything the coordinator did
   * not sign; gossipsub's StrictSign policy authenticates the publisher on top of that.
   */
  listen(host: Host): void {
    const pubsub = host.services.pubsub;
    if (!pubsub) return;
    pubsub.topicValidators.set(SESSION_TOPIC, (_peer, msg) => {
      // a record for other parties, or one this node accepted already: nothing to check, do, or forward (the
      // coordinator sends every copy to every party itself)
      if (this.notForUs(msg.data)) return TopicValidatorResult.Ignore;
      return validateGossip(msg.data, this.o.coordinatorId, this.o.ed25519) === 'accept'
        ? TopicValidatorResult.Accept
        : TopicValidatorResult.Reject;
    });
    pubsub.subscribe(SESSION_TOPIC);
    pubsub.addEventListener('message', (evt) => {
      if (evt.detail.topic === SESSION_TOPIC && !this.stopping) void this.onGossip(evt.detail.data);
    });
  }

  /**
   * True when `envelope` is a record envelope that does not name this node, or of a session accepted here
   * already. Its signature is not checked: the answer only lets the node skip work, never act.
   */
  private notForUs(envelope: Uint8Array): boolean {
    if (envelope[0] !== MessageType.ANNOUNCE) return false;
    try {
      const { record } = signedRecords.decode(envelope);
      return !record.parties.some((p) => equalBytes(p.peerId, this.o.selfId)) || this.accepted.has(sessionKey(record));
    } catch {
      return false;
    }
  }

  private async onGossip(data: Uint8Array): Promise<void> {
    try {
      const ack = data[0] === MessageType.DECISION ? await this.onDecision(data) : await this.onRecord(data, 'gossip');
      if (!ack.ok) this.o.log.warn({ code: ack.code }, 'gossiped message refused');
    } catch (e) {
      // most records name other parties and most decisions other keys; a copy of a direct message is a replay
      if (isCodedError(e, 'REPLAYED', 'NOT_NAMED', 'NOT_FOUND')) return;
      this.o.log.warn({ error: String(e) }, 'gossiped message refused');
    }
  }

  private async onRecord(envelope: Uint8Array, via: Via): Promise<Ack> {
    const { record, selfIndex } = acceptRecord(signedRecords.unwrap(envelope), {
      coordinatorPeerId: this.o.coordinatorId,
      selfPeerId: this.o.selfId,
      now: this.o.now(),
      ed25519: this.o.ed25519,
    });
    if (record.protocol !== 'dkls23') return { ok: false, code: 'UNSUPPORTED', message: `protocol ${record.protocol}` };
    // a frozen key is neither signed with, presigned nor reshared (its shares may be what is wrong) until an operator acts
    const used = record.kind === 'sign' || record.kind === 'presign' ? record.keyId : record.reshare?.fromKeyId;
    if (used && (await this.o.store.frozenKeys.isFrozen(used))) {
      return {
        ok: false,
        code: 'KEY_FROZEN',
        message: `key ${toHex(used)} is frozen on this party after a signature failed its final verification; an operator lifts it with mpc party unfreeze --key`,
      };
    }
    const wrongRole = roleProblem(this.o.role ?? 'persistent', record, selfIndex);
    if (wrongRole) return { ok: false, code: 'ROLE_MISMATCH', message: wrongRole };
    const key = sessionKey(record);
    const earlier = this.accepted.get(key);
    if (earlier) {
      await earlier.marked;
      // the coordinator's direct copy of a record first seen on gossip: the session runs already
      if (via === 'direct' && earlier.via === 'gossip') {
        earlier.via = 'direct';
        return { ok: true };
      }
      throw new ControlError('REPLAYED', 'this session id was already used for the key');
    }
    const claim = this.o.claim;
    let taken: Presignature | undefined;
    // a signing from a presignature takes it, with its session id marked, in one fsynced write — or with no
    // write at all when it was armed (store/presignatures.ts): a party lacking it refuses the record with the
    // store's code
    const mark = claim
      ? Promise.resolve().then(() => claim(record, selfIndex))
      : record.kind === 'sign' && record.presignature
        ? this.o.store.presignatures
            .takeForSession(record.keyId, record.sessionId, record.presignature, signersOf(record))
            .then((p) => {
              taken = p;
            })
        : this.o.store.markSessionUsed(record.keyId, record.sessionId);
    const marked = mark.catch((e) => {
      if (isStoreError(e, 'SESSION_REPLAYED')) {
        throw new ControlError('REPLAYED', 'this session id was already used for the key');
      }
      this.accepted.delete(key); // not marked: a later copy may try again
      throw e;
    });
    this.remember(key, { via, marked, expiresAt: record.expiresAt });
    await marked;
    if (record.kind === 'sign' && record.presignature) {
      // the online share goes back with the answer: the coordinator combines the signers' shares
      const payload = await this.o.onPresigned(record, taken, via);
      return via === 'direct' ? { ok: true, payload } : { ok: true };
    }
    this.o.onAccepted(record, selfIndex);
    return { ok: true };
  }

  private async onDecision(envelope: Uint8Array): Promise<Ack> {
    const { decision: d } = signedDecisions.open(envelope, this.o.coordinatorId, this.o.ed25519);
    const key = `${toHex(d.keyId)}/${toHex(d.sessionId)}`;
    if (d.action === 'commit') {
      const { retired } = await this.o.store.commitShare(d.keyId);
      if (retired) this.o.log.info({ keyId: toHex(d.keyId), deleted: toHex(retired) }, 'reshare committed');
      else if (!this.decided.has(key)) this.o.log.info({ keyId: toHex(d.keyId) }, 'key committed');
    } else {
      // the account failed and its key is never used: a pending share of it is only a liability
      const discarded = await this.o.store.discardPendingShare(d.keyId);
      if (!this.decided.has(key) || discarded) {
        this.o.log.warn({ keyId: toHex(d.keyId), discarded }, 'keygen aborted by the coordinator');
      }
    }
    if (this.decided.size >= MAX_REMEMBERED) this.decided.clear();
    this.decided.add(key);
    return { ok: true };
  }

  /** Remembers an accepted session; when full, forgets the expired ones (no copy of them is accepted anyway). */
  private remember(key: string, a: Accepted): void {
    if (this.accepted.size >= MAX_REMEMBERED) {
      const now = this.o.now();
      for (const [k, v] of this.accepted) if (v.expiresAt <= now) this.accepted.delete(k);
      // still full of live sessions: the durable log answers for the oldest
      while (this.accepted.size >= MAX_REMEMBERED) this.accepted.delete(this.accepted.keys().next().value as string);
    }
    this.accepted.set(key, a);
  }
}

/** A record's signers as the store keeps them with a presignature. */
export function signersOf(record: SessionRecord): { index: number; peerId: Uint8Array }[] {
  return record.parties.map((p) => ({ index: p.index, peerId: p.peerId }));
}

/** The key of an accepted session: a session id is unique per key. */
function sessionKey(record: SessionRecord): string {
  return `${toHex(record.keyId)}/${toHex(record.sessionId)}`;
}

function refusal(code: string, message: string): Uint8Array {
  return encodeAck({ ok: false, code, message });
}
