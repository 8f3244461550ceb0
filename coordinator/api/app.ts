/**
 * The coordinator's REST API as a Koa app: {@link createApi} wires the middleware (metrics, headers, errors)
 * around the routes of `routes.ts`; {@link listen} serves it.
 */
import Koa from 'koa';
import { type Log, SILENT_LOG } from '../../src/runtime/logger.js';
import { RateLimitedLog } from '../../src/runtime/rate-limited-log.js';
import type { ApiKeyRepo, IdempotencyRepo } from '../db/types.js';
import type { CoordinatorService } from '../service.js';
import { type AuthFailureLimit, AuthFailures } from './auth-failures.js';
import { DEFAULT_MAX_BODY_BYTES } from './body.js';
import { resolveClientAddress } from './client-address.js';
import { errorHandler, notFound } from './errors.js';
import { DEFAULT_ALLOWED_IPS, parseAllowList, parseNetworks } from './ip-allow.js';
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
   * IPs and CIDRs of the operator's reverse proxies: only a request whose socket peer is one of them has its
   * `X-Forwarded-For` read (see client-address.ts). Default none: the header is ignored.
   */
  trustedProxies?: readonly string[];
  /** Failed API-key attempts tolerated per minute and address, and the lockout. @default DEFAULT_AUTH_FAILURE_LIMIT */
  authFailureLimit?: AuthFailureLimit;
  /** True while the coordinator stops: every response then carries `Connection: close`. */
  draining?: () => boolean;
}

/**
 * Builds the API. Throws at creation, not at the first request, when `apiKeys` is empty, a key is empty, an
 * `allowedIps` or `trustedProxies` entry is not an IP or CIDR, or `maxBodyBytes` is not a positive integer.
 */
export function createApi(opts: ApiOptions): Koa {
  if (opts.apiKeys.length === 0) throw new Error('createApi: apiKeys is empty; at least one API key is required');
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new Error(`createApi: maxBodyBytes must be a positive integer, got ${maxBodyBytes}`);
  }
  const rawLog = opts.log ?? SILENT_LOG;
  const warnings = new RateLimitedLog(rawLog);
  // Failures repeat by the thousand while parties reconnect (every request a 503): one line per code and interval.
  const log = warnings.asLog((fields, msg) => `${msg}:${String((fields as { code?: unknown }).code)}`);
  const allow = parseAllowList(opts.allowedIps ?? DEFAULT_ALLOWED_IPS);
  const trusted = parseNetworks(opts.trustedProxies ?? [], 'TRUSTED_PROXIES');
  // Koa's own proxy support stays off: it would believe X-Forwarded-For from any peer.
  const app = new Koa<ApiState>({ proxy: false });
  const router = createRouter({
    service: opts.service,
    metrics: opts.metrics,
    idempotency: opts.idempotency,
    apiKeys: opts.apiKeys,
    apiKeyUse: opts.apiKeyUse,
    allow,
    maxBodyBytes,
    log,
    authFailures: new AuthFailures(opts.authFailureLimit),
    warnings,
  });

  app.use(resolveClientAddress(trusted));
  // Outermost but for the address, so it sees the final status of every request, errors included.
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
  app.on('error', (err: unknown) => rawLog.error({ err }, 'HTTP server error'));
  return app;
}
