/**
 * Pair states in the party store: the sealed OT correlations with each peer node (one per peer, dated when
 * stored), and the burnt flags of states that failed an OT-extension check. A burnt state is never used again; only an
 * operator's new pair setup replaces it (the flag of the old state stays as a record).
 */
import { equalBytes, fromHex, toHex } from '../../protocols/common/bytes.js';
import { PairGuard } from '../../protocols/dkls23/pair-guard.js';
import { decodePairState, encodePairState, type PairState } from '../../protocols/dkls23/pair-state.js';
import { StoreError } from './errors.js';
import { recordKey, recordPrefix } from './records.js';
import type { BurntInfo } from './types.js';
import type { Vault } from './vault.js';

/** The pair states of one store; reached as `store.pairs`. */
export class PairStates {
  private readonly pendingBurns = new Set<Promise<void>>();

  constructor(private readonly vault: Vault) {}

  /**
   * Stores the pair state with its peer node, dated now unless it carries its `createdAt` already. Replacing an
   * existing one (a fresh pair setup: after a burn, on an operator's command, or past the maximum age) needs
   * `replace`; the burnt flag of the old state stays.
   */
  async put(state: PairState, options: { replace?: boolean } = {}): Promise<void> {
    const k = recordKey.pair(state.peerNodeId);
    const dated = state.createdAt === undefined ? { ...state, createdAt: this.vault.now().getTime() } : state;
    await this.vault.lock.run(k, async () => {
      if (!options.replace && (await this.vault.has(k))) {
        throw new StoreError('ALREADY_EXISTS', `a pair state with peer ${toHex(state.peerNodeId)} is already stored`);
      }
      await this.vault.put(k, this.vault.seal(k, encodePairState(dated)));
    });
  }

  /** The pair state with `peerId`, or undefined. */
  async get(peerId: Uint8Array): Promise<PairState | undefined> {
    const k = recordKey.pair(peerId);
    const plain = await this.vault.getSealed(k, `pair state with ${toHex(peerId)}`);
    return plain === undefined ? undefined : decode(k, plain);
  }

  /**
   * Discards the pair state with `peerId` (an operator's command, e.g. after a burn), so that the next session
   * with that peer runs a fresh pair setup with a fresh Δ. The burnt flag of the old state stays as a record.
   * Returns false when there was none.
   */
  async discard(peerId: Uint8Array): Promise<boolean> {
    const k = recordKey.pair(peerId);
    return this.vault.lock.run(k, async () => {
      if (!(await this.vault.has(k))) return false;
      await this.vault.del(k);
      return true;
    });
  }

  /** Every stored pair state (decrypted), in peer-id order. */
  async list(): Promise<PairState[]> {
    const out: PairState[] = [];
    for await (const [key, value] of this.vault.entries(recordPrefix.pair)) {
      out.push(decode(key, this.vault.open(key, value, `record ${key}`)));
    }
    return out;
  }

  /**
   * Persists the burnt flag of `state` (idempotent: the first reason stays). Resolves once the flag is on disk;
   * only then may the node report the failure, so that a crash cannot forget a burn it already announced.
   */
  async markBurnt(state: PairState, reason = 'OT-extension check failed'): Promise<void> {
    await this.vault.raise(recordKey.burnt(state.psid, state.peerNodeId), reason);
  }

  /** Whether `state` was burnt. */
  async isBurnt(state: PairState): Promise<boolean> {
    return this.vault.has(recordKey.burnt(state.psid, state.peerNodeId));
  }

  /** Every burnt flag. */
  async listBurnt(): Promise<BurntInfo[]> {
    return (await this.vault.flags(recordPrefix.burnt)).map(({ rest, reason, at }) => {
      const [psid, peer] = rest.split('/');
      return { psid: fromHex(psid ?? ''), peerId: fromHex(peer ?? ''), reason, at };
    });
  }

  /**
   * A {@link PairGuard} for the node's sessions: it starts with the stored burnt flags and persists each new
   * burn (its `onBurn` is synchronous, so the write runs in the background; await {@link flushBurns} before
   * reporting a burn). `onPersisted` hears when each write finished or failed.
   */
  async createGuard(onPersisted: (state: PairState, error?: unknown) => void = () => {}): Promise<PairGuard> {
    const burnt = await this.listBurnt();
    const states = (await this.list()).filter((s) =>
      burnt.some((b) => equalBytes(b.psid, s.psid) && equalBytes(b.peerId, s.peerNodeId)),
    );
    return new PairGuard((state) => {
      const write = this.markBurnt(state).then(
        () => onPersisted(state),
        (e) => onPersisted(state, e),
      );
      this.pendingBurns.add(write);
      void write.finally(() => this.pendingBurns.delete(write));
    }, states);
  }

  /** Resolves once every burn started by a guard from {@link createGuard} is written. */
  async flushBurns(): Promise<void> {
    await Promise.all([...this.pendingBurns]);
  }
}

function decode(key: string, plain: Uint8Array): PairState {
  try {
    return decodePairState(plain);
  } catch (e) {
    throw new StoreError('CORRUPT_RECORD', `record ${key} does not decode as a pair state`, { cause: e });
  }
}
