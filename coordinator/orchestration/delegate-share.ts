/**
 * The delegate node's part of a hybrid-custody signing: before the session record goes out, the chosen delegate
 * node is handed the account's key and the caller's user share, and opens the share (or refuses it).
 */

import { MAX_USER_SHARE_BYTES } from '../../protocols/control/delegate.js';
import type { SessionRecord } from '../../protocols/control/record.js';
import type { AccountRow } from '../db/types.js';
import { CoordinatorError } from '../errors.js';
import type { PartyIndex } from './attempt.js';
import type { PartyNetwork } from './orchestrator.js';

/**
 * Hands the delegate node of a signing the account's key and the caller's user share, before the record. A
 * share that does not open is the caller's error (400 `INVALID_USER_SHARE`): no session exists yet, so no pair
 * state is used and no party is blamed.
 */
export async function handUserShare(
  network: Pick<PartyNetwork, 'delegate'>,
  account: AccountRow,
  delegate: PartyIndex,
  record: SessionRecord,
  userShare: Uint8Array,
  publicKey: Uint8Array,
): Promise<void> {
  if (userShare.length > MAX_USER_SHARE_BYTES) {
    throw new CoordinatorError(
      'INVALID_USER_SHARE',
      `userShare: longer than any user share (${MAX_USER_SHARE_BYTES} bytes)`,
    );
  }
  const ack = await network.delegate(delegate.partyId, {
    kind: 'sign',
    sessionId: record.sessionId,
    accountId: account.accountId,
    keyId: record.keyId,
    index: delegate.index,
    publicKey,
    userShare,
  });
  if (ack.ok) return;
  if (ack.code === 'INVALID_USER_SHARE') {
    throw new CoordinatorError(
      'INVALID_USER_SHARE',
      `userShare: not the user share of account ${account.accountId} (altered, truncated, or another account's)`,
    );
  }
  throw new CoordinatorError('UNAVAILABLE', `the delegate node refused the signing: ${ack.code}: ${ack.message}`, {
    partyId: delegate.partyId,
  });
}
