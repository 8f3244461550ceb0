/**
 * The operator's local channel to a running party node: a Unix socket in the data directory (mode 0600, so
 * only the node's own user can use it), one JSON request line and one JSON answer line. It carries operator
 * commands that must act on the live node — `pair` (run a fresh pair setup with a peer now), `unfreeze` (lift
 * the freeze of a key) and `backup` (write a backup file from one consistent snapshot of the store). The only
 * secret that crosses it is a backup's passphrase, from the operator to the node, on this machine.
 */
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';

/** File name of the socket inside the data directory. */
export const ADMIN_SOCKET = 'admin.sock';
/** Longest request line accepted. */
const MAX_REQUEST_BYTES = 16 * 1024;

/** An operator request: run a fresh pair setup with a peer now, or lift the freeze of a key. */
export type AdminRequest =
  | {
      cmd: 'pair';
      /** The peer id to pair with. */
      peer: string;
      /** Where to reach it (multiaddrs), when the node does not know yet. */
      addrs?: string[];
    }
  | {
      cmd: 'unfreeze';
      /** The frozen key's id, hex. */
      keyId: string;
    }
  | {
      cmd: 'backup';
      /** Absolute path of the backup file to create (it must not exist). */
      out: string;
      /** The passphrase that seals it. */
      passphrase: string;
    };

/** True when `r` is a well-formed {@link AdminRequest}. */
function isAdminRequest(r: unknown): r is AdminRequest {
  const req = r as Partial<Record<string, unknown>> | null;
  if (typeof req !== 'object' || req === null) return false;
  switch (req.cmd) {
    case 'pair':
      return typeof req.peer === 'string';
    case 'unfreeze':
      return typeof req.keyId === 'string' && /^([0-9a-f]{2})+$/.test(req.keyId);
    case 'backup':
      return typeof req.out === 'string' && req.out.startsWith('/') && typeof req.passphrase === 'string';
    default:
      return false;
  }
}

/** The node's answer. */
export interface AdminAnswer {
  ok: boolean;
  message: string;
}

/** Path of the admin socket of the data directory `dataDir`. */
export function adminSocketPath(dataDir: string): string {
  return join(dataDir, ADMIN_SOCKET);
}

/** Serves admin requests on `dataDir`'s socket; returns a closer. */
export async function serveAdmin(
  dataDir: string,
  handle: (r: AdminRequest) => Promise<AdminAnswer>,
): Promise<() => Promise<void>> {
  const path = adminSocketPath(dataDir);
  if (existsSync(path)) rmSync(path); // a stale socket of a node that did not stop cleanly
  const server: Server = createServer((conn) => {
    let buf = '';
    conn.setEncoding('utf8');
    conn.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_REQUEST_BYTES) return conn.destroy();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      let req: AdminRequest;
      try {
        const parsed: unknown = JSON.parse(buf.slice(0, nl));
        if (!isAdminRequest(parsed)) throw new Error('unknown request');
        req = parsed;
      } catch {
        conn.end(`${JSON.stringify({ ok: false, message: 'malformed request' })}\n`);
        return;
      }
      handle(req).then(
        (a) => conn.end(`${JSON.stringify(a)}\n`),
        (e) => conn.end(`${JSON.stringify({ ok: false, message: String(e instanceof Error ? e.message : e) })}\n`),
      );
    });
    conn.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      if (existsSync(path)) rmSync(path, { force: true });
    });
}

/**
 * Sends one request to the node running on `dataDir`. Resolves `undefined` when no node is running there
 * (no socket, or nobody listening), so a caller can fall back to acting on the store directly.
 */
export function adminRequest(dataDir: string, req: AdminRequest, timeoutMs = 60_000): Promise<AdminAnswer | undefined> {
  const path = adminSocketPath(dataDir);
  if (!existsSync(path)) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const conn = createConnection(path);
    let buf = '';
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new Error(`the node did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${JSON.stringify(req)}\n`));
    conn.on('data', (c: string) => {
      buf += c;
    });
    conn.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buf.trim()) as AdminAnswer);
      } catch {
        reject(new Error('the node sent a malformed answer'));
      }
    });
    conn.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ECONNREFUSED' || e.code === 'ENOENT') resolve(undefined);
      else reject(e);
    });
  });
}
