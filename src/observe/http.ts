/**
 * The node's observation endpoint: the probes `GET /livez` (the process answers) and `GET /readyz` (it can
 * serve), `GET /health` (detail) and `GET /metrics` for Prometheus.
 * Plain node:http, because two read-only routes do not justify a framework. It binds to loopback by default:
 * metrics reveal session activity, so exposing them beyond the host is an explicit operator choice.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PartyMetrics } from './metrics.js';

/** Address bound when none is given (loopback only). */
export const DEFAULT_OBSERVE_HOST = '127.0.0.1';

/** A health check that has not answered by then counts as unhealthy, so a hung check cannot hang the probe. */
export const HEALTH_TIMEOUT_MS = 5_000;

/** What a health check reports; every field but `ok` is copied into the response body. */
export interface HealthReport {
  ok: boolean;
  [k: string]: unknown;
}

/** Options of {@link startObserveServer}. */
export interface ObserveServerOptions {
  /** Port to listen on; 0 picks a free one (see {@link ObserveServer.port}). */
  port: number;
  /** Address to bind; default {@link DEFAULT_OBSERVE_HOST}. */
  host?: string;
  /** Source of `/metrics`. */
  metrics: Pick<PartyMetrics, 'metricsText' | 'contentType'>;
  /** Source of `/health`. */
  health: () => Promise<HealthReport>;
  /**
   * Source of `/readyz`: true when the node can serve (its store open, registered with the coordinator).
   * @default the `ok` of `health`
   */
  ready?: () => boolean | Promise<boolean>;
  /** How long `/health` waits for the check; default {@link HEALTH_TIMEOUT_MS}. */
  healthTimeoutMs?: number;
}

/** A running observation server. */
export interface ObserveServer {
  /** The port actually bound. */
  port: number;
  /** Stops listening and drops open connections; resolves once the port is released. */
  close(): Promise<void>;
}

/** Starts the observation server; resolves once it is listening, rejects if the port cannot be bound. */
export async function startObserveServer(options: ObserveServerOptions): Promise<ObserveServer> {
  const { port, host = DEFAULT_OBSERVE_HOST, metrics, health, healthTimeoutMs = HEALTH_TIMEOUT_MS } = options;
  const ready = options.ready;
  const checks: Checks = {
    health: () => checkHealth(health, healthTimeoutMs),
    ready: async () => (await checkHealth(ready ? async () => ({ ok: await ready() }) : health, healthTimeoutMs)).ok,
  };
  const server = createServer((req, res) => {
    handle(req, res, metrics, checks).catch(() => {
      // Collecting metrics failed, or the response could not be written; answer if we still can.
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets (e.g. a Prometheus scraper) would otherwise hold close() open indefinitely.
        server.closeAllConnections();
      }),
  };
}

/** The checks behind the probe routes. */
interface Checks {
  health: () => Promise<HealthReport>;
  ready: () => Promise<boolean>;
}

/** Routes one request. */
async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  metrics: ObserveServerOptions['metrics'],
  checks: Checks,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/livez') {
    // answering at all is the liveness: a hung event loop answers nothing
    sendJson(res, 200, { status: 'ok' });
    return;
  }
  if (req.method === 'GET' && path === '/readyz') {
    const ready = await checks.ready().catch(() => false);
    sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable' });
    return;
  }
  if (req.method === 'GET' && path === '/health') {
    const { ok, ...details } = await checks.health();
    sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', ...details });
    return;
  }
  if (req.method === 'GET' && path === '/metrics') {
    const text = await metrics.metricsText();
    res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
    res.end(text);
    return;
  }
  sendJson(res, 404, { error: 'not found' });
}

/**
 * Runs the health check with a timeout. A failing check reports a fixed message rather than its error text,
 * since an error from deep in the node could carry details that do not belong in an unauthenticated response.
 */
async function checkHealth(health: ObserveServerOptions['health'], timeoutMs: number): Promise<HealthReport> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HealthReport>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: 'health check timed out' }), timeoutMs);
  });
  try {
    return await Promise.race([health(), timeout]);
  } catch {
    return { ok: false, error: 'health check failed' };
  } finally {
    clearTimeout(timer);
  }
}

/** Writes a JSON response. */
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
