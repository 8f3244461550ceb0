/**
 * Schema migrations: the SQL files of `migrations/`, applied in name order, each once, each in its own
 * transaction, recorded in `schema_migrations`. Safe when several coordinators start at once on one database.
 */
import { readdir, readFile } from 'node:fs/promises';
import type pg from 'pg';

/** The folder of migration files, beside this module (works from the sources run by tsx). */
const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/** `NNN_name.sql`: anything else in the folder (notes, editor files) is not a migration. */
const MIGRATION_FILE = /^\d+_[\w-]+\.sql$/;

/**
 * Key of the transaction-scoped advisory lock every migration transaction takes first. It is database-wide: two
 * coordinators migrating at once queue on it, and the second then sees the first one's rows and skips them.
 * (Arbitrary constant: 'mpc-migr' in ASCII, 0x6d70632d6d696772, written in decimal for PostgreSQL < 16.)
 */
const MIGRATION_LOCK_KEY = '7885911994286040946';

/** Names of the migration files, sorted (zero-padded prefixes make name order the apply order). */
export async function migrationFiles(): Promise<string[]> {
  const names = await readdir(MIGRATIONS_DIR);
  return names.filter((n) => MIGRATION_FILE.test(n)).sort();
}

/**
 * Applies the migrations not yet recorded in `schema_migrations` (created if missing), in name order, each in
 * its own transaction together with its record, so a failed migration leaves no half-applied schema behind.
 * Holds one pooled client throughout, so it also works on a pool of one connection (embedded PGlite).
 *
 * @returns the names applied now (empty when the schema was already up to date)
 * @throws the database error of a failing migration, with the migration's name prefixed to its message
 */
export async function migrate(pool: pg.Pool): Promise<string[]> {
  const files = await migrationFiles();
  const applied: string[] = [];
  const client = await pool.connect();
  try {
    // Create the ledger under the lock too: concurrent `CREATE TABLE IF NOT EXISTS` can still collide.
    const done = await inTransaction(client, async () => {
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const r = await client.query<{ name: string }>('SELECT name FROM schema_migrations');
      return new Set(r.rows.map((row) => row.name));
    });
    for (const name of files) {
      if (done.has(name)) continue;
      const sql = await readFile(new URL(name, MIGRATIONS_DIR), 'utf8');
      const ran = await inTransaction(client, async () => {
        // Re-check under the lock: another coordinator may have applied it since the read above.
        const seen = await client.query('SELECT 1 FROM schema_migrations WHERE name = $1', [name]);
        if (seen.rowCount) return false;
        try {
          await client.query(sql);
        } catch (e) {
          if (e instanceof Error) e.message = `migration ${name} failed: ${e.message}`;
          throw e;
        }
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
        return true;
      });
      if (ran) applied.push(name);
    }
    return applied;
  } finally {
    client.release();
  }
}

/** Runs `fn` in a transaction that first takes the migration lock; rolls back (and rethrows) on failure. */
async function inTransaction<T>(client: pg.PoolClient, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    const out = await fn();
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {
      // The connection itself failed: the server rolls back on its own; the original error matters more.
    });
    throw e;
  }
}
