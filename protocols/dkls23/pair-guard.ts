/**
 * Burning pair states. One Δ guards every key two nodes share, and each failed OT-extension check can leak one
 * bit of it to a cheating Bob (the selective-failure bit of KOS). So the first failed check burns the pair
 * state for good, and no session may run the check on a burnt state — in particular parallel sessions must
 * not each get one guess at a different bit of Δ.
 *
 * Testing the burnt flag, running the check and burning on failure happen in one synchronous call, so within a
 * process they are one atomic step: a session acts on a passed check only if the state was not burnt when it
 * checked. A node shares one guard among all its sessions and persists burns through `onBurn` (then re-runs
 * pair setup only on an operator's command).
 */
import { toHex } from '../common/bytes.js';
import type { PairState } from './pair-state.js';

/** Identifies a pair state: the pair-setup session id and the peer node. */
function pairKey(p: PairState): string {
  return `${toHex(p.psid)}/${toHex(p.peerNodeId)}`;
}

/** Shared, in-memory record of burnt pair states; one per node. */
export class PairGuard {
  private readonly burnt = new Set<string>();

  /**
   * @param onBurn called synchronously when a state is burnt (the node persists the flag and aborts every
   *   session that uses the state)
   * @param initiallyBurnt states already burnt (loaded from storage)
   */
  constructor(
    private readonly onBurn: (p: PairState) => void = () => {},
    initiallyBurnt: readonly PairState[] = [],
  ) {
    for (const p of initiallyBurnt) this.burnt.add(pairKey(p));
  }

  /** True when `p` may no longer be used. */
  isBurnt(p: PairState): boolean {
    return this.burnt.has(pairKey(p));
  }

  /** Burns `p`: every later {@link isBurnt} is true. */
  burn(p: PairState): void {
    const key = pairKey(p);
    if (this.burnt.has(key)) return;
    this.burnt.add(key);
    this.onBurn(p);
  }
}
