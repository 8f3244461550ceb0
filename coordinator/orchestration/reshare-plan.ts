/**
 * Who takes part in a refresh or reshare of an account, and with which indices. Pure: the caller passes who is
 * online.
 *
 * - Dealers: every online party of the account's key (at least its threshold, or 503). A refresh needs every
 *   party of the key online: each gets a new share at its index, and one left out would lose its share.
 * - Receivers: the parties asked for — a list of party ids, or a count filled with the key's online parties
 *   first (by their index) and then online persistent parties at random — numbered 1..N′: the key's parties
 *   that stay first, in their old order, then the newcomers.
 * - The session numbers its parties 1..M: dealers by old index, then newcomers.
 */
import type { AccountParty, AccountRow } from '../db/types.js';
import { CoordinatorError } from '../errors.js';
import type { Presence } from '../p2p/rendezvous.js';
import type { ReshareTarget } from '../service.js';
import type { PartyIndex } from './attempt.js';
import { type BannedPair, describePairs } from './banned-pairs.js';
import { chooseKeeping, shuffle } from './choice.js';

/** One party of a reshare session. */
export interface ReshareSeat extends PartyIndex {
  /** Its index in the key being replaced, when it deals. */
  readonly oldIndex?: number;
  /** Its index in the new key, when it receives. */
  readonly newIndex?: number;
}

/** The session's parties and the new key's threshold and parties. */
export interface ResharePlan {
  readonly seats: ReshareSeat[];
  readonly threshold: number;
  /** The new key's parties, as the account will list them. */
  readonly keyParties: AccountParty[];
}

/** The plan of a refresh (no `target`) or reshare of `account`; 400/409/503 as the module comment says. */
export function planReshare(
  account: AccountRow,
  target: ReshareTarget | undefined,
  online: readonly Presence[],
  pairs: readonly BannedPair[],
): ResharePlan {
  if (account.status !== 'active') {
    throw new CoordinatorError('CONFLICT', `account ${account.accountId} is ${account.status}, not active`);
  }
  if (account.custody === 'hybrid') {
    throw new CoordinatorError(
      'CONFLICT',
      `account ${account.accountId} has hybrid custody: its user share is held by the caller, and refresh and reshare move only shares the parties hold; create a new account and move the funds instead`,
    );
  }
  const isOnline = (id: string) => online.some((p) => p.partyId === id);
  const dealers = account.parties.filter((p) => isOnline(p.partyId));
  const what = target ? 'reshare' : 'refresh';
  const offline = account.parties.filter((p) => !isOnline(p.partyId)).map((p) => p.partyId);
  if (!target && offline.length > 0) {
    throw new CoordinatorError(
      'UNAVAILABLE',
      `a refresh needs every party of the key online; offline: ${offline.join(', ')} (to replace a lost party, reshare instead)`,
      { offline },
    );
  }
  if (dealers.length < account.threshold) {
    throw new CoordinatorError(
      'UNAVAILABLE',
      `a ${what} needs at least ${account.threshold} of the key's parties online; ${dealers.length} are (offline: ${offline.join(', ')})`,
      { offline },
    );
  }
  const receivers = target ? chooseReceivers(account, target, online, pairs) : account.parties;
  const n = receivers.length;
  const threshold = target?.threshold ?? account.threshold;
  if (threshold > n) {
    throw new CoordinatorError(
      'INVALID_REQUEST',
      `threshold: ${threshold} exceeds the ${n} parties of the new key; give a threshold of at most ${n}`,
    );
  }
  // the key's parties that stay keep their order, newcomers follow
  const oldIndexOf = (id: string) => account.parties.find((p) => p.partyId === id)?.index;
  const staying = receivers
    .filter((r) => oldIndexOf(r.partyId) !== undefined)
    .sort((a, b) => (oldIndexOf(a.partyId) as number) - (oldIndexOf(b.partyId) as number));
  const newcomers = receivers.filter((r) => !staying.includes(r));
  const newIndex = new Map([...staying, ...newcomers].map((p, i) => [p.partyId, i + 1]));
  const seats: ReshareSeat[] = [];
  for (const p of [...dealers, ...newcomers]) {
    const old = dealers.find((d) => d.partyId === p.partyId)?.index;
    const next = newIndex.get(p.partyId);
    seats.push({
      partyId: p.partyId,
      index: seats.length + 1,
      role: p.role,
      ...(old === undefined ? {} : { oldIndex: old }),
      ...(next === undefined ? {} : { newIndex: next }),
    });
  }
  const named = new Set(seats.map((s) => s.partyId));
  const inside = pairs.filter(([a, b]) => named.has(a) && named.has(b));
  if (inside.length > 0) {
    throw new CoordinatorError(
      'UNAVAILABLE',
      `the ${what}'s parties include a banned pair (${describePairs(inside)}); an operator lifts the ban (mpc party unban), or choose other parties`,
      { bannedPairs: inside.map((p) => [...p]) },
    );
  }
  const keyParties = seats.flatMap((s) =>
    s.newIndex === undefined ? [] : [{ partyId: s.partyId, index: s.newIndex, role: s.role ?? 'persistent' }],
  );
  return { seats, threshold, keyParties };
}

/** The new key's parties: those named (online, not delegates), or a count filled as the module comment says. */
function chooseReceivers(
  account: AccountRow,
  target: ReshareTarget,
  online: readonly Presence[],
  pairs: readonly BannedPair[],
): { partyId: string; role: AccountParty['role'] }[] {
  const holders = online.filter((p) => p.role !== 'delegate');
  if (typeof target.parties !== 'number') {
    return target.parties.map((id) => {
      const p = online.find((x) => x.partyId === id);
      if (!p) throw new CoordinatorError('UNAVAILABLE', `parties: party ${id} is not online`, { partyId: id });
      if (p.role === 'delegate') {
        throw new CoordinatorError('INVALID_REQUEST', `parties: ${id} is a delegate node, which keeps no share`);
      }
      return { partyId: p.partyId, role: p.role };
    });
  }
  const n = target.parties;
  const inKey = account.parties
    .map((p) => holders.find((h) => h.partyId === p.partyId))
    .filter((p): p is Presence => p !== undefined);
  const others = shuffle(holders.filter((p) => p.role === 'persistent' && !inKey.includes(p)));
  const keep = inKey.slice(0, n);
  if (keep.length + others.length < n) {
    throw new CoordinatorError(
      'UNAVAILABLE',
      `a reshare to ${n} parties needs ${n - keep.length} more online persistent parties; ${others.length} online`,
    );
  }
  return chooseKeeping(keep, others, n, pairs, `a reshare to ${n} parties`).map((p) => ({
    partyId: p.partyId,
    role: p.role,
  }));
}
