/**
 * How the API shows what the database holds: account and session rows as the JSON views of `service.ts`.
 * Pure mappings, no I/O.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { decodePoint } from '../../protocols/common/curve.js';
import { encodeXpub, rootKey } from '../../protocols/dkls23/derive.js';
import type { AccountRow, Repositories, SessionRow } from '../db/types.js';
import type { AccountView, SessionView } from '../service.js';

/** An account row as the API returns it. */
export function accountView(row: AccountRow): AccountView {
  return {
    accountId: row.accountId,
    userId: row.userId,
    publicKey: row.publicKey,
    address: row.address,
    threshold: row.threshold,
    parties: row.parties.map((p) => ({ partyId: p.partyId, index: p.index, role: p.role })),
    sessionId: row.sessionId,
    status: row.status,
    custody: row.custody,
    requireUserShare: row.requireUserShare,
    requireParties: [...row.requiredParties],
    createdAt: row.createdAt.toISOString(),
    rekeyedAt: row.rekeyedAt ? row.rekeyedAt.toISOString() : null,
    xpub: xpubOf(row),
  };
}

/** The account key's BIP32 xpub: null while pending, and for a key made before chain codes. */
export function xpubOf(row: Pick<AccountRow, 'publicKey' | 'chainCode'>): string | null {
  if (row.publicKey === null || row.chainCode === null) return null;
  return encodeXpub(rootKey(decodePoint(hexToBytes(row.publicKey.slice(2))), hexToBytes(row.chainCode)));
}

/** A session row with its event log as the API returns it. */
export function sessionView(
  row: SessionRow,
  events: Awaited<ReturnType<Repositories['sessions']['events']>>,
): SessionView {
  return {
    sessionId: row.sessionId,
    kind: row.kind,
    status: row.status,
    accountId: row.accountId,
    parties: row.parties,
    events: events.map((e) => ({
      type: e.type,
      at: e.at.toISOString(),
      ...(e.partyId ? { partyId: e.partyId } : {}),
      ...(Object.keys(e.detail).length > 0 ? { detail: e.detail } : {}),
    })),
    ...(row.error ? { error: row.error } : {}),
  };
}
