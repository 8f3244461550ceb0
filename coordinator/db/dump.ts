/**
 * A logical dump of the coordinator's database through the same `pg` code that runs it, so it works alike on
 * PostgreSQL and on the embedded PGlite: every table's rows as JSON, read in one repeatable-read transaction (a
 * consistent snapshot, also while a coordinator on PostgreSQL keeps running), and loaded back into an empty,
 * migrated database in one transaction. A dump made by an older version loads into a newer schema (columns
 * added since keep their defaults); one made by a newer version is refused.
 */
import type pg from 'pg';
import { DatabaseError } from './database.js';

/** The database's content. */
export interface DatabaseDump {
  /** The migrations the dumped schema had. */
  readonly migrations: readonly string[];
  /** Rows of each table (as `to_jsonb` gives them), by table name. */
  readonly tables: Readonly<Record<string, readonly Record<string, unknown>[]>>;
}

/** Table and column names are interpolated into SQL: only plain lower-case identifiers are ever used. */
const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
/** Rows per INSERT. */
const CHUNK = 500;

async function tables(c: pg.PoolClient): Promise<string[]> {
  const r = await c.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'
     ORDER BY table_name`,
  );
  return r.rows.map((x) => x.table_name).filter((t) => IDENT.test(t));
}

/** Tables that reference another table, so that they are loaded after the tables they reference. */
async function referencing(c: pg.PoolClient): Promise<Set<string>> {
  const r = await c.query<{ table_name: string }>(
    `SELECT DISTINCT table_name FROM information_schema.table_constraints
     WHERE table_schema = current_schema() AND constraint_type = 'FOREIGN KEY'`,
  );
  return new Set(r.rows.map((x) => x.table_name));
}

async function migrations(c: pg.PoolClient): Promise<string[]> {
  return (await c.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).rows.map((x) => x.name);
}

/** Every table's rows, from one snapshot. */
export async function dumpDatabase(pool: pg.Pool): Promise<DatabaseDump> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const out: Record<string, Record<string, unknown>[]> = {};
    for (const t of await tables(c)) {
      out[t] = (await c.query<{ row: Record<string, unknown> }>(`SELECT to_jsonb(t) AS row FROM ${t} t`)).rows.map(
        (x) => x.row,
      );
    }
    const dump = { migrations: await migrations(c), tables: out };
    await c.query('COMMIT');
    return dump;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    c.release();
  }
}

/**
 * Loads `dump` into the (migrated) database of `pool`, whose tables must all be empty; all or nothing.
 * `DatabaseError` `NOT_EMPTY` or `INCOMPATIBLE` (a newer schema, an unknown table or column) otherwise.
 */
export async function loadDump(pool: pg.Pool, dump: DatabaseDump): Promise<{ rows: number }> {
  const c = await pool.connect();
  try {
    const here = new Set(await migrations(c));
    const newer = dump.migrations.filter((m) => !here.has(m));
    if (newer.length > 0) {
      throw new DatabaseError(
        'INCOMPATIBLE',
        `the backup comes from a newer version (migrations ${newer.join(', ')}); restore it with that version`,
      );
    }
    const known = new Set(await tables(c));
    const later = await referencing(c);
    const order = Object.keys(dump.tables).sort(
      (a, b) => Number(later.has(a)) - Number(later.has(b)) || (a < b ? -1 : 1),
    );
    await c.query('BEGIN');
    let rows = 0;
    for (const t of order) {
      if (!known.has(t))
        throw new DatabaseError('INCOMPATIBLE', `the backup has a table ${t} this version does not know`);
      if ((await c.query(`SELECT 1 FROM ${t} LIMIT 1`)).rowCount !== 0) {
        throw new DatabaseError('NOT_EMPTY', `table ${t} is not empty: restore into a new database`);
      }
      const data = dump.tables[t] ?? [];
      if (data.length === 0) continue;
      const columns = new Set(
        (
          await c.query<{ column_name: string }>(
            'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
            [t],
          )
        ).rows.map((x) => x.column_name),
      );
      const cols = Object.keys(data[0] as object);
      for (const col of cols) {
        if (!IDENT.test(col) || !columns.has(col)) {
          throw new DatabaseError('INCOMPATIBLE', `the backup has a column ${t}.${col} this version does not know`);
        }
      }
      const list = cols.join(', ');
      for (let k = 0; k < data.length; k += CHUNK) {
        await c.query(
          `INSERT INTO ${t} (${list}) SELECT ${list} FROM jsonb_populate_recordset(NULL::${t}, $1::jsonb)`,
          [JSON.stringify(data.slice(k, k + CHUNK))],
        );
      }
      rows += data.length;
      // a serial column continues after the highest restored value
      const serials = await c.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 AND column_default LIKE 'nextval(%'`,
        [t],
      );
      for (const { column_name: col } of serials.rows) {
        if (!IDENT.test(col)) continue;
        await c.query(`SELECT setval(pg_get_serial_sequence($1, $2), (SELECT max(${col}) FROM ${t}))`, [t, col]);
      }
    }
    await c.query('COMMIT');
    return { rows };
  } catch (e) {
    await c.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    c.release();
  }
}
