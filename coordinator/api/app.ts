/**
 * The coordinator's REST API as a Koa app: {@link createApi} wires the middleware (metrics, headers, errors)
 * around the routes of `routes.ts`; {@link listen} serves it.
 */
import Koa from 'koa';
import { type Log, SILENT_LOG } from '../../src/runtime/logger.js';
import type { ApiKeyRepo, IdempotencyRepo } from '../db/types.js';
import type { CoordinatorService } from '../service.js';
import { DEFAULT_MAX_BODY_BYTES } from './body.js';
import { errorHandler, notFound } from './errors.js';
import { DEFAULT_ALLOWED_IPS, parseAllowList } from './ip-allow.js';
import { type CoordinatorMetrics, UNMATCHED_ROUTE } from './metrics.js';
import { createRouter, routeTemplate } from './routes.js';
import type { ApiState } from './state.js';

export { type ListeningServer, listen } from './listen.js';

/** What {@link createApi} needs. */
export interface ApiOptions {
  service: CoordinatorService;
  /** Accepted `X-API-Key` values; at least one. */
  apiKeys: readonly string[];
  /** IPs and CIDRs allowed to call `/api/*` and `/metrics`; default loopback (127.0.0.0/8, ::1). */
  allowedIps?: readonly string[];
  idempotency: IdempotencyRepo;
  apiKeyUse: ApiKeyRepo;
  metrics: CoordinatorMetrics;
  log?: Log;
  /** Request body cap in bytes; default 16 KiB. */
  maxBodyBytes?: number;
  /**
   * Take the client address from `X-Forwarded-For` (its last entry: the address our own reverse proxy saw).
   * Only set this behind a proxy that sets the header; otherwise any client could claim any address.
   */
  trustProxy?: boolean;
  /** True while the coordinator stops: every response then carries `Connection: close`. */
  draining?: () => boolean;
}

/**
 * Builds the API. Throws at creation, not at the first request, when `apiKeys` is empty, a key is empty, an
 * `allowedIps` entry is not an IP or CIDR, or `maxBodyBytes` is not a positive integer.
 */
export function createApi(opts: ApiOptions): Koa {
  if (opts.apiKeys.length === 0) throw new Error('createApi: apiKeys is empty; at least one API key is required');
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new Error(`createApi: maxBodyBytes must be a positive integer, got ${maxBodyBytes}`);
  }
  const log = opts.log ?? SILENT_LOG;
  const allow = parseAllowList(opts.allowedIps ?? DEFAULT_ALLOWED_IPS);
  // maxIpsCount 1: of X-Forwarded-For, only the entry appended by the nearest proxy is trusted; earlier entries
  // are whatever the client wrote.
  const app = new Koa<ApiState>({ proxy: opts.trustProxy ?? false, maxIpsCount: 1 });
  const router = createRouter({
    service: opts.service,
    metrics: opts.metrics,
    idempotency: opts.idempotency,
    apiKeys: opts.apiKeys,
    apiKeyUse: opts.apiKeyUse,
    allow,
    maxBodyBytes,
    log,
  });

  // Outermost, so it sees the final status of every request, errors included.
  app.use(async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const route = routeTemplate(router, ctx.method, ctx.path) ?? UNMATCHED_ROUTE;
      opts.metrics.httpRequest(ctx.method, route, ctx.status, (performance.now() - started) / 1000);
    }
  });
  app.use(async (ctx, next) => {
    // Signatures, tokens and account data must not sit in shared caches.
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    // stopping: the client opens its next connection elsewhere (or after the restart), not on this one
    if (opts.draining?.()) ctx.set('Connection', 'close');
    await next();
  });
  app.use(errorHandler(log));
  app.use(router.routes());
  app.use(notFound());
  // Errors the error handler cannot answer (e.g. a socket failing mid-response) reach Koa; log, don't print.
  app.on('error', (err: unknown) => log.error({ err }, 'HTTP server error'));
  return app;
}
