/**
 * Who takes part: the parties of a keygen and the signers of a signing. Both put the parties a request names
 * first, prefer persistent parties in random order (load spreads), and never choose a set containing a banned
 * pair while another set exists (banned-pairs.ts); what a signing request asks of its signer set is checked here
 * too (a user share, required and included parties).
 */
import { randomBytes } from 'node:crypto';
import type { PartyRole } from '../../protocols/control/control.js';
import type { AccountParty, AccountRow, Custody } from '../db/types.js';
import { CoordinatorError } from '../errors.js';
import type { Presence } from '../p2p/rendezvous.js';
import type { SignOptions } from '../service.js';
import type { PartyIndex } from './attempt.js';
import { type BannedPair, describePairs, pickWithoutBannedPair } from './banned-pairs.js';

/** What a signing request asks of the signer set. */
export interface SignRules {
  /** Parties that must sign (the account's required ones and the request's `include`). */
  readonly must: ReadonlySet<string>;
  /** The request brought a user share (then a delegate node signs at the delegate's index). */
  readonly userShare: boolean;
}

/** What the choice of signers needs to know of the parties now. */
export interface PartyPresence {
  /** Online and taking sessions. */
  online(partyId: string): boolean;
  /** The role a party registered with, if it is known. */
  role(partyId: string): PartyRole | undefined;
  /** The registered delegate nodes. */
  delegates(): readonly Presence[];
}

/**
 * The N parties of a keygen among the `online` ones: the `include`d ones (whatever their role; at most one
 * delegate, and only for hybrid custody), then for hybrid custody one online delegate node (an included one, else
 * one at random), then persistent parties at random, with no banned pair among them.
 */
export function pickKeygenParties(
  online: readonly Presence[],
  n: number,
  custody: Custody,
  include: readonly string[],
  pairs: readonly BannedPair[],
): Presence[] {
  const included: Presence[] = [];
  for (const id of include) {
    const p = online.find((x) => x.partyId === id);
    if (!p) throw new CoordinatorError('UNAVAILABLE', `include: party ${id} is not online`, { partyId: id });
    if (p.role === 'delegate' && custody !== 'hybrid') {
      throw new CoordinatorError(
        'INVALID_REQUEST',
        `include: party ${id} is a delegate node, which stores no share; it takes part only with custody "hybrid"`,
      );
    }
    included.push(p);
  }
  const delegates = included.filter((p) => p.role === 'delegate');
  if (delegates.length > 1) {
    throw new CoordinatorError(
      'INVALID_REQUEST',
      'include: names more than one delegate node; a key has one user share',
    );
  }
  const fixed = [...included];
  if (custody === 'hybrid' && delegates.length === 0) {
    const delegate = shuffle(online.filter((p) => p.role === 'delegate'))[0];
    if (!delegate)
      throw new CoordinatorError('UNAVAILABLE', 'hybrid custody needs an online delegate node; none is online');
    if (fixed.length >= n) {
      throw new CoordinatorError('INVALID_REQUEST', `include: leaves no room for the delegate node among ${n} parties`);
    }
    fixed.push(delegate);
  }
  const pool = shuffle(online.filter((p) => p.role === 'persistent' && !fixed.includes(p)));
  const wanted = n - fixed.length;
  if (pool.length < wanted) {
    throw new CoordinatorError(
      'UNAVAILABLE',
      `a ${n}-party ${custody} keygen needs ${wanted} more online persistent parties; ${pool.length} online`,
    );
  }
  return chooseKeeping(fixed, pool, n, pairs, `a ${n}-party keygen`);
}

/**
 * The rules of one signing of `account`, or a 400: `USER_SHARE_REQUIRED` when the account needs its user share
 * and none came (it requires one, or its persistent parties alone cannot reach the threshold), a user share for
 * an account that has none, an `include` that names no signer of the account.
 */
export function signRules(account: AccountRow, opts: SignOptions): SignRules {
  const hybrid = account.custody === 'hybrid';
  const holders = account.parties.filter((p) => p.role !== 'delegate').length;
  if (opts.userShare && !hybrid) {
    throw new CoordinatorError(
      'INVALID_REQUEST',
      `userShare: account ${account.accountId} has no user share (custody "server")`,
    );
  }
  if (!opts.userShare && hybrid && (account.requireUserShare || holders < account.threshold)) {
    throw new CoordinatorError(
      'USER_SHARE_REQUIRED',
      account.requireUserShare
        ? `userShare: account ${account.accountId} requires its user share for every signing`
        : `userShare: account ${account.accountId} has ${holders} parties keeping a share, fewer than its threshold ${account.threshold}; send the user share its creation returned`,
    );
  }
  const must = new Set(account.requiredParties);
  for (const id of opts.include ?? []) {
    const p = account.parties.find((x) => x.partyId === id);
    if (!p) {
      throw new CoordinatorError(
        'INVALID_REQUEST',
        `include: party ${id} holds no share of account ${account.accountId}`,
      );
    }
    if (p.role === 'delegate') {
      throw new CoordinatorError('INVALID_REQUEST', `include: party ${id} is the delegate; send the userShare instead`);
    }
    must.add(id);
  }
  const seats = account.threshold - (opts.userShare ? 1 : 0);
  if (must.size > seats) {
    throw new CoordinatorError(
      'INVALID_REQUEST',
      `include: ${must.size} required parties but a signing has ${seats} seats for them`,
    );
  }
  return { must, userShare: opts.userShare !== undefined };
}

/**
 * `threshold` online signers of `account`, none excluded, no two a banned pair: the required and included parties
 * first, then persistent ones in random order, then the others; at the delegate's index (with a user share) an
 * online delegate node. Sorted by key index.
 */
export function pickSigners(
  account: AccountRow,
  excluded: ReadonlySet<string>,
  rules: SignRules,
  parties: PartyPresence,
  pairs: readonly BannedPair[],
): PartyIndex[] {
  const role = (p: AccountParty) => parties.role(p.partyId) ?? p.role;
  const rank = (p: AccountParty) => (role(p) === 'persistent' ? 0 : 1);
  for (const id of rules.must) {
    if (excluded.has(id) || !parties.online(id)) {
      throw new CoordinatorError('UNAVAILABLE', `party ${id} must take part in this signing and is not online`, {
        partyId: id,
        ...(excluded.size > 0 ? { excluded: [...excluded] } : {}),
      });
    }
  }
  const fixed: PartyIndex[] = [];
  const seat = account.parties.find((p) => p.role === 'delegate');
  if (rules.userShare && seat) {
    const node = shuffle(parties.delegates().filter((p) => parties.online(p.partyId) && !excluded.has(p.partyId)))[0];
    if (!node) {
      throw new CoordinatorError(
        'UNAVAILABLE',
        'signing with the user share needs an online delegate node; none is online',
      );
    }
    fixed.push({ partyId: node.partyId, index: seat.index, role: 'delegate' });
  }
  const candidates = shuffle(
    account.parties.filter((p) => p.role !== 'delegate' && !excluded.has(p.partyId) && parties.online(p.partyId)),
  )
    .sort((a, b) => rank(a) - rank(b))
    .map((p) => ({ partyId: p.partyId, index: p.index, role: role(p) }));
  if (candidates.length + fixed.length < account.threshold) {
    throw new CoordinatorError(
      'UNAVAILABLE',
      `signing needs ${account.threshold} online parties holding the key; ${candidates.length + fixed.length} available`,
      excluded.size > 0 ? { excluded: [...excluded] } : undefined,
    );
  }
  const must = candidates.filter((p) => rules.must.has(p.partyId));
  const rest = candidates.filter((p) => !rules.must.has(p.partyId));
  return chooseKeeping([...fixed, ...must], rest, account.threshold, pairs, 'signing').sort(
    (a, b) => a.index - b.index,
  );
}

/**
 * `k` parties: all of `fixed`, then the earliest of `pool` with which no two form a banned pair; a 503 naming
 * the pairs when every such set holds one.
 */
export function chooseKeeping<T extends { partyId: string }>(
  fixed: readonly T[],
  pool: readonly T[],
  k: number,
  pairs: readonly BannedPair[],
  what: string,
): T[] {
  const chosen = pickWithoutBannedPair([...fixed, ...pool], k, pairs);
  if (!chosen || fixed.some((f) => !chosen.includes(f))) throw bannedPairsError(what, pairs);
  return chosen;
}

/** The failure of a request every candidate set of which holds a banned pair. */
function bannedPairsError(what: string, pairs: readonly BannedPair[]): CoordinatorError {
  return new CoordinatorError(
    'UNAVAILABLE',
    `${what}: every set of available parties contains a banned pair (${describePairs(pairs)}); an operator lifts the ban on the party that made it (mpc party unban), or brings another party online`,
    { bannedPairs: pairs.map((p) => [...p]) },
  );
}

/** A copy of `items` in random order. */
export function shuffle<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomBytes(4).readUInt32BE(0) % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
