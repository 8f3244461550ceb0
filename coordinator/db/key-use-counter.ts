/**
 * API-key use, counted in memory and written every few seconds: one database write per request would cost
 * every signing request a query (on the embedded database, CPU on the coordinator's own thread).
 */
import type { ApiKeyRepo } from './types.js';

/** How often counted uses are written. */
export const KEY_USE_FLUSH_MS = 2_000;

/** An {@link ApiKeyRepo} that batches `recordUse` and writes on a timer and at {@link KeyUseCounter.close}. */
export class KeyUseCounter implements ApiKeyRepo {
  private pending = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly repo: ApiKeyRepo,
    private readonly onError: (e: unknown) => void = () => {},
  ) {
    this.timer = setInterval(() => void this.flush(), KEY_USE_FLUSH_MS);
    this.timer.unref();
  }

  /** Counts uses; written at the next flush. */
  async recordUse(keyHash: string, count = 1): Promise<void> {
    this.pending.set(keyHash, (this.pending.get(keyHash) ?? 0) + count);
  }

  /** Stored uses plus those not yet written. */
  async usage(keyHash: string): Promise<{ uses: number; lastUsed: Date } | undefined> {
    const stored = await this.repo.usage(keyHash);
    const extra = this.pending.get(keyHash) ?? 0;
    if (!stored) return extra > 0 ? { uses: extra, lastUsed: new Date() } : undefined;
    return { uses: stored.uses + extra, lastUsed: extra > 0 ? new Date() : stored.lastUsed };
  }

  /** Writes what was counted; a failed write is reported and its counts are kept for the next flush. */
  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    for (const [key, n] of batch) {
      try {
        await this.repo.recordUse(key, n);
      } catch (e) {
        this.pending.set(key, (this.pending.get(key) ?? 0) + n);
        this.onError(e);
      }
    }
  }

  /** Stops the timer and writes the rest. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
