/**
 * The API's routes: each parses its input into typed values (schemas.ts), calls the {@link CoordinatorService}
 * and returns the view.
 * The guards are attached to each route, not to a path prefix, so a route is guarded however the router
 * matched it (case, trailing slash): every `/api` route checks the address allow list then the API key,
 * `/metrics` only the address, and `/health`, the probes `/livez` and `/readyz`, and `/openapi.json` are public. A path that matches no route
 * gets a plain 404; the route list is public in `/openapi.json` anyway.
 */
import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Log } from '../../src/runtime/logger.js';
import { RateLimitedLog } from '../../src/runtime/rate-limited-log.js';
import type { ApiKeyRepo, IdempotencyRepo } from '../db/types.js';
import { CoordinatorError } from '../errors.js';
import type { CoordinatorService, HealthView } from '../service.js';
import { requireAllowedIp, requireApiKey } from './auth.js';
import { AuthFailures } from './auth-failures.js';
import { jsonBody } from './body.js';
import { idempotent } from './idempotency.js';
import type { AllowList } from './ip-allow.js';
import type { CoordinatorMetrics } from './metrics.js';
import { OPENAPI_DOCUMENT } from './openapi.js';
import {
  CreateAccountBody,
  isPeerId,
  JoinTokenBody,
  ListAccountsQuery,
  parseSessionId,
  RefreshBody,
  ReshareBody,
  SignBody,
  validate,
} from './schemas.js';
import type { ApiState } from './state.js';
import { pathParam, strictQuery } from './text.js';

/** What the routes need. */
export interface RouteDeps {
  service: CoordinatorService;
  metrics: CoordinatorMetrics;
  idempotency: IdempotencyRepo;
  /** Accepted `X-API-Key` values (at least one). */
  apiKeys: readonly string[];
  apiKeyUse: ApiKeyRepo;
  /** Who may call `/api` routes and read `/metrics`. */
  allow: AllowList;
  maxBodyBytes: number;
  log: Log;
  /** Failed API-key attempts by address. @default a table with DEFAULT_AUTH_FAILURE_LIMIT */
  authFailures?: AuthFailures;
  /** The rate-limited log of repeated warnings. @default one over `log` */
  warnings?: RateLimitedLog;
}

/** One registered route: method and path template in router form (`/api/v1/accounts/:accountId`). */
export interface RegisteredRoute {
  method: string;
  path: string;
}

/** The router's own context type. */
type Ctx = Parameters<Middleware<ApiState>>[0] & { params: Record<string, string> };

/**
 * A path parameter, checked as client text (400 naming it for a control character, an unpaired surrogate or
 * excess length); the router guarantees it for the routes that declare it.
 */
function param(ctx: Ctx, name: string): string {
  const value = ctx.params[name];
  if (value === undefined) throw new Error(`route has no :${name} parameter`);
  return pathParam(name, value);
}

/** Builds the router with every route of the API. */
export function createRouter(deps: RouteDeps): Router<ApiState> {
  const { service, log } = deps;
  const router = new Router<ApiState>();
  const allowedIp = requireAllowedIp(deps.allow);
  // Address first (403), then key (401): a caller outside the allow list learns nothing about keys.
  const apiKey = requireApiKey(deps.apiKeys, {
    apiKeyUse: deps.apiKeyUse,
    log,
    failures: deps.authFailures ?? new AuthFailures(),
    metrics: deps.metrics,
    warnings: deps.warnings ?? new RateLimitedLog(log),
  });
  const api = [allowedIp, apiKey];
  // A POST reads its JSON body, then honours Idempotency-Key (whose request hash covers that body).
  const post = [...api, jsonBody(deps.maxBodyBytes), idempotent(deps.idempotency, log)];

  router.post('/api/v1/accounts', ...post, async (ctx) => {
    const req = validate(CreateAccountBody, ctx.state.body);
    ctx.status = 201;
    ctx.body = await service.createAccount(req);
  });

  router.get('/api/v1/accounts', ...api, async (ctx) => {
    const { userId } = validate(ListAccountsQuery, strictQuery(ctx.querystring));
    ctx.body = { accounts: await service.listAccounts(userId) };
  });

  router.get('/api/v1/accounts/:accountId', ...api, async (ctx) => {
    ctx.body = await service.getAccount(param(ctx, 'accountId'));
  });

  router.post('/api/v1/accounts/:accountId/sign', ...post, async (ctx) => {
    const accountId = param(ctx, 'accountId');
    const { messageHash, userShare, include, derivationPath } = validate(SignBody, ctx.state.body);
    ctx.body = await service.sign(accountId, messageHash, {
      ...(userShare ? { userShare } : {}),
      ...(include ? { include } : {}),
      ...(derivationPath ? { derivationPath } : {}),
    });
  });

  router.post('/api/v1/accounts/:accountId/refresh', ...post, async (ctx) => {
    const accountId = param(ctx, 'accountId');
    validate(RefreshBody, ctx.state.body ?? {});
    ctx.body = await service.refreshAccount(accountId);
  });

  router.post('/api/v1/accounts/:accountId/reshare', ...post, async (ctx) => {
    const accountId = param(ctx, 'accountId');
    const { parties, threshold } = validate(ReshareBody, ctx.state.body);
    ctx.body = await service.reshareAccount(accountId, { parties, ...(threshold === undefined ? {} : { threshold }) });
  });

  router.get('/api/v1/sessions/:sessionId', ...api, async (ctx) => {
    const text = param(ctx, 'sessionId');
    const sessionId = parseSessionId(text);
    if (sessionId === undefined) throw new CoordinatorError('NOT_FOUND', `session ${text} not found`);
    ctx.body = await service.getSession(sessionId);
  });

  router.get('/api/v1/parties', ...api, async (ctx) => {
    ctx.body = { parties: await service.listParties() };
  });

  router.post('/api/v1/join-tokens', ...post, async (ctx) => {
    // An empty body is a request for the defaults.
    const { ttlSeconds, role } = validate(JoinTokenBody, ctx.state.body ?? {});
    ctx.status = 201;
    ctx.body = await service.createJoinToken(ttlSeconds, role);
  });

  router.delete('/api/v1/parties/:partyId', ...api, async (ctx) => {
    const text = param(ctx, 'partyId');
    // a text that is no peer id names no party: 404, as for an unknown one
    if (!isPeerId(text)) throw new CoordinatorError('NOT_FOUND', `party ${text} not found`);
    ctx.body = await service.revokeParty(text);
  });

  // Probes (public, like /health). Liveness: the process answers. Readiness: it can serve, which is the database
  // answering — never the parties' quorum, or an orchestrator would take the coordinator out of its Service and
  // the parties could never reach it to make the quorum.
  router.get('/livez', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', async (ctx) => {
    const database = await service
      .health()
      .then((h) => h.database)
      .catch((err: unknown) => {
        log.warn({ err }, 'readiness check failed');
        return false;
      });
    ctx.status = database ? 200 : 503;
    ctx.body = { status: database ? 'ready' : 'unavailable', database };
  });

  router.get('/health', async (ctx) => {
    let health: HealthView;
    try {
      health = await service.health();
    } catch (err) {
      // A failing check is an unhealthy coordinator, not a 500; its text stays in the log.
      log.warn({ err }, 'health check failed');
      ctx.status = 503;
      ctx.body = { status: 'unavailable', error: 'health check failed' };
      return;
    }
    ctx.status = health.ok ? 200 : 503;
    // degraded: serving, but some parties refuse each other (a ban), so fewer signer sets remain
    const status = !health.ok ? 'unavailable' : health.bannedPairs.length > 0 ? 'degraded' : 'ok';
    ctx.body = { status, ...health };
  });

  router.get('/metrics', allowedIp, async (ctx) => {
    ctx.type = deps.metrics.contentType;
    ctx.body = await deps.metrics.metricsText();
  });

  router.get('/openapi.json', (ctx) => {
    ctx.body = OPENAPI_DOCUMENT;
  });

  return router;
}

/** Every route of `router` (HEAD, which the router adds to each GET, left out). */
export function registeredRoutes(router: Router<ApiState>): RegisteredRoute[] {
  return router.stack.flatMap((layer) =>
    typeof layer.path !== 'string'
      ? []
      : layer.methods.filter((m) => m !== 'HEAD').map((method) => ({ method, path: layer.path as string })),
  );
}

/** The template of the route `method path` matches (for metrics labels), or undefined. */
export function routeTemplate(router: Router<ApiState>, method: string, path: string): string | undefined {
  const layer = router.match(path, method).pathAndMethod.find((l) => l.methods.length > 0);
  return typeof layer?.path === 'string' ? layer.path : undefined;
}
