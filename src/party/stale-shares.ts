/**
 * Stale pending shares. A keygen leaves each party a pending share until the coordinator's commit or abort; a
 * party that misses that decision (it was down, the coordinator crashed) would keep the share pending for ever.
 * On registration and then once per keygen deadline, the node asks the coordinator what became of the keygens of
 * its pending shares older than that deadline (protocols/control/key-fate.ts): a signed commit is applied (it
 * heals a commit the node missed), the signed aborts are applied in one store batch. A key the coordinator has
 * not settled, or an answer that cannot be had (coordinator unreachable, refusing, malformed), keeps the shares:
 * the node never deletes a share on its own judgement.
 */
import { toHex } from '../../protocols/common/bytes.js';
import { decodeAck } from '../../protocols/control/ack.js';
import { signedDecisions } from '../../protocols/control/decision.js';
import { decodeKeyFates, encodeKeyFateQuery, MAX_FATE_KEYS } from '../../protocols/control/key-fate.js';
import type { Ed25519 } from '../../protocols/control/peer-key.js';
import { MessageType } from '../../protocols/control/wire.js';
import type { Log } from '../runtime/logger.js';
import type { ShareStore } from '../store/share-store.js';

/** How old a pending share must be before its keygen's fate is asked: the coordinator's default keygen deadline. */
export const DEFAULT_STALE_PENDING_MS = 60_000;

/** What a sweep needs. */
export interface StaleSharesInit {
  store: ShareStore;
  /** Sends a control message to the coordinator and returns its raw answer (throws when unreachable). */
  ask(message: Uint8Array): Promise<Uint8Array>;
  /** The coordinator's binary peer id: the only signer of decisions. */
  coordinatorId: Uint8Array;
  ed25519: Ed25519;
  /** A pending share older than this is stale. @default DEFAULT_STALE_PENDING_MS */
  staleAfterMs?: number;
  now?: () => number;
  log: Log;
}

/** What one sweep did. */
export interface SweepReport {
  /** Stale pending shares asked about. */
  asked: number;
  committed: number;
  discarded: number;
  /** Kept: not settled by the coordinator, or no answer could be had. */
  kept: number;
}

/** Asks about stale pending shares and applies the coordinator's signed decisions; see the module comment. */
export class StaleShares {
  private running: Promise<SweepReport> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: StaleSharesInit) {}

  private get staleAfterMs(): number {
    return this.o.staleAfterMs ?? DEFAULT_STALE_PENDING_MS;
  }

  /** Sweeps once per stale period from now on (and never overlaps two sweeps). */
  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.staleAfterMs);
    this.timer.unref();
  }

  /** Stops sweeping and waits for a running sweep (the store closes after this). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One sweep (or the one running); never throws. */
  sweep(): Promise<SweepReport> {
    if (this.stopped) return Promise.resolve({ asked: 0, committed: 0, discarded: 0, kept: 0 });
    this.running ??= this.run()
      .catch((e) => {
        this.o.log.warn({ error: String(e) }, 'could not sweep stale pending shares; they are kept');
        return { asked: 0, committed: 0, discarded: 0, kept: 0 };
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async run(): Promise<SweepReport> {
    const now = (this.o.now ?? Date.now)();
    const stale = (await this.o.store.listShares())
      .filter((s) => s.status === 'pending' && now - Date.parse(s.createdAt) >= this.staleAfterMs)
      .map((s) => s.keyId);
    const report = { asked: stale.length, committed: 0, discarded: 0, kept: 0 };
    for (let i = 0; i < stale.length; i += MAX_FATE_KEYS) {
      const batch = stale.slice(i, i + MAX_FATE_KEYS);
      const done = await this.settle(batch);
      report.committed += done.committed;
      report.discarded += done.discarded;
      report.kept += batch.length - done.committed - done.discarded;
    }
    if (report.asked > 0) this.o.log.info(report, 'stale pending shares swept');
    return report;
  }

  /** Asks about `keyIds` and applies the answer; counts of what was applied. */
  private async settle(keyIds: Uint8Array[]): Promise<{ committed: number; discarded: number }> {
    const none = { committed: 0, discarded: 0 };
    let answer: Uint8Array;
    try {
      answer = await this.o.ask(encodeKeyFateQuery(keyIds));
    } catch (e) {
      this.o.log.warn({ error: String(e), keys: keyIds.length }, 'coordinator unreachable; stale pending shares kept');
      return none;
    }
    if (answer[0] === MessageType.ACK) {
      const ack = decodeAck(answer);
      this.o.log.warn({ code: ack.ok ? 'OK' : ack.code }, 'coordinator did not answer the key-fate query; shares kept');
      return none;
    }
    const asked = new Set(keyIds.map((k) => toHex(k)));
    const commits: Uint8Array[] = [];
    const aborts: Uint8Array[] = [];
    // every decision is opened against the coordinator's key; one that fails or names a key not asked about
    // spoils the whole answer (nothing of it is applied)
    for (const message of decodeKeyFates(answer)) {
      const { decision } = signedDecisions.open(message, this.o.coordinatorId, this.o.ed25519);
      const hex = toHex(decision.keyId);
      if (!asked.has(hex)) throw new Error(`the coordinator answered for key ${hex}, which was not asked about`);
      asked.delete(hex);
      (decision.action === 'commit' ? commits : aborts).push(decision.keyId);
    }
    for (const keyId of commits) {
      await this.o.store.commitShare(keyId);
      this.o.log.info({ keyId: toHex(keyId) }, 'key committed (the commit was missed)');
    }
    const discarded = await this.o.store.discardPendingShares(aborts);
    for (const keyId of discarded) {
      this.o.log.warn({ keyId: toHex(keyId) }, 'stale pending share discarded: its keygen failed');
    }
    return { committed: commits.length, discarded: discarded.length };
  }
}
