/**
 * Admission by pool secret: the operator configures one reusable secret per role (`MPC_POOL_SECRET` for
 * persistent parties, `MPC_DELEGATE_POOL_SECRET` for delegates) and any party presenting it — inside the
 * noise-encrypted control channel, in a join request — is admitted with that role, which it must then register
 * with. This is how a pool of parties (three Compose services, a Kubernetes StatefulSet that scales) joins
 * without anyone copying peer ids. Only the admission is stored (`admitted_by = 'pool'` and the role), never the
 * secret: rotating it (a new value, a coordinator restart) refuses newcomers holding the old one while the
 * parties already admitted stay admitted until revoked.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { PartyRole } from '../../protocols/control/control.js';
import type { PartyRepo } from '../db/types.js';

/** The configured secrets, by the role each admits. */
export interface PoolSecretConfig {
  persistent?: string;
  delegate?: string;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The pool secrets of a running coordinator. */
export class PoolSecrets {
  /** Digests, so that every comparison is over 32 bytes whatever the lengths (no length leaks through timing). */
  private readonly digests: readonly [PartyRole, Buffer][];

  constructor(
    secrets: PoolSecretConfig,
    private readonly parties: Pick<PartyRepo, 'admit'>,
  ) {
    const entries: [PartyRole, Buffer][] = [];
    if (secrets.persistent) entries.push(['persistent', digest(secrets.persistent)]);
    if (secrets.delegate) entries.push(['delegate', digest(secrets.delegate)]);
    this.digests = entries;
  }

  /** Whether any pool secret is configured (unknown peers may then connect to present one). */
  get configured(): boolean {
    return this.digests.length > 0;
  }

  /** The role whose secret `presented` is, or false; compares with every configured secret in constant time. */
  match(presented: string): PartyRole | false {
    const d = digest(presented);
    let found: PartyRole | false = false;
    // no early exit: which secret matched (or that none did) does not show in the time taken
    for (const [role, expected] of this.digests) if (timingSafeEqual(d, expected)) found = role;
    return found;
  }

  /**
   * Admits `partyId` when `presented` is a configured secret and stores that it was admitted by the pool (with
   * the role); the role, or false for a wrong secret.
   */
  async admit(presented: string, partyId: string): Promise<PartyRole | false> {
    const role = this.match(presented);
    if (role !== false) await this.parties.admit(partyId, 'pool', role);
    return role;
  }
}
