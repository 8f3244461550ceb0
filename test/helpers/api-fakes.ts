/**
 * In-memory stand-ins for the coordinator repositories the REST API uses, with the same contracts as the
 * PostgreSQL ones (`coordinator/db/types.ts`), for testing the HTTP layer without a database.
 */
import type { ApiKeyRepo, IdempotencyRepo, IdempotencyState } from '../../coordinator/db/types.js';

interface IdempotencyEntry {
  requestHash: string;
  response?: { status: number; body: unknown };
}

/** {@link IdempotencyRepo} over a Map; records every call for assertions. */
export class MemoryIdempotencyRepo implements IdempotencyRepo {
  /** Entries by `scope` + NUL + `key`. */
  readonly entries = new Map<string, IdempotencyEntry>();
  /** Every call, in order, e.g. `['begin', scope, key]`. */
  readonly calls: [string, string, string][] = [];

  private static id(scope: string, key: string): string {
    return `${scope}\u0000${key}`;
  }

  async begin(scope: string, key: string, requestHash: string): Promise<IdempotencyState> {
    this.calls.push(['begin', scope, key]);
    const id = MemoryIdempotencyRepo.id(scope, key);
    const entry = this.entries.get(id);
    if (entry === undefined) {
      this.entries.set(id, { requestHash });
      return { state: 'new' };
    }
    if (entry.requestHash !== requestHash) return { state: 'mismatch' };
    if (entry.response === undefined) return { state: 'in-progress' };
    return { state: 'done', ...entry.response };
  }

  async complete(scope: string, key: string, status: number, body: unknown): Promise<void> {
    this.calls.push(['complete', scope, key]);
    const entry = this.entries.get(MemoryIdempotencyRepo.id(scope, key));
    if (entry === undefined) throw new Error('complete() of an unclaimed key');
    // A JSON round trip, as a jsonb column would do: the replay must not share objects with the first response.
    entry.response = { status, body: JSON.parse(JSON.stringify(body)) as unknown };
  }

  async release(scope: string, key: string): Promise<void> {
    this.calls.push(['release', scope, key]);
    this.entries.delete(MemoryIdempotencyRepo.id(scope, key));
  }
}

/** {@link ApiKeyRepo} over a Map. */
export class MemoryApiKeyRepo implements ApiKeyRepo {
  /** Uses by key hash. */
  readonly uses = new Map<string, { uses: number; lastUsed: Date }>();

  async recordUse(keyHash: string): Promise<void> {
    const prev = this.uses.get(keyHash);
    this.uses.set(keyHash, { uses: (prev?.uses ?? 0) + 1, lastUsed: new Date() });
  }

  async usage(keyHash: string): Promise<{ uses: number; lastUsed: Date } | undefined> {
    return this.uses.get(keyHash);
  }
}
