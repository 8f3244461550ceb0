// The embedded database on its own thread: PGlite (WebAssembly PostgreSQL) served on a Unix socket by
// pglite-socket. Run as a worker by database.ts, so that query execution never blocks the coordinator's
// event loop (where the REST API and the session traffic run). Plain JavaScript: a worker does not inherit
// the TypeScript loader of the main thread.
//
// workerData: { dataDir?: string, socketPath: string, maxConnections: number, schema?: string }
// messages out: { ready: true } | { error: string }; in: 'stop' → out: { stopped: true }
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const { dataDir, socketPath, maxConnections, schema } = workerData;
let db;
let server;

parentPort.on('message', async (message) => {
  if (message !== 'stop') return;
  try {
    await server?.stop();
    await db?.close();
  } finally {
    parentPort.postMessage({ stopped: true });
  }
});

try {
  db = await PGlite.create(dataDir ?? 'memory://');
  // schema names are checked by the caller (a plain identifier)
  if (schema) await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}`);
  server = new PGLiteSocketServer({ db, path: socketPath, maxConnections });
  await server.start();
  parentPort.postMessage({ ready: true });
} catch (e) {
  parentPort.postMessage({ error: e instanceof Error ? e.message : String(e) });
}
