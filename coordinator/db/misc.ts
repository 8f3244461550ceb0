/**
 * The small repositories over `pg`: API-key use counts, idempotency keys and one-time join tokens.
 */
import type pg from 'pg';
import type { PartyRole } from '../../protocols/control/control.js';
import type { ApiKeyRepo, IdempotencyRepo, JoinTokenRepo } from './types.js';

/** The API-key use repository over `pool`. */
export function apiKeyRepo(pool: pg.Pool): ApiKeyRepo {
  return {
    async recordUse(keyHash, count = 1) {
      // One statement: concurrent requests with the same key each count (no read-modify-write race).
      await pool.query(
        `INSERT INTO api_key_use (key_hash, uses, last_used) VALUES ($1, $2, now())
         ON CONFLICT (key_hash) DO UPDATE SET uses = api_key_use.uses + EXCLUDED.uses, last_used = EXCLUDED.last_used`,
        [keyHash, count],
      );
    },

    async usage(keyHash) {
      const r = await pool.query<{ uses: string; last_used: Date }>(
        'SELECT uses, last_used FROM api_key_use WHERE key_hash = $1',
        [keyHash],
      );
      const row = r.rows[0];
      return row ? { uses: Number(row.uses), lastUsed: row.last_used } : undefined;
    },
  };
}

/**
 * How many times `begin` tries to claim-or-read: the row it conflicted with can be released between the insert
 * and the read, and then the claim is worth retrying; more than a few in a row would mean a bug, not a race.
 */
const BEGIN_ATTEMPTS = 3;

/** The idempotency-key repository over `pool`. */
export function idempotencyRepo(pool: pg.Pool): IdempotencyRepo {
  return {
    async begin(scope, key, requestHash) {
      for (let i = 0; i < BEGIN_ATTEMPTS; i++) {
        // The insert is the claim: exactly one of several concurrent requests gets a row back.
        const claimed = await pool.query(
          `INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
           ON CONFLICT (scope, key) DO NOTHING RETURNING 1`,
          [scope, key, requestHash],
        );
        if (claimed.rowCount) return { state: 'new' };
        const r = await pool.query<{ request_hash: string; status: number | null; body: unknown }>(
          'SELECT request_hash, status, body FROM idempotency_keys WHERE scope = $1 AND key = $2',
          [scope, key],
        );
        const row = r.rows[0];
        if (!row) continue;
        if (row.request_hash !== requestHash) return { state: 'mismatch' };
        if (row.status === null) {
          // A claim older than any request can run was left by a coordinator that stopped mid-request: take it
          // over (atomically), so the key is not stuck answering 409 for ever.
          const taken = await pool.query(
            `UPDATE idempotency_keys SET created_at = now()
             WHERE scope = $1 AND key = $2 AND status IS NULL AND created_at < now() - make_interval(secs => $3)
             RETURNING 1`,
            [scope, key, STALE_CLAIM_SECONDS],
          );
          return taken.rowCount ? { state: 'new' } : { state: 'in-progress' };
        }
        return { state: 'done', status: row.status, body: row.body };
      }
      throw new Error(`idempotency key ${key}: claimed and released ${BEGIN_ATTEMPTS} times in a row`);
    },

    async complete(scope, key, status, body) {
      // Only an in-progress claim: a stored response is final, and a released key has nothing to complete.
      await pool.query(
        `UPDATE idempotency_keys SET status = $3, body = $4 WHERE scope = $1 AND key = $2 AND status IS NULL`,
        [scope, key, status, JSON.stringify(body === undefined ? null : body)],
      );
    },

    async release(scope, key) {
      await pool.query('DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status IS NULL', [scope, key]);
    },
  };
}

/** An in-progress idempotency claim older than this (well beyond any request's deadline) is abandoned. */
export const STALE_CLAIM_SECONDS = 600;

/** The join-token repository over `pool`. */
export function joinTokenRepo(pool: pg.Pool): JoinTokenRepo {
  return {
    async create(tokenHash, expiresAt, role = 'persistent') {
      await pool.query('INSERT INTO join_tokens (token_hash, expires_at, role) VALUES ($1, $2, $3)', [
        tokenHash,
        expiresAt,
        role,
      ]);
    },

    async redeem(tokenHash, partyId, now) {
      // Check and mark in one statement, so a token raced by two parties is redeemed by exactly one.
      const r = await pool.query<{ role: PartyRole }>(
        `UPDATE join_tokens SET used_by = $2, used_at = $3
         WHERE token_hash = $1 AND used_by IS NULL AND expires_at > $3 RETURNING role`,
        [tokenHash, partyId, now],
      );
      return r.rows[0]?.role;
    },

    async outstanding(now) {
      const r = await pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM join_tokens WHERE used_by IS NULL AND expires_at > $1',
        [now],
      );
      return Number(r.rows[0]?.n ?? 0);
    },
  };
}
