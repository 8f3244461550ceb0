/**
 * {@link AccountRepo} over `pg`: accounts and their parties (`accounts`, `account_parties`).
 */
import type pg from 'pg';
import type { PartyRole } from '../../protocols/control/control.js';
import type { AccountParty, AccountRepo, AccountRow, AccountStatus, Custody } from './types.js';

/** An `accounts` row with its parties aggregated as JSON, as {@link SELECT_ACCOUNT} returns it. */
interface AccountRecord {
  account_id: string;
  user_id: string;
  key_id: string;
  public_key: string | null;
  address: string | null;
  threshold: number;
  status: AccountStatus;
  session_id: string;
  custody: Custody;
  require_user_share: boolean;
  required_parties: string[];
  created_at: Date;
  rekeyed_at: Date | null;
  chain_code: string | null;
  parties: { partyId: string; index: number; role: PartyRole }[];
}

/** Accounts with their parties in index order, in one statement (one snapshot, one round trip). */
const SELECT_ACCOUNT = `
  SELECT a.account_id, a.user_id, a.key_id, a.public_key, a.address, a.threshold, a.status, a.session_id,
         a.custody, a.require_user_share, a.required_parties, a.created_at, a.rekeyed_at, a.chain_code,
         COALESCE((SELECT json_agg(json_build_object('partyId', p.peer_id, 'index', p.idx, 'role', p.role)
                                   ORDER BY p.idx)
                   FROM account_parties p WHERE p.account_id = a.account_id), '[]'::json) AS parties
  FROM accounts a`;

function toRow(r: AccountRecord): AccountRow {
  return {
    accountId: r.account_id,
    userId: r.user_id,
    keyId: r.key_id,
    publicKey: r.public_key,
    address: r.address,
    threshold: r.threshold,
    status: r.status,
    sessionId: r.session_id,
    parties: r.parties,
    custody: r.custody,
    requireUserShare: r.require_user_share,
    requiredParties: r.required_parties,
    createdAt: r.created_at,
    rekeyedAt: r.rekeyed_at,
    chainCode: r.chain_code,
  };
}

/** Runs `body` in one transaction on one client (PGlite's pool has a single connection: no query through the pool in here). */
async function inTransaction<T>(pool: pg.Pool, body: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const out = await body(c);
    await c.query('COMMIT');
    return out;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => {
      // a broken connection rolls back by itself; the body's error is the one to report
    });
    throw e;
  } finally {
    c.release();
  }
}

/** Replaces the parties of an account (inside a transaction). */
async function replaceParties(c: pg.PoolClient, accountId: string, parties: readonly AccountParty[]): Promise<void> {
  const sorted = [...parties].sort((x, y) => x.index - y.index);
  await c.query('DELETE FROM account_parties WHERE account_id = $1', [accountId]);
  await c.query(
    `INSERT INTO account_parties (account_id, peer_id, idx, role)
     SELECT $1::text, * FROM unnest($2::text[], $3::int[], $4::text[])`,
    [accountId, sorted.map((p) => p.partyId), sorted.map((p) => p.index), sorted.map((p) => p.role)],
  );
}

/** The account repository over `pool`. */
export function accountRepo(pool: pg.Pool): AccountRepo {
  return {
    async insert(a) {
      const custody = a.custody ?? 'server';
      const requireUserShare = a.requireUserShare ?? false;
      const requiredParties = [...(a.requiredParties ?? [])];
      const parties: AccountParty[] = [...a.parties]
        .sort((x, y) => x.index - y.index)
        .map((p) => ({ partyId: p.partyId, index: p.index, role: p.role }));
      return inTransaction(pool, async (c) => {
        const r = await c.query<{ created_at: Date }>(
          `INSERT INTO accounts (account_id, user_id, key_id, threshold, session_id, custody, require_user_share,
                                 required_parties)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING created_at`,
          [
            a.accountId,
            a.userId,
            a.keyId,
            a.threshold,
            a.sessionId,
            custody,
            requireUserShare,
            JSON.stringify(requiredParties),
          ],
        );
        await replaceParties(c, a.accountId, parties);
        return {
          accountId: a.accountId,
          userId: a.userId,
          keyId: a.keyId,
          publicKey: null,
          address: null,
          threshold: a.threshold,
          status: 'pending' as const,
          sessionId: a.sessionId,
          parties,
          custody,
          requireUserShare,
          requiredParties,
          createdAt: r.rows[0]!.created_at,
          rekeyedAt: null,
          chainCode: null,
        };
      });
    },

    async activate(accountId, publicKey, address, chainCode) {
      await pool.query(
        `UPDATE accounts SET status = 'active', public_key = $2, address = $3, chain_code = $4 WHERE account_id = $1`,
        [accountId, publicKey, address, chainCode],
      );
    },

    async reassign(accountId, attempt) {
      await inTransaction(pool, async (c) => {
        await c.query(`UPDATE accounts SET key_id = $2, session_id = $3 WHERE account_id = $1 AND status = 'pending'`, [
          accountId,
          attempt.keyId,
          attempt.sessionId,
        ]);
        await replaceParties(c, accountId, attempt.parties);
      });
    },

    async rekey(accountId, fromKeyId, to) {
      return inTransaction(pool, async (c) => {
        const r = await c.query(
          `UPDATE accounts SET key_id = $3, threshold = $4, rekeyed_at = now()
           WHERE account_id = $1 AND key_id = $2 AND status = 'active'`,
          [accountId, fromKeyId, to.keyId, to.threshold],
        );
        if (r.rowCount !== 1) return false;
        await replaceParties(c, accountId, to.parties);
        // the parties delete their presignatures of the old key at the commit: the inventory forgets them too
        await c.query('DELETE FROM presignatures WHERE account_id = $1', [accountId]);
        return true;
      });
    },

    async fail(accountId) {
      await pool.query(`UPDATE accounts SET status = 'failed' WHERE account_id = $1`, [accountId]);
    },

    async get(accountId) {
      const r = await pool.query<AccountRecord>(`${SELECT_ACCOUNT} WHERE a.account_id = $1`, [accountId]);
      const row = r.rows[0];
      return row ? toRow(row) : undefined;
    },

    async byKeyIds(keyIds) {
      const r = await pool.query<AccountRecord>(`${SELECT_ACCOUNT} WHERE a.key_id = ANY($1::text[])`, [[...keyIds]]);
      return r.rows.map(toRow);
    },

    async byUser(userId) {
      // account_id breaks ties so the order is stable when two accounts share a timestamp.
      const r = await pool.query<AccountRecord>(
        `${SELECT_ACCOUNT} WHERE a.user_id = $1 ORDER BY a.created_at DESC, a.account_id`,
        [userId],
      );
      return r.rows.map(toRow);
    },
  };
}
