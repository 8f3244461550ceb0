/**
 * Party roles, shared by the registration message and the session record. A role says how a party holds its
 * share: `persistent` stores it in its own encrypted store, `delegate` stores nothing and works on a user share
 * the caller hands back for each signing (hybrid custody), `external` is run by someone outside the cluster
 * (joins with a token, often behind NAT) and stores its share in its own store.
 */

/** How a party takes part: stores shares, hosts a user's share for one session, or runs outside the cluster. */
export type PartyRole = 'persistent' | 'delegate' | 'external';
/** Wire code of each role (u8); codes are never reused, and 0 means "not stated" where a role is optional. */
export const ROLE_CODES: Readonly<Record<PartyRole, number>> = { persistent: 1, delegate: 2, external: 3 };
