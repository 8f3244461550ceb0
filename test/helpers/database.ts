/**
 * A database for tests: the PostgreSQL server of `DATABASE_URL` when set (a fresh schema per call, dropped on
 * close, so tests and parallel runs never see each other's rows), else an in-memory PGlite.
 */
import { randomBytes } from 'node:crypto';
import { type Database, openDatabase } from '../../coordinator/db/database.js';

/** True when tests run against a real PostgreSQL server (`DATABASE_URL`). */
export const realPostgres = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '';

/** A fresh, migrated database; `close()` also drops the schema on a real server. */
export async function testDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url) return openDatabase({});
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = await openDatabase({ url, schema, poolSize: 4 });
  let closing: Promise<void> | undefined;
  return {
    pool: db.pool,
    embedded: db.embedded,
    repos: db.repos,
    close: () => {
      closing ??= (async () => {
        try {
          // The schema name is generated above (hex), so interpolating it is safe.
          await db.pool.query(`DROP SCHEMA ${schema} CASCADE`);
        } finally {
          await db.close();
        }
      })();
      return closing;
    },
  };
}
