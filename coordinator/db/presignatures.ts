/**
 * {@link PresignatureRepo} over `pg`: the coordinator's inventory of presignatures (`presignatures`), one row
 * per presignature the parties hold. A row is added only while its account is active under the row's key, so
 * a presigning that ends after a refresh adds nothing. The signing that uses a presignature deletes its row with
 * the insert of its session row (sessions.ts); a refresh or reshare deletes the account's rows (accounts.ts,
 * `rekey`).
 */
import type pg from 'pg';
import type { PresignatureRepo, PresignatureRow } from './types.js';

interface PresignatureRecord {
  presignature_id: string;
  account_id: string;
  key_id: string;
  signers: { partyId: string; index: number }[];
  r: string;
  created_at: Date;
}

function toRow(r: PresignatureRecord): PresignatureRow {
  return {
    presignatureId: r.presignature_id,
    accountId: r.account_id,
    keyId: r.key_id,
    signers: r.signers,
    r: r.r,
    createdAt: r.created_at,
  };
}

/** The presignature inventory over `pool`. */
export function presignatureRepo(pool: pg.Pool): PresignatureRepo {
  return {
    async insert(row) {
      const r = await pool.query(
        `INSERT INTO presignatures (presignature_id, account_id, key_id, signers, r)
         SELECT $1, $2, $3, $4::jsonb, $5
         WHERE EXISTS (SELECT 1 FROM accounts WHERE account_id = $2 AND key_id = $3 AND status = 'active')`,
        [row.presignatureId, row.accountId, row.keyId, JSON.stringify(row.signers), row.r],
      );
      return r.rowCount === 1;
    },

    async ofAccount(accountId, keyId) {
      const r = await pool.query<PresignatureRecord>(
        `SELECT presignature_id, account_id, key_id, signers, r, created_at FROM presignatures
         WHERE account_id = $1 AND key_id = $2 ORDER BY created_at, presignature_id`,
        [accountId, keyId],
      );
      return r.rows.map(toRow);
    },

    async poolAccounts() {
      const r = await pool.query<{ account_id: string }>(
        `SELECT account_id FROM accounts WHERE status = 'active' AND custody = 'server' ORDER BY created_at`,
      );
      return r.rows.map((x) => x.account_id);
    },
  };
}
