/**
 * Opens the coordinator's database: a PostgreSQL server given by URL, or else an embedded PGlite (in a data
 * directory, or in memory). Either way callers get a `pg.Pool` and the repositories over it, with the schema
 * migrated: PGlite is reached through its socket server, so one code path serves both.
 */
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { CodedError } from '../../protocols/common/errors.js';
import { migrate } from './migrate.js';
import { createRepositories } from './repositories.js';
import type { Repositories } from './types.js';
import { databaseUrlProblem, redactUrl } from './url.js';

export { redactUrl } from './url.js';

/** Stable codes of {@link DatabaseError}. */
export type DatabaseErrorCode =
  /** The URL does not parse, or is not `postgres://` / `postgresql://`. */
  | 'BAD_URL'
  /** An option is unusable (e.g. a schema name that is not a plain lower-case identifier). */
  | 'BAD_OPTION'
  /** The server could not be reached, refused the login, or has no such database. */
  | 'CONNECT_FAILED'
  /** The embedded data directory is open in another process (or earlier in this one). */
  | 'LOCKED'
  /** The embedded database could not be created or opened (unusable directory, corrupt data). */
  | 'DATA_DIR_FAILED'
  /** A schema migration failed (nothing of it was applied). */
  | 'MIGRATION_FAILED'
  /** A restore found data in the database it was to fill (it restores only into an empty one). */
  | 'NOT_EMPTY'
  /** A backup does not fit this version's schema (made by a newer version, or unknown tables or columns). */
  | 'INCOMPATIBLE';

/** A failure opening the database. Messages name what failed but never carry a password. */
export class DatabaseError extends CodedError<DatabaseErrorCode> {
  override readonly name = 'DatabaseError';
}

/** An open database. */
export interface Database {
  /** The pool the repositories use; on embedded PGlite it has exactly one connection (see {@link openDatabase}). */
  readonly pool: pg.Pool;
  /** True for the embedded PGlite, false for a PostgreSQL server. */
  readonly embedded: boolean;
  readonly repos: Repositories;
  /** Ends the pool, then (embedded) stops the socket server, closes PGlite and releases the data directory. */
  close(): Promise<void>;
}

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** `postgres://user:password@host:port/database`; without it the embedded PGlite is used. */
  url?: string;
  /** Embedded only: the data directory (created if missing); without it the database lives in memory. */
  dataDir?: string;
  /** Server only: connections in the pool (default 10). The embedded database always uses one. */
  poolSize?: number;
  /**
   * A schema to use instead of `public` (created if missing; tables and migrations live there). Meant for
   * tests sharing one server: each gets a fresh schema. Lower-case letters, digits and `_` only.
   */
  schema?: string;
  /** Told of errors of idle pooled connections (e.g. the server restarted); the pool replaces them by itself. */
  onError?: (e: Error) => void;
}

/** Default pool size for a PostgreSQL server. */
const DEFAULT_POOL_SIZE = 10;
/** How long to wait for a server connection before failing (an unreachable host must not hang start-up). */
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * Socket-server connection limit for the embedded database: the pool uses one, the rest is headroom for the
 * moment the pool replaces a broken connection before the server has seen the old one close.
 */
const EMBEDDED_MAX_CONNECTIONS = 4;
/** Lock file in the embedded data directory; holds the pid of the process that has the directory open. */
const LOCK_FILE = 'coordinator.lock';
/** A schema name that needs no quoting and cannot inject SQL (it is interpolated into SET / CREATE SCHEMA). */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens the database and applies pending migrations.
 *
 * With `url`: a `pg.Pool` of `poolSize` connections on that server. Without: PGlite (`dataDir`, or in memory),
 * served to a one-connection `pg.Pool` by `PGLiteSocketServer` on a Unix socket in a private (0700) temporary
 * directory. PGlite is a single backend session shared by every socket connection, so one pooled connection
 * keeps transactions apart; a transaction must hold that connection and never wait for another. The socket is
 * not a loopback TCP port because the server has no authentication: any local user could reach a TCP port.
 *
 * @throws DatabaseError whose message names what failed, never the password of `url`
 */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
    throw new DatabaseError('BAD_OPTION', `schema name ${JSON.stringify(opts.schema)} is not a plain identifier`);
  }
  return opts.url !== undefined ? openServer(opts.url, opts) : openEmbedded(opts);
}

async function openServer(url: string, opts: OpenDatabaseOptions): Promise<Database> {
  const problem = databaseUrlProblem(url);
  if (problem !== undefined) throw new DatabaseError('BAD_URL', problem);
  const parsed = new URL(url);
  const shown = redactUrl(url);
  const secrets = [parsed.password, parsed.searchParams.get('password') ?? ''].flatMap((s) =>
    s ? [s, safeDecode(s)] : [],
  );
  const scrub = (text: string) => secrets.reduce((t, s) => t.split(s).join('***'), text);

  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'mpc-coordinator',
    ...(opts.schema === undefined ? {} : { options: `-c search_path=${opts.schema}` }),
  });
  pool.on('error', (e) => opts.onError?.(e));
  const fail = async (code: DatabaseErrorCode, what: string, e: unknown): Promise<never> => {
    await pool.end().catch(() => {});
    // No `cause`: driver errors are not guaranteed free of connection details.
    throw new DatabaseError(code, `${what} ${shown}: ${scrub(describe(e))}`);
  };

  try {
    await pool.query('SELECT 1');
  } catch (e) {
    return fail('CONNECT_FAILED', 'cannot connect to PostgreSQL at', e);
  }
  try {
    if (opts.schema !== undefined) await createSchema(pool, opts.schema);
    await migrate(pool);
  } catch (e) {
    return fail('MIGRATION_FAILED', 'cannot migrate the schema of', e);
  }
  let closing: Promise<void> | undefined;
  return {
    pool,
    embedded: false,
    repos: createRepositories(pool),
    close: () => {
      closing ??= pool.end();
      return closing;
    },
  };
}

async function openEmbedded(opts: OpenDatabaseOptions): Promise<Database> {
  const dir = opts.dataDir === undefined ? undefined : resolve(opts.dataDir);
  const where = dir === undefined ? 'in memory' : `in ${dir}`;
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    // Reverse order of acquisition; keep going past failures so the lock is always released.
    for (const f of cleanups.splice(0).reverse()) await Promise.resolve(f()).catch(() => {});
  };
  try {
    if (dir !== undefined) {
      prepareDataDir(dir);
      cleanups.push(lockDataDir(dir));
    }
    const sockDir = mkdtempSync(join(socketParent(), 'mpc-pglite-'));
    cleanups.push(() => rmSync(sockDir, { recursive: true, force: true }));
    const stop = await startPgliteWorker({
      ...(dir === undefined ? {} : { dataDir: dir }),
      socketPath: join(sockDir, '.s.PGSQL.5432'),
      maxConnections: EMBEDDED_MAX_CONNECTIONS,
      ...(opts.schema === undefined ? {} : { schema: opts.schema }),
    }).catch((e: unknown) => {
      throw new DatabaseError('DATA_DIR_FAILED', `cannot open the embedded database ${where}: ${describe(e)}`, {
        cause: e,
      });
    });
    cleanups.push(stop);
    const pool = new pg.Pool({ host: sockDir, port: 5432, user: 'postgres', database: 'postgres', max: 1 });
    pool.on('error', (e) => opts.onError?.(e));
    cleanups.push(() => pool.end());
    try {
      await migrate(pool);
    } catch (e) {
      throw new DatabaseError('MIGRATION_FAILED', `cannot migrate the embedded database ${where}: ${describe(e)}`, {
        cause: e,
      });
    }
    let closing: Promise<void> | undefined;
    return {
      pool,
      embedded: true,
      repos: createRepositories(pool),
      close: () => {
        closing ??= cleanup();
        return closing;
      },
    };
  } catch (e) {
    await cleanup();
    if (e instanceof DatabaseError) throw e;
    throw new DatabaseError('DATA_DIR_FAILED', `cannot start the embedded database ${where}: ${describe(e)}`, {
      cause: e,
    });
  }
}

/**
 * Starts PGlite and its socket server on a worker thread (pglite-worker.mjs), so that query execution runs
 * beside the coordinator's event loop instead of on it. Resolves when the socket is listening, with a function
 * that stops the server, closes PGlite and ends the thread.
 */
async function startPgliteWorker(data: {
  dataDir?: string;
  socketPath: string;
  maxConnections: number;
  schema?: string;
}): Promise<() => Promise<void>> {
  // plain JavaScript: the worker needs none of the Node options of this process (a loader, a preload)
  const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), { workerData: data, execArgv: [] });
  const first = await new Promise<{ ready?: true; error?: string }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the database thread exited with code ${code}`)));
  });
  if (first.error !== undefined) {
    await worker.terminate();
    throw new Error(first.error);
  }
  worker.removeAllListeners('exit');
  worker.removeAllListeners('error');
  worker.on('error', () => {});
  return async () => {
    const stopped = new Promise<void>((resolve) => {
      worker.once('message', () => resolve());
      worker.once('exit', () => resolve());
    });
    worker.postMessage('stop');
    await Promise.race([stopped, new Promise((r) => setTimeout(r, 10_000).unref())]);
    await worker.terminate();
  };
}

/** `CREATE SCHEMA IF NOT EXISTS`, which can still fail when another process creates the schema at the same moment. */
async function createSchema(pool: pg.Pool, schema: string): Promise<void> {
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (e) {
    const r = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (!r.rowCount) throw e;
  }
}

/** Creates `dir` if missing and checks it is a writable directory, with Node's error codes (PGlite's are opaque). */
function prepareDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.R_OK | constants.W_OK);
  } catch (e) {
    throw new DatabaseError('DATA_DIR_FAILED', `embedded database directory ${dir} is unusable: ${describe(e)}`);
  }
}

/**
 * Takes the data directory's lock file, or throws `LOCKED`. PGlite has no lock of its own, and two instances on
 * one directory silently lose writes. A lock whose process is gone (crash) is taken over.
 *
 * @returns the release function (removes the file if it is still ours)
 */
function lockDataDir(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  const mine = `${process.pid}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, mine, { flag: 'wx', mode: 0o600 });
      return () => {
        if (readText(path) === mine) rmSync(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new DatabaseError('DATA_DIR_FAILED', `cannot create ${path}: ${describe(e)}`);
      }
    }
    const pid = Number.parseInt(readText(path) ?? '', 10);
    if (!Number.isSafeInteger(pid) || pid <= 0 || processAlive(pid)) {
      // An unreadable pid is treated as held: it may be a lock being written right now.
      throw new DatabaseError(
        'LOCKED',
        `embedded database ${dir} is in use by ${Number.isSafeInteger(pid) ? `process ${pid}` : 'another process'}` +
          ` (lock file ${path}; remove it only if no coordinator uses this directory)`,
      );
    }
    rmSync(path, { force: true });
  }
  throw new DatabaseError('LOCKED', `embedded database ${dir} is in use (lock file ${path} keeps reappearing)`);
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** True when a process with this pid exists (EPERM: it exists but belongs to another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Where the socket directory goes: Unix socket paths are limited to ~107 bytes, and TMPDIR can be long. */
function socketParent(): string {
  const t = tmpdir();
  return t.length <= 60 ? t : '/tmp';
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * A one-line description of a thrown value. Node's connection errors can be an AggregateError with an empty
 * message (one error per address tried), and PGlite's file-system errors are plain objects.
 */
function describe(e: unknown): string {
  if (e instanceof AggregateError && !e.message && e.errors.length > 0) return e.errors.map(describe).join('; ');
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return e.message || (typeof code === 'string' ? code : e.name);
  }
  if (typeof e === 'object' && e !== null) {
    const { name, errno, message } = e as { name?: unknown; errno?: unknown; message?: unknown };
    if (typeof message === 'string' && message) return message;
    if (errno !== undefined) return `${String(name ?? 'error')} (errno ${String(errno)})`;
  }
  return String(e);
}
