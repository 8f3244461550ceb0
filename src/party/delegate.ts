/**
 * Delegate custody on the party node. A delegate node stores nothing about any key: at keygen it seals its share
 * for the caller (the user share, bound to account id, key id, key index and public key; see
 * store/user-share.ts) and forgets it; at signing the caller's user share comes back and the node opens it in
 * memory for that one session.
 *
 * The coordinator tells the node what it needs with a delegate message (protocols/control/delegate.ts) before
 * it announces the record: for a keygen the account id, for a signing the account's key and the user share. The
 * share is opened when that message arrives, so a tampered, truncated or foreign share is refused
 * (`INVALID_USER_SHARE`) before any session exists: nothing is sent to a peer, no pair state is touched, nobody
 * is blamed. What the message brought is kept in memory until its record claims it (once) or it expires.
 *
 * Also here: which records a node of a given role may act on ({@link roleProblem}) and the key share a signing
 * runs with, where a delegate share's node may be any delegate node of the pool ({@link sessionKeyShare}).
 */
import { equalBytes, toHex } from '../../protocols/common/bytes.js';
import { CodedError } from '../../protocols/common/errors.js';
import type { Ack } from '../../protocols/control/ack.js';
import { type DelegateContext, decodeDelegate } from '../../protocols/control/delegate.js';
import { ControlError } from '../../protocols/control/errors.js';
import type { SessionRecord } from '../../protocols/control/record.js';
import type { PartyRole } from '../../protocols/control/roles.js';
import type { KeyShare } from '../../protocols/dkls23/key-share.js';
import type { Log } from '../runtime/logger.js';
import { isStoreError } from '../store/errors.js';
import type { ShareStore } from '../store/share-store.js';

/** Stable codes of {@link DelegateError}. */
export type DelegateErrorCode =
  /** The user share does not open for this account's key (tampered, truncated, another account's, another pool's). */
  | 'INVALID_USER_SHARE'
  /** A record names this delegate node, but the coordinator sent no delegate message for its session (or it expired). */
  | 'NO_DELEGATE_CONTEXT'
  /** A record gives this node a role it does not have (a delegate named as a share holder, or the reverse). */
  | 'ROLE_MISMATCH'
  /** A delegate message reached a node that is not a delegate. */
  | 'NOT_DELEGATE';

/** A refusal of delegate work, with a stable code. */
export class DelegateError extends CodedError<DelegateErrorCode> {
  override readonly name = 'DelegateError';
}

/** How long a delegate message waits for its record (the coordinator announces right after the answer). */
export const DEFAULT_CONTEXT_TTL_MS = 120_000;
/** Delegate messages waiting at once; more are refused (a well-behaved coordinator never gets near it). */
const MAX_WAITING = 256;

/** The role of this node in `record` (undefined in records that state no roles). */
export function selfRole(record: SessionRecord, selfIndex: number): PartyRole | undefined {
  return record.parties.find((p) => p.index === selfIndex)?.role;
}

/**
 * Why a node of role `nodeRole` must not act on `record`, or undefined when it may: a delegate node takes part
 * only as a delegate, and a node that stores shares never as one.
 */
export function roleProblem(nodeRole: PartyRole, record: SessionRecord, selfIndex: number): string | undefined {
  const named = selfRole(record, selfIndex);
  if (nodeRole === 'delegate' && named !== 'delegate') {
    return `this is a delegate node; the record names it ${named ?? 'without a role'}`;
  }
  if (nodeRole !== 'delegate' && named === 'delegate') {
    return `this node is ${nodeRole}; the record names it as a delegate`;
  }
  return undefined;
}

/**
 * The key share a signing of `record` runs with: `share` with, at each index the record gives to a delegate, the
 * node the record names there. A user share may be opened by any delegate node of the pool, so its index is not
 * tied to the node that made it; every other index must be held by the node the key names (else `BAD_RECORD`).
 * Only node ids change: the key, the shares and the key-generation session id stay what the keygen made.
 */
export function sessionKeyShare(share: KeyShare, record: SessionRecord): KeyShare {
  const nodeIds = [...share.nodeIds];
  for (const p of record.parties) {
    const holder = nodeIds[p.index - 1];
    if (holder === undefined) throw new ControlError('BAD_RECORD', `party index ${p.index} is not an index of the key`);
    if (p.role === 'delegate') nodeIds[p.index - 1] = p.peerId;
    else if (!equalBytes(holder, p.peerId)) {
      throw new ControlError('BAD_RECORD', `party index ${p.index} of the record is not that party's index in the key`);
    }
  }
  return { ...share, nodeIds };
}

interface Waiting {
  readonly context: DelegateContext;
  /** The opened share (signing only). */
  readonly share?: KeyShare;
  readonly expiresAt: number;
}

/** What a {@link DelegateDesk} needs. */
export interface DelegateDeskInit {
  /** The node's store: only its user-share sealer is used (nothing is written). */
  readonly store: Pick<ShareStore, 'sealUserShare' | 'openUserShare'>;
  readonly log: Log;
  readonly now: () => number;
  /** @default DEFAULT_CONTEXT_TTL_MS */
  readonly ttlMs?: number;
}

/** A delegate node's in-memory sessions; see the module comment. */
export class DelegateDesk {
  private readonly waiting = new Map<string, Waiting>();
  /** Contexts of accepted records, until their job takes them. */
  private readonly claimed = new Map<string, Waiting>();

  constructor(private readonly o: DelegateDeskInit) {}

  /** Answers a delegate message from the coordinator: accepted, or refused (`INVALID_USER_SHARE`, …). */
  onMessage(bytes: Uint8Array): Ack {
    const context = decodeDelegate(bytes);
    this.expire();
    if (this.waiting.size >= MAX_WAITING) {
      return { ok: false, code: 'BUSY', message: `${MAX_WAITING} delegate sessions are waiting for their records` };
    }
    const key = toHex(context.sessionId);
    if (this.waiting.has(key)) return { ok: false, code: 'REPLAYED', message: 'this session already has its context' };
    let share: KeyShare | undefined;
    if (context.kind === 'sign') {
      try {
        share = this.o.store.openUserShare(context.userShare, context);
      } catch (e) {
        if (!isStoreError(e)) throw e;
        // the caller's input, not a peer's fault: say which field, never anything about its bytes
        this.o.log.warn({ session: key, account: context.accountId }, 'refused a user share that does not open');
        return {
          ok: false,
          code: 'INVALID_USER_SHARE',
          message: `userShare: not a user share of account ${context.accountId} (tampered, truncated, or another account's or pool's)`,
        };
      }
    }
    const ttl = this.o.ttlMs ?? DEFAULT_CONTEXT_TTL_MS;
    this.waiting.set(key, { context, ...(share ? { share } : {}), expiresAt: this.o.now() + ttl });
    return { ok: true };
  }

  /**
   * Claims the context of `record` for its session: throws `NO_DELEGATE_CONTEXT` when none waits, or one of
   * another kind, key or index. The intake calls it before it accepts the record; the job then takes it.
   */
  claim(record: SessionRecord, selfIndex: number): void {
    this.expire();
    const key = toHex(record.sessionId);
    const w = this.waiting.get(key);
    if (!w) throw new DelegateError('NO_DELEGATE_CONTEXT', 'no delegate message came for this session');
    const c = w.context;
    if (c.kind !== record.kind)
      throw new DelegateError('NO_DELEGATE_CONTEXT', `the delegate message is for a ${c.kind}`);
    if (c.kind === 'sign' && (!equalBytes(c.keyId, record.keyId) || c.index !== selfIndex)) {
      throw new DelegateError('NO_DELEGATE_CONTEXT', 'the delegate message is for another key or index');
    }
    this.waiting.delete(key);
    this.claimed.set(key, w);
  }

  /** Takes (once) what the claimed context of `record` holds: the account, and for a signing the opened share. */
  take(record: SessionRecord): Claimed {
    const key = toHex(record.sessionId);
    const w = this.claimed.get(key);
    this.claimed.delete(key);
    if (!w) throw new DelegateError('NO_DELEGATE_CONTEXT', 'this session has no claimed delegate context');
    return { accountId: w.context.accountId, ...(w.share ? { share: w.share } : {}) };
  }

  /** Seals a keygen's share for the caller, bound to `accountId`; the share itself is not kept anywhere. */
  seal(share: KeyShare, accountId: string): Uint8Array {
    return this.o.store.sealUserShare(share, accountId);
  }

  /** Forgets every waiting context (the node stops). */
  clear(): void {
    this.waiting.clear();
    this.claimed.clear();
  }

  private expire(): void {
    const now = this.o.now();
    for (const map of [this.waiting, this.claimed]) for (const [k, w] of map) if (w.expiresAt <= now) map.delete(k);
  }
}

/** What a claimed context holds: the account, and for a signing the opened share. */
export interface Claimed {
  readonly accountId: string;
  readonly share?: KeyShare;
}
