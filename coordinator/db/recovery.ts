/**
 * {@link RecoveryRepo} over `pg`: what a coordinator does with the work its previous process left unfinished
 * (a crash, a kill -9). No session survives its process — the parties' attempts are announced by it and judged
 * by it — so at start every session still `pending` or `running` is failed, with the reason in its event log,
 * every account still `pending` is failed, and every idempotency claim still in progress is released so that
 * the client's retry runs once (it can no longer be answered by the dead process).
 */
import type pg from 'pg';
import type { RecoveryRepo } from './types.js';

/** The error stored on a session its coordinator did not finish. */
export const RESTART_ERROR = {
  code: 'COORDINATOR_RESTARTED',
  message: 'the coordinator stopped before the session ended; it was failed when the coordinator started again',
};

/** The recovery repository over `pool` (one transaction: a crash during recovery leaves it to the next start). */
export function recoveryRepo(pool: pg.Pool): RecoveryRepo {
  return {
    async failUnfinished() {
      // one client for the whole transaction: on embedded PGlite the pool has a single connection
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const sessions = await c.query<{ session_id: string }>(
          `UPDATE sessions SET status = 'failed', error = $1::jsonb, updated_at = now()
           WHERE status IN ('pending', 'running') RETURNING session_id`,
          [JSON.stringify(RESTART_ERROR)],
        );
        const ids = sessions.rows.map((r) => r.session_id);
        if (ids.length > 0) {
          await c.query(
            `INSERT INTO session_events (session_id, type, detail)
             SELECT s, 'failure', $2::jsonb FROM unnest($1::text[]) AS s`,
            [ids, JSON.stringify({ ...RESTART_ERROR, culprits: [] })],
          );
        }
        const accounts = await c.query<{ account_id: string; key_id: string; session_id: string }>(
          `UPDATE accounts SET status = 'failed' WHERE status = 'pending' RETURNING account_id, key_id, session_id`,
        );
        const parties = await c.query<{ account_id: string; peer_id: string }>(
          'SELECT account_id, peer_id FROM account_parties WHERE account_id = ANY($1::text[])',
          [accounts.rows.map((a) => a.account_id)],
        );
        const claims = await c.query('DELETE FROM idempotency_keys WHERE status IS NULL');
        await c.query('COMMIT');
        return {
          sessions: ids.length,
          accounts: accounts.rows.map((a) => ({
            accountId: a.account_id,
            keyId: a.key_id,
            sessionId: a.session_id,
            partyIds: parties.rows.filter((p) => p.account_id === a.account_id).map((p) => p.peer_id),
          })),
          idempotencyClaims: claims.rowCount ?? 0,
        };
      } catch (e) {
        await c.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        c.release();
      }
    },
  };
}
