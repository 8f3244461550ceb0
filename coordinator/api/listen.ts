/**
 * Serving a Koa app over HTTP, with a `close()` that does not hang on idle keep-alive connections.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';

/** A listening API server. */
export interface ListeningServer {
  server: Server;
  /** e.g. `http://127.0.0.1:8080` (`http://[::1]:8080` for IPv6). */
  url: string;
  /**
   * Stops accepting connections and resolves once in-flight requests finish; connections still busy after
   * `graceMs` (default 10 s) are cut.
   */
  close(graceMs?: number): Promise<void>;
}

/** Starts `app` on `host:port` (`port` 0 picks a free port); rejects when the port cannot be bound. */
export function listen(app: Koa, port: number, host: string): Promise<ListeningServer> {
  const server = createServer(app.callback());
  return new Promise<ListeningServer>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const { address, family, port: bound } = server.address() as AddressInfo;
      const hostPart = family === 'IPv6' ? `[${address}]` : address;
      resolve({
        server,
        url: `http://${hostPart}:${bound}`,
        close: (graceMs = 10_000) =>
          new Promise<void>((done, fail) => {
            const cut = setTimeout(() => server.closeAllConnections(), graceMs);
            cut.unref();
            server.close((err) => {
              clearTimeout(cut);
              if (err) fail(err);
              else done();
            });
            // Idle keep-alive sockets would otherwise hold close() open until they time out.
            server.closeIdleConnections();
          }),
      });
    });
  });
}
